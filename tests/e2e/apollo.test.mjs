// Apollo Client (InMemoryCache, relayStylePagination) against the running gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gql as tag, CombinedGraphQLErrors, ServerError } from '@apollo/client';
import { client, companyId, data, tokens } from './lib.mjs';

const NESTED = tag`
  query Nested {
    companies {
      totalCount
      nodes {
        id
        name
        studios(first: 3) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges {
            cursor
            node {
              id
              name
              executions(first: 2, filter: { status: [SUCCEEDED, FAILED] }) {
                edges {
                  cursor
                  node {
                    id
                    status
                    template { id name version }
                    user { id fullName }
                    files { usageType file { id filename mimeType } }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

test('the nested query reaches every level and stays inside the tenant', async () => {
  const apollo = client(tokens.admin);
  const { data: result } = await apollo.query({ query: NESTED });
  assert.equal(result.companies.totalCount, 1);
  const [company] = result.companies.nodes;
  assert.equal(company.id, companyId(0));
  assert.equal(company.name, 'Company 000');
  assert.equal(company.studios.totalCount, 10);
  assert.equal(company.studios.edges.length, 3);
  assert.equal(company.studios.pageInfo.hasNextPage, true);
  const executions = company.studios.edges.flatMap((e) => e.node.executions.edges.map((x) => x.node));
  assert.ok(executions.length > 0, 'seeded studios have finished executions');
  for (const execution of executions) {
    assert.ok(['SUCCEEDED', 'FAILED'].includes(execution.status), execution.status);
    assert.match(execution.template.name, /^Template \d\d$/);
  }
  assert.ok(executions.some((x) => x.files.length > 0), 'some executions used files');
  // The cache normalised what it got: each studio is one entity, reachable by its id.
  const studio = company.studios.edges[0].node;
  const cached = apollo.cache.readFragment({
    id: apollo.cache.identify({ __typename: 'Studio', id: studio.id }),
    fragment: tag`fragment S on Studio { id name }`,
  });
  assert.deepEqual({ ...cached }, { __typename: 'Studio', id: studio.id, name: studio.name });
});

const STUDIO_PAGE = tag`
  query StudioPage($id: UUID!, $first: Int!, $after: String) {
    company(id: $id) {
      id
      studios(first: $first, after: $after) {
        totalCount
        edges { cursor node { id name businessArea } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

test('fetchMore pages merge into one cached list, in server order', async () => {
  const requests = [];
  const apollo = client(tokens.admin, { requests });
  const id = companyId(0);
  const watched = apollo.watchQuery({ query: STUDIO_PAGE, variables: { id, first: 4 } });
  let subscription;
  const first = new Promise((resolve, reject) => {
    subscription = watched.subscribe({ next: (r) => r.loading || resolve(r), error: reject });
  });
  try {
    let { data: page } = await first;
    assert.equal(page.company.studios.edges.length, 4);
    let pages = 1;
    while (page.company.studios.pageInfo.hasNextPage) {
      // fetchMore resolves with the page it fetched; the merge happens in the cache.
      ({ data: page } = await watched.fetchMore({ variables: { after: page.company.studios.pageInfo.endCursor } }));
      assert.ok(page.company.studios.edges.length > 0);
      pages += 1;
      assert.ok(pages <= 5, 'pagination ends');
    }
    assert.equal(pages, 3, '10 studios in pages of 4');

    // The cache holds all the pages under one field, without duplicates and in server order.
    const cached = apollo.readQuery({ query: STUDIO_PAGE, variables: { id, first: 4 } });
    const ids = cached.company.studios.edges.map((e) => e.node.id);
    assert.equal(ids.length, 10);
    assert.equal(new Set(ids).size, 10);
    assert.equal(cached.company.studios.pageInfo.hasNextPage, false);
    const all = await data(tokens.admin, 'query($id: UUID!) { company(id: $id) { studios(first: 10) { nodes { id } } } }', { id });
    assert.deepEqual(ids, all.company.studios.nodes.map((n) => n.id));
    assert.equal(requests.length, 3, 'one request per page');
    // The watching query sees the merged list too.
    assert.deepEqual(watched.getCurrentResult().data.company.studios.edges.map((e) => e.node.id), ids);
  } finally {
    subscription.unsubscribe();
  }
});

const STUDIO = tag`
  query Studio($id: UUID!) { studio(id: $id) { id name description updatedAt } }
`;
const RENAME = tag`
  mutation Rename($input: UpdateStudioInput!) {
    updateStudio(input: $input) { studio { id name description updatedAt } }
  }
`;

test("a mutation's payload updates the cached studio, in every query that shows it", async () => {
  const requests = [];
  const apollo = client(tokens.member, { requests });
  const id = companyId(0);
  const { data: list } = await apollo.query({ query: STUDIO_PAGE, variables: { id, first: 4 } });
  const target = list.company.studios.edges[1].node;
  const { data: before } = await apollo.query({ query: STUDIO, variables: { id: target.id } });
  const name = `Renamed by Apollo ${Date.now() % 100000}`;
  const { data: changed } = await apollo.mutate({
    mutation: RENAME,
    variables: { input: { id: target.id, name, updatedAt: before.studio.updatedAt } },
  });
  assert.equal(changed.updateStudio.studio.name, name);
  const sent = requests.length;

  // Read back from the cache only: no request, new name in the single-studio query and in the list.
  const { data: after } = await apollo.query({ query: STUDIO, variables: { id: target.id }, fetchPolicy: 'cache-only' });
  assert.equal(after.studio.name, name);
  assert.notEqual(after.studio.updatedAt, before.studio.updatedAt);
  const cachedList = apollo.readQuery({ query: STUDIO_PAGE, variables: { id, first: 4 } });
  assert.equal(cachedList.company.studios.edges[1].node.name, name);
  assert.equal(requests.length, sent, 'the cache answered without the network');

  // And the server agrees.
  const fresh = await data(tokens.member, 'query($id: UUID!) { studio(id: $id) { name } }', { id: target.id });
  assert.equal(fresh.studio.name, name);

  // The updatedAt we saw is stale now: writing with it is a CONFLICT the client can read.
  const stale = await apollo
    .mutate({ mutation: RENAME, variables: { input: { id: target.id, name: 'Too late', updatedAt: before.studio.updatedAt } } })
    .then(() => null, (err) => err);
  assert.ok(CombinedGraphQLErrors.is(stale), String(stale));
  assert.equal(stale.errors[0].extensions.code, 'CONFLICT');
  assert.equal(stale.errors[0].extensions.reason, 'STALE_OBJECT');
});

test('errors carry their code: NOT_FOUND, BAD_USER_INPUT, UNAUTHENTICATED', async () => {
  const apollo = client(tokens.admin);
  const foreign = (await data(tokens.otherTenant, '{ companies { nodes { studios(first: 1) { nodes { id } } } } }')).companies.nodes[0]
    .studios.nodes[0].id;

  // A foreign tenant's studio answers as a missing one: null data and NOT_FOUND.
  for (const id of [foreign, '00000000-0000-4000-8000-000000000000']) {
    const result = await apollo.query({ query: STUDIO, variables: { id }, errorPolicy: 'all', fetchPolicy: 'network-only' });
    assert.equal(result.data?.studio ?? null, null);
    assert.ok(CombinedGraphQLErrors.is(result.error), String(result.error));
    assert.equal(result.error.errors[0].extensions.code, 'NOT_FOUND');
    assert.deepEqual(result.error.errors[0].path, ['studio']);
  }

  // The default error policy rejects; the error still carries its code and field.
  const created = await apollo
    .mutate({
      mutation: tag`mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id } } }`,
      variables: { input: { companyId: companyId(0), name: 'x', businessArea: 'MARKETING' } },
    })
    .then(() => null, (err) => err);
  assert.ok(CombinedGraphQLErrors.is(created), String(created));
  assert.equal(created.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.ok(created.errors[0].extensions.field, JSON.stringify(created.errors[0]));

  // A bad token fails the whole request with HTTP 401 and a GraphQL error body.
  const anonymous = client('not-a-jwt');
  const refused = await anonymous.query({ query: STUDIO, variables: { id: foreign } }).then(() => null, (err) => err);
  assert.ok(refused, 'a bad token is refused');
  if (ServerError.is(refused)) {
    assert.equal(refused.statusCode, 401);
    assert.equal(JSON.parse(refused.bodyText).errors[0].extensions.code, 'UNAUTHENTICATED');
  } else {
    assert.ok(CombinedGraphQLErrors.is(refused), String(refused));
    assert.equal(refused.errors[0].extensions.code, 'UNAUTHENTICATED');
  }
});
