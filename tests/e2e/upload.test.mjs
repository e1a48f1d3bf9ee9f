// A file upload the way a browser app sends it: apollo-upload-client's UploadHttpLink turns a
// File in the variables into a GraphQL multipart request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gql as tag } from '@apollo/client';
import { client, companyId, data, tokens, url } from './lib.mjs';

const PDF = '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n';

const UPLOAD = tag`
  mutation Upload($input: UploadFileInput!) {
    uploadFile(input: $input) {
      file { id filename mimeType fileSize accessLevel downloadUrl studio { id } }
    }
  }
`;
const FILES = tag`
  query Files($id: UUID!) {
    studio(id: $id) {
      id
      files(first: 5) {
        totalCount
        edges { cursor node { id filename mimeType fileSize uploadedBy { id } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

test('a multipart upload is stored, sniffed, listed and downloadable', async () => {
  const requests = [];
  const apollo = client(tokens.member, { requests });
  const studios = await data(tokens.member, 'query($id: UUID!) { company(id: $id) { studios(first: 1) { nodes { id } } } }', {
    id: companyId(0),
  });
  const studioId = studios.company.studios.nodes[0].id;
  const before = (await apollo.query({ query: FILES, variables: { id: studioId } })).data.studio.files.totalCount;

  // The declared type is wrong on purpose: the server trusts the bytes, not the client.
  const file = new File([PDF], 'e2e report.pdf', { type: 'text/plain' });
  const { data: uploaded } = await apollo.mutate({
    mutation: UPLOAD,
    variables: { input: { studioId, file, accessLevel: 'STUDIO' } },
  });
  const stored = uploaded.uploadFile.file;
  assert.equal(stored.filename, 'e2e report.pdf');
  assert.equal(stored.mimeType, 'application/pdf');
  assert.equal(stored.fileSize, PDF.length);
  assert.equal(stored.accessLevel, 'STUDIO');
  assert.equal(stored.studio.id, studioId);
  const sent = requests.at(-1);
  assert.ok(sent.body instanceof FormData, 'the upload went out as multipart/form-data');
  assert.deepEqual(JSON.parse(sent.body.get('map')), { 1: ['variables.input.file'] });

  // The new file is the newest of its studio: the first page lists it.
  const { data: listed } = await apollo.query({ query: FILES, variables: { id: studioId }, fetchPolicy: 'network-only' });
  assert.equal(listed.studio.files.totalCount, before + 1);
  const first = listed.studio.files.edges[0].node;
  assert.equal(first.id, stored.id);
  assert.equal(first.mimeType, 'application/pdf');

  // The signed link serves the same bytes.
  const download = await fetch(new URL(stored.downloadUrl, url));
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'application/pdf');
  assert.equal(await download.text(), PDF);
});
