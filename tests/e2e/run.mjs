#!/usr/bin/env node
// The e2e entry point: seeds a SQLite database, starts the real binary on port 0, mints tokens,
// runs the client suites against it (Apollo Client + graphql-ws, GraphiQL in Chromium, the
// graphql-http audit) and always stops the server. With PG_URL set (a server URL without a
// database, as .ci/run exports it) the Apollo suite runs once more on a fresh PostgreSQL
// database, which is dropped afterwards; the other suites test the HTTP layer only.
//
//   node tests/e2e/run.mjs [path/to/studiogate]      (default: target/debug/studiogate)
//   E2E_SUITES=apollo,browser,audit                  (a subset; default all three)
//   PG_URL=postgres://postgres@127.0.0.1:5432        (also PostgreSQL; E2E_PG=off to skip)
//
// Everything the suites need arrives in environment variables (see `suiteEnv` below).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const bin = resolve(process.argv[2] ?? process.env.STUDIOGATE_BIN ?? join(root, 'target/debug/studiogate'));
if (!existsSync(bin)) {
  console.error(`e2e: no binary at ${bin}; build it with cargo build --bin studiogate, or pass its path`);
  process.exit(1);
}
const suites = (process.env.E2E_SUITES ?? 'apollo,browser,audit').split(',').filter(Boolean);
const artifacts = join(root, 'target', 'e2e');
mkdirSync(artifacts, { recursive: true });

const tmp = mkdtempSync(join(tmpdir(), 'studiogate-e2e-'));
const secret = randomBytes(32).toString('hex');
const serverEnv = {
  ...process.env,
  STUDIOGATE_JWT_SECRET: secret,
  STUDIOGATE_STORAGE_DIR: join(tmp, 'files'),
  STUDIOGATE_DEMO: 'off',
  // The hardening work makes these configurable; the suites send bursts of requests.
  STUDIOGATE_RATE_LIMIT_PER_SECOND: '10000',
  STUDIOGATE_RATE_LIMIT_BURST: '10000',
  STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND: '10000',
  STUDIOGATE_TENANT_RATE_LIMIT_BURST: '10000',
  RUST_LOG: process.env.RUST_LOG ?? 'warn',
};

const pgUrl = process.env.E2E_PG === 'off' ? null : process.env.PG_URL?.replace(/\/+$/, '');
const pgDatabase = `studiogate_e2e_${randomBytes(4).toString('hex')}`;
let pgCreated = false;
const psql = (sql) => execFileSync('psql', [`${pgUrl}/postgres`, '-qAtc', sql], { encoding: 'utf8' });

let server;
function stopServer() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
}
function cleanUp() {
  stopServer();
  rmSync(tmp, { recursive: true, force: true });
  if (pgCreated) {
    pgCreated = false;
    try {
      psql(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
    } catch (err) {
      console.error(`e2e: could not drop ${pgDatabase}: ${err.message}`);
    }
  }
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}

function cli(...args) {
  return execFileSync(bin, args, { env: serverEnv, encoding: 'utf8' }).trim();
}

function startServer(databaseUrl, log) {
  return new Promise((resolveUrl, reject) => {
    server = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--database-url', databaseUrl], {
      env: serverEnv,
      stdio: ['ignore', 'pipe', openSync(log, 'w')],
    });
    const timer = setTimeout(() => reject(new Error('the server did not print its address within 60 s')), 60_000);
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited before listening (code ${code}, signal ${signal})`));
    });
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = line.match(/^studiogate listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
  });
}

function stopped() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  const exited = new Promise((r) => server.once('exit', r));
  stopServer();
  return exited;
}

function runNode(args, env) {
  return new Promise((resolveCode) => {
    const child = spawn(process.execPath, args, { cwd: here, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolveCode(code ?? (signal ? 1 : 0)));
  });
}

const plan = {
  apollo: ['--test', '--test-reporter=spec', 'apollo.test.mjs', 'subscription.test.mjs', 'upload.test.mjs'],
  browser: ['--test', '--test-reporter=spec', 'graphiql.test.mjs'],
  audit: ['audit.mjs'],
};
for (const name of suites) {
  if (!plan[name]) throw new Error(`unknown suite ${name}; known: ${Object.keys(plan).join(', ')}`);
}

/** Seeds `databaseUrl`, serves it, runs `names` against it; returns one result per suite. */
async function onBackend(backend, databaseUrl, names) {
  const started = Date.now();
  const log = join(artifacts, `server-${backend}.log`);
  const seed = JSON.parse(cli('seed', '--scale', '2', '--database-url', databaseUrl));
  const url = await startServer(databaseUrl, log);
  // Account k of company c: 0 is the admin, 1-6 approved members (src/seed.rs).
  const account = (c, k) => seed.accounts.find((a) => a.email === `user${k}@company${String(c).padStart(3, '0')}.example`).id;
  const token = (sub, ...extra) => cli('token', '--sub', sub, '--ttl-secs', '3600', ...extra);
  const suiteEnv = {
    ...process.env,
    STUDIOGATE_URL: url,
    E2E_ARTIFACTS: artifacts,
    E2E_SEED: JSON.stringify(seed),
    E2E_TOKEN_ADMIN: token(account(0, 0)),
    E2E_TOKEN_MEMBER: token(account(0, 1)),
    E2E_TOKEN_OTHER_TENANT: token(account(1, 1)),
  };
  console.log(`\ne2e: ${bin} on ${url} (${backend}, seed scale 2), ready in ${Date.now() - started} ms`);
  const results = [];
  try {
    for (const name of names) {
      console.log(`\n== e2e: ${name} (${backend})`);
      const t0 = Date.now();
      const code = await runNode(plan[name], suiteEnv);
      results.push({ name: `${name} (${backend})`, code, ms: Date.now() - t0 });
    }
  } finally {
    await stopped();
  }
  if (results.some((r) => r.code !== 0)) {
    const tail = readFileSync(log, 'utf8').trim().split('\n').slice(-20).join('\n');
    console.log(`\n== server log (last lines of ${log})\n${tail}`);
  }
  return results;
}

async function main() {
  const results = await onBackend('sqlite', `sqlite://${join(tmp, 'e2e.db')}?mode=rwc`, suites);
  if (pgUrl && suites.includes('apollo')) {
    psql(`CREATE DATABASE ${pgDatabase}`);
    pgCreated = true;
    results.push(...(await onBackend('postgres', `${pgUrl}/${pgDatabase}`, ['apollo'])));
  }
  console.log('\n== e2e summary');
  for (const r of results) console.log(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.name.padEnd(20)} ${(r.ms / 1000).toFixed(1)} s`);
  return results.every((r) => r.code === 0) ? 0 : 1;
}

main()
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(`e2e: ${err.stack ?? err}`);
    process.exit(1);
  });
