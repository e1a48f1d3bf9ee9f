// A subscription over graphql-transport-ws (graphql-ws's client inside Apollo's GraphQLWsLink):
// `workflowExecutionUpdated(studioId, executionId)` on /graphql, the token in connection_init's
// payload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApolloClient, InMemoryCache } from '@apollo/client';
import { parse } from 'graphql';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { companyId, data, tokens, url } from './lib.mjs';

const FIELD = 'workflowExecutionUpdated';

async function subscriptionField() {
  const schema = await data(
    null,
    '{ __schema { subscriptionType { fields { name args { name type { kind name ofType { name } } } } } } }',
  );
  return schema.__schema.subscriptionType?.fields.find((f) => f.name === FIELD) ?? null;
}

test('workflowExecutionUpdated pushes status changes over graphql-ws', async () => {
  const field = await subscriptionField();
  assert.ok(field, `the server's schema has no Subscription.${FIELD}`);
  const arg = (name) => field.args.find((a) => a.name === name);
  assert.ok(arg('studioId') && arg('executionId'), `arguments: ${JSON.stringify(field.args)}`);
  // The contract says ID; the rest of the API says UUID. Declare the variable as the server does.
  const { type } = arg('executionId');
  const executionIdType = type.kind === 'NON_NULL' ? `${type.ofType.name}!` : type.name;

  // A running execution of the seed: pausing it is a person's move (starting is a runner's).
  const studios = (await data(
    tokens.member,
    'query($id: UUID!) { company(id: $id) { studios(first: 10) { nodes { executions(first: 1, filter: { status: [RUNNING] }) { nodes { id status } } } } } }',
    { id: companyId(0) },
  )).company.studios.nodes;
  const execution = studios.flatMap((s) => s.executions.nodes)[0];
  assert.equal(execution?.status, 'RUNNING', JSON.stringify(studios));

  const ws = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${tokens.member}` },
    retryAttempts: 0,
    lazy: false,
  });
  const acknowledged = new Promise((resolve, reject) => {
    ws.on('connected', resolve);
    ws.on('closed', (event) => reject(new Error(`socket closed: ${event?.code} ${event?.reason}`)));
  });
  const apollo = new ApolloClient({ link: new GraphQLWsLink(ws), cache: new InMemoryCache() });
  try {
    await acknowledged;
    const events = [];
    let wake;
    const observable = apollo.subscribe({
      query: parse(`
        subscription Updated($executionId: ${executionIdType}) {
          workflowExecutionUpdated(executionId: $executionId) { id status }
        }
      `),
      variables: { executionId: execution.id },
    });
    const sub = observable.subscribe({
      next: (event) => {
        events.push(event);
        wake?.();
      },
      error: (err) => {
        events.push({ error: err });
        wake?.();
      },
    });
    const waitFor = (n, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${events.length} of ${n} events within ${ms} ms: ${JSON.stringify(events)}`)), ms);
        const check = () => {
          if (events.length >= n) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake = check;
        check();
      });
    // Give the server a moment to register the subscription before the change happens.
    await new Promise((r) => setTimeout(r, 300));
    await data(
      tokens.member,
      'mutation($input: ChangeWorkflowExecutionStatusInput!) { changeWorkflowExecutionStatus(input: $input) { workflowExecution { id status } } }',
      { input: { id: execution.id, status: 'PAUSED' } },
    );
    await waitFor(1, 10_000);
    sub.unsubscribe();
    assert.equal(events[0].error, undefined, String(events[0].error));
    assert.deepEqual(events[0].data[FIELD], { __typename: 'WorkflowExecution', id: execution.id, status: 'PAUSED' });
  } finally {
    apollo.stop();
    await ws.dispose();
  }
});
