// What the suites share: the server `run.mjs` started, its tokens, and clients built the way a
// React/Apollo app builds them.
import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import UploadHttpLink from 'apollo-upload-client/UploadHttpLink.mjs';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suites through tests/e2e/run.mjs`);
  return value;
}

export const url = required('STUDIOGATE_URL');
export const endpoint = `${url}/graphql`;
export const seed = JSON.parse(required('E2E_SEED'));
export const tokens = {
  admin: required('E2E_TOKEN_ADMIN'),
  member: required('E2E_TOKEN_MEMBER'),
  otherTenant: required('E2E_TOKEN_OTHER_TENANT'),
};
export const artifacts = required('E2E_ARTIFACTS');

/** The cache a client app would configure: connections merge their pages Relay-style. */
export function cache() {
  const connection = relayStylePagination(['order', 'filter']);
  return new InMemoryCache({
    typePolicies: {
      Query: { fields: { companies: relayStylePagination(['order']) } },
      Company: { fields: { studios: connection } },
      Studio: { fields: { executions: connection, files: relayStylePagination(['order']) } },
    },
  });
}

/**
 * An Apollo client on the multipart-capable terminating link (JSON for plain operations,
 * the GraphQL multipart request spec when variables hold files). `requests` records every
 * request it sends, so a test can prove an answer came from the cache.
 */
export function client(token, { requests = [] } = {}) {
  const counting = (input, init) => {
    requests.push({ url: String(input), headers: { ...init?.headers }, body: init?.body });
    return fetch(input, init);
  };
  const link = new UploadHttpLink({
    uri: endpoint,
    fetch: counting,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      // CSRF protection refuses multipart ("simple") requests without a preflight-forcing header.
      'apollo-require-preflight': 'true',
    },
  });
  return new ApolloClient({ link: ApolloLink.from([link]), cache: cache() });
}

/** A plain POST, for setup and cross-checks that must not go through a cache. */
export async function gql(token, query, variables = {}) {
  const resp = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await resp.json();
  return { status: resp.status, body };
}

/** `data` of a plain POST that must succeed. */
export async function data(token, query, variables = {}) {
  const { status, body } = await gql(token, query, variables);
  if (status !== 200 || body.errors) throw new Error(`${status}: ${JSON.stringify(body)}`);
  return body.data;
}

export const companyId = (c) => seed.companies[c].id;
