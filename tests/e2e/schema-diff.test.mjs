// .ci/schema-diff.sh on a throwaway git repository: safe and dangerous changes pass and are
// printed, a breaking one fails unless the commit message says `schema-break: <reason>`, and a
// repository without a previous commit (or a shallow clone) is skipped with a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../.ci/schema-diff.sh', import.meta.url));

const V1 = `
type Query { studio(id: ID!): Studio }
type Studio { id: ID! name: String! area: Area }
enum Area { MARKETING SALES }
`;
// Safe: a new field. Dangerous: a new enum value, a new optional argument.
const V2 = `
type Query { studio(id: ID!): Studio studios(first: Int): [Studio!]! }
type Studio { id: ID! name: String! area(fallback: Area): Area description: String }
enum Area { MARKETING SALES FINANCE }
`;
// Breaking: a removed field and a changed type.
const V3 = `
type Query { studio(id: ID!): Studio studios(first: Int): [Studio!]! }
type Studio { id: ID! name: Int! area(fallback: Area): Area }
enum Area { MARKETING SALES FINANCE }
`;

function repo() {
  const dir = mkdtempSync(join(tmpdir(), 'schema-diff-'));
  const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@studiogate.example');
  git('config', 'user.name', 'CI');
  const commit = (schema, message) => {
    writeFileSync(join(dir, 'schema.graphql'), schema);
    git('add', 'schema.graphql');
    git('commit', '-q', '--allow-empty', '-m', message);
  };
  return { dir, git, commit };
}

function diff(dir) {
  const r = spawnSync(script, [], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('schema diff: first commit and shallow clone are skipped with a message', () => {
  const { dir, commit } = repo();
  const shallow = mkdtempSync(join(tmpdir(), 'schema-diff-shallow-'));
  try {
    commit(V1, 'First schema');
    let r = diff(dir);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /skipped, there is no HEAD~1 \(first commit\)/);

    commit(V3, 'Breaking, but the clone cannot see it');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, shallow]);
    r = diff(shallow);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /skipped, HEAD~1 is not in this shallow clone/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(shallow, { recursive: true, force: true });
  }
});

test('schema diff: safe and dangerous changes pass and are printed; breaking ones fail', () => {
  const { dir, git, commit } = repo();
  try {
    commit(V1, 'First schema');
    commit(V1, 'Nothing changed');
    let r = diff(dir);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /schema diff: no changes/);

    commit(V2, 'Studios list, descriptions, finance');
    r = diff(dir);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /schema diff: 0 breaking, 2 dangerous, 2 safe/);
    assert.match(r.out, /Enum value FINANCE was added to enum Area/);
    assert.match(r.out, /Field description was added to object type Studio/);

    commit(V3, 'Drop descriptions');
    r = diff(dir);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /schema diff: 2 breaking, 0 dangerous, 0 safe/);
    assert.match(r.out, /Field description was removed from object type Studio/);
    assert.match(r.out, /Field Studio.name changed type from String! to Int!/);
    assert.match(r.out, /say why in the commit message: 'schema-break: <reason>'/);

    git('commit', '-q', '--amend', '-m', 'Drop descriptions\n\nschema-break:');
    r = diff(dir);
    assert.equal(r.code, 1, `a marker without a reason is not enough: ${r.out}`);

    git('commit', '-q', '--amend', '-m', 'Drop descriptions\n\nschema-break: no client reads Studio.description (checked in the gateway logs)');
    r = diff(dir);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /accepted by the commit message: schema-break: no client reads Studio.description/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
