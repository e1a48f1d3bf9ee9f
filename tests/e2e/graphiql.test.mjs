// GraphiQL in a real browser: headless Chromium opens GET /graphql, a query goes into the editor
// and a bearer token into the Headers pane, the run button sends it, and the result pane has to
// show the viewer's own data. The screenshot is kept in target/e2e/graphiql.png.
//
// The page loads React and GraphiQL from unpkg.com. CI machines have no route to it, so the
// browser gets the same files (the versions the page asks for, pinned in package.json) from
// node_modules instead; E2E_GRAPHIQL_CDN=live lets the page fetch them from unpkg itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { artifacts, endpoint, seed, tokens } from './lib.mjs';

const require = createRequire(import.meta.url);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const QUERY = `{
  viewer { email }
  companies {
    nodes {
      name
      studios(first: 2) {
        totalCount
        nodes { name businessArea }
      }
    }
  }
}`;

const TYPES = { js: 'application/javascript', css: 'text/css', map: 'application/json' };

/** Serves `https://unpkg.com/<package>@<range>/<path>` from node_modules/<package>/<path>. */
async function mirrorUnpkg(route) {
  const { pathname } = new URL(route.request().url());
  const m = pathname.match(/^\/((?:@[^/]+\/)?[^@/]+)@([^/]+)\/(.+)$/);
  if (!m) return route.fulfill({ status: 404, body: `not mirrored: ${pathname}` });
  const [, name, range, file] = m;
  const dir = dirname(require.resolve(`${name}/package.json`));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const path = join(dir, file);
  if (!version.startsWith(`${range}.`) && version !== range) {
    return route.fulfill({ status: 500, body: `page wants ${name}@${range}, node_modules has ${version}` });
  }
  if (!existsSync(path)) return route.fulfill({ status: 404, body: `${name}@${version} has no ${file}` });
  return route.fulfill({ status: 200, contentType: TYPES[file.split('.').pop()] ?? 'application/octet-stream', body: readFileSync(path) });
}

/** Replaces the whole text of the CodeMirror editor inside `selector`, the way a paste does. */
async function fill(page, selector, text) {
  const editor = page.locator(`${selector} .CodeMirror`).filter({ visible: true }).first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  const value = await editor.evaluate((el) => el.CodeMirror.getValue());
  if (value !== text) {
    // Auto-closed brackets or indentation changed the paste: set the value outright.
    await editor.evaluate((el, t) => el.CodeMirror.setValue(t), text);
  }
}

test('GraphiQL runs a query with a bearer token from the Headers pane', async () => {
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    // React's development build (the one the page asks for) reports GraphiQL's own list keys
    // as "Warning: ..." console errors; anything else is a problem.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Warning: ')) problems.push(`console: ${msg.text()}`);
    });
    if (process.env.E2E_GRAPHIQL_CDN !== 'live') {
      await page.route(/^https:\/\/unpkg\.com\//, mirrorUnpkg);
      await page.route(/^https:\/\/graphql\.org\//, (route) => route.fulfill({ status: 204 }));
    }
    const response = await page.goto(endpoint);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /text\/html/);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ timeout: 30_000 });

    await fill(page, '.graphiql-query-editor', QUERY);
    await page.getByRole('button', { name: 'Headers' }).click();
    await fill(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${tokens.admin}` }, null, 2));
    const answered = page.waitForResponse((r) => r.url() === endpoint && r.request().method() === 'POST' && r.request().postData()?.includes('viewer'));
    await page.locator('.graphiql-execute-button').click();
    const graphql = await answered;
    assert.equal(graphql.status(), 200);
    assert.equal(graphql.request().headers().authorization, `Bearer ${tokens.admin}`);

    const result = page.locator('.graphiql-response .CodeMirror');
    const admin = seed.accounts.find((a) => a.email === 'user0@company000.example');
    await result.getByText(admin.email).waitFor({ timeout: 15_000 });
    const text = await result.evaluate((el) => el.CodeMirror.getValue());
    const shown = JSON.parse(text);
    assert.equal(shown.errors, undefined, text);
    assert.equal(shown.data.viewer.email, admin.email);
    assert.deepEqual(shown.data.companies.nodes.map((c) => c.name), ['Company 000']);
    assert.equal(shown.data.companies.nodes[0].studios.totalCount, 10);
    assert.equal(shown.data.companies.nodes[0].studios.nodes.length, 2);

    await page.screenshot({ path: join(artifacts, 'graphiql.png') });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
