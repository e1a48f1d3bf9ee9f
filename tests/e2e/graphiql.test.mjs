// GraphiQL in a real browser: headless Chromium opens GET /graphql, a query goes into the editor
// and a bearer token into the Headers pane, the run button sends it, and the result pane has to
// show the viewer's own data. The screenshot is kept in target/e2e/graphiql.png.
//
// The page loads its scripts and styles (pinned React and GraphiQL, embedded in the binary; see
// crates/server/assets/graphiql/README.md) from the server itself. The browser may reach no other
// host. Every request (HTTP or websocket) addressed elsewhere is aborted and recorded, and the
// test fails if there was any. Any console error also fails it, and a violation of the page's
// Content-Security-Policy is a console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { artifacts, endpoint, seed, tokens, url } from './lib.mjs';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Keep Chromium's own traffic (component updates, sync, QUIC probes) off the network too: page
// routes only see the page's requests.
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const serverHost = new URL(url).host;
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

test('GraphiQL runs a query with a bearer token from the Headers pane', async (t) => {
  const browser = await chromium.launch({ executablePath, headless: true, args });
  const outside = [];
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // (data: URLs, such as the fonts inside GraphiQL's CSS, never reach these routes.)
    await context.route((u) => u.host !== serverHost, (route) => {
      outside.push(`${route.request().method()} ${route.request().url()}`);
      return route.abort('blockedbyclient');
    });
    await context.routeWebSocket((u) => u.host !== serverHost, (ws) => {
      outside.push(`websocket ${ws.url()}`);
      return ws.close();
    });
    // Chromium logs CSP violations as console errors already; this adds the directive.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} refused ${e.blockedURI || 'inline code'}`);
      });
    });
    const page = await context.newPage();
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });

    const response = await page.goto(endpoint);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /text\/html/);
    assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'none'/);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
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
    assert.deepEqual(outside, [], 'the page tried to reach another host');
    assert.deepEqual(problems, []);
  } finally {
    // A page that could not load its assets fails on a timeout first: say what it tried.
    for (const r of outside) t.diagnostic(`aborted, to another host: ${r}`);
    for (const p of problems) t.diagnostic(p);
    await browser.close();
  }
});
