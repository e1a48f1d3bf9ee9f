// GraphQL-over-HTTP conformance: graphql-http's own audit against the running server.
// Every MUST has to pass. A SHOULD that fails has to be listed, with its reason, in
// audit-known.json and in the README ("GraphQL over HTTP"); a listed one that passes again is
// reported so the list can shrink.
import { auditServer } from 'graphql-http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const url = `${process.env.STUDIOGATE_URL ?? ''}/graphql`;
if (!process.env.STUDIOGATE_URL) throw new Error('STUDIOGATE_URL is not set: run through tests/e2e/run.mjs');
const known = JSON.parse(readFileSync(new URL('./audit-known.json', import.meta.url), 'utf8'));

const results = await auditServer({ url });
const level = (r) => r.name.split(' ')[0];
const rows = [];
for (const r of results) {
  const reason = r.status === 'ok' ? '' : r.reason;
  let body = '';
  if (r.status !== 'ok') {
    try {
      body = (await r.response.text()).slice(0, 200);
    } catch {
      body = '(body already read)';
    }
  }
  rows.push({ id: r.id, status: r.status, name: r.name, reason, status_code: r.response?.status, body });
  console.log(`${r.status.padEnd(6)} ${r.id} ${r.name}${reason ? `\n       -> ${reason}` : ''}`);
}
if (process.env.E2E_ARTIFACTS) {
  writeFileSync(join(process.env.E2E_ARTIFACTS, 'graphql-http-audit.json'), JSON.stringify(rows, null, 2));
}

const failed = rows.filter((r) => r.status !== 'ok');
const mustFailures = failed.filter((r) => level(r) === 'MUST');
const shouldFailures = failed.filter((r) => level(r) === 'SHOULD');
const mayFailures = failed.filter((r) => level(r) === 'MAY');
const undocumented = shouldFailures.filter((r) => !known[r.id]);
const fixed = Object.keys(known).filter((id) => !failed.some((r) => r.id === id));

console.log(
  `\n${results.length} audits: ${results.length - failed.length} ok, ${mustFailures.length} MUST failed, ${shouldFailures.length} SHOULD failed, ${mayFailures.length} MAY not done`,
);
for (const r of mustFailures) console.log(`MUST failed: ${r.id} ${r.name}: ${r.reason} (HTTP ${r.status_code} ${r.body})`);
for (const r of shouldFailures) console.log(`${known[r.id] ? 'known' : 'NEW'} SHOULD failure: ${r.id} ${r.name}${known[r.id] ? ` (${known[r.id]})` : `: ${r.reason}`}`);
for (const r of mayFailures) console.log(`MAY not done: ${r.id} ${r.name}: ${r.reason}`);
for (const id of fixed) console.log(`listed as failing but passes now, remove it from audit-known.json and the README: ${id}`);
if (undocumented.length) {
  console.log('SHOULD failures must be listed with their reason in tests/e2e/audit-known.json and the README.');
}
process.exit(mustFailures.length || undocumented.length ? 1 : 0);
