import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Operator injection and mass assignment on every route that writes. Each case must be refused
// with 400 VALIDATION_FAILED and leave the database exactly as it was.

let server: TestServer;
let victim: { id: string; email: string };
const snapshot = () =>
  server.db
    .collection('users')
    .find({}, { sort: { _id: 1 } })
    .toArray();

/** Values that try to become something other than a plain string inside MongoDB. */
const hostileValues: [string, unknown][] = [
  ['a $ne operator', { $ne: null }],
  ['a $gt operator', { $gt: '' }],
  ['a $regex operator', { $regex: '.*' }],
  ['a $where clause', { $where: 'sleep(100) || true' }],
  ['an array', ['a@b.co']],
  ['a nested object', { email: 'a@b.co' }],
  ['a number', 42],
  ['a boolean', true],
  ['null', null],
];

/** Keys that try to reach fields or operators the contract does not offer. */
const hostileKeys: [string, Record<string, unknown>][] = [
  ['a $set key', { $set: { name: 'pwned' } }],
  ['a $-prefixed key', { $where: 'true' }],
  ['a dotted key', { 'name.first': 'pwned' }],
  ['an _id', { _id: 'aaaaaaaaaaaaaaaaaaaaaaaa' }],
  ['an id', { id: 'aaaaaaaaaaaaaaaaaaaaaaaa' }],
  ['a version', { version: 99 }],
  ['an emailKey', { emailKey: 'x@y.z' }],
  ['timestamps', { createdAt: '2000-01-01T00:00:00.000Z' }],
  ['a role', { role: 'admin' }],
];

type Route = {
  name: string;
  method: string;
  path: () => string;
  body: (field: string, value: unknown) => unknown;
  extra: (extra: Record<string, unknown>) => unknown;
};

const routes: Route[] = [
  {
    name: 'POST /users',
    method: 'POST',
    path: () => '/users',
    body: (field, value) => ({ name: 'n', email: 'new@x.io', [field]: value }),
    extra: (extra) => ({ name: 'n', email: 'new@x.io', ...extra }),
  },
  {
    name: 'POST /register',
    method: 'POST',
    path: () => '/register',
    body: (field, value) => ({ name: 'n', email: 'new@x.io', [field]: value }),
    extra: (extra) => ({ name: 'n', email: 'new@x.io', ...extra }),
  },
  {
    name: 'PATCH /users/{id}',
    method: 'PATCH',
    path: () => `/users/${victim.id}`,
    body: (field, value) => ({ [field]: value }),
    extra: (extra) => ({ name: 'n', ...extra }),
  },
  {
    name: 'PATCH /user (query)',
    method: 'PATCH',
    path: () => '/user',
    body: (field, value) => ({ query: { [field === 'name' ? 'email' : field]: value }, payload: { name: 'pwned' } }),
    extra: (extra) => ({ query: { email: victim.email, ...extra }, payload: { name: 'pwned' } }),
  },
  {
    name: 'PATCH /user (payload)',
    method: 'PATCH',
    path: () => '/user',
    body: (field, value) => ({ query: { email: victim.email }, payload: { [field]: value } }),
    extra: (extra) => ({ query: { email: victim.email }, payload: { name: 'x', ...extra } }),
  },
  {
    name: 'DELETE /delete',
    method: 'DELETE',
    path: () => '/delete',
    body: (_field, value) => ({ email: value }),
    extra: (extra) => ({ email: victim.email, ...extra }),
  },
];

before(async () => {
  server = await startTestServer('injection');
  const created = await request(server.baseUrl, 'POST', '/users', { json: { name: 'victim', email: 'victim@x.io' } });
  victim = created.body as { id: string; email: string };
  await request(server.baseUrl, 'POST', '/users', { json: { name: 'bystander', email: 'bystander@x.io' } });
});
after(async () => {
  await server.close();
});

async function assertRefusedAndUnchanged(method: string, path: string, body: unknown): Promise<void> {
  const before = await snapshot();
  const reply = await request(server.baseUrl, method, path, { json: body });
  assert.equal(reply.status, 400, `${method} ${path} ${JSON.stringify(body)} → ${reply.status} ${reply.text}`);
  assert.equal((reply.body as { code: string }).code, 'VALIDATION_FAILED');
  assert.deepEqual(await snapshot(), before, 'the database changed');
}

for (const route of routes) {
  describe(route.name, () => {
    for (const field of ['name', 'email']) {
      for (const [label, value] of hostileValues) {
        it(`when ${field} is ${label}, then 400 and the database is unchanged`, async () => {
          await assertRefusedAndUnchanged(route.method, route.path(), route.body(field, value));
        });
      }
    }
    for (const [label, extra] of hostileKeys) {
      it(`when the body adds ${label}, then 400 and the database is unchanged`, async () => {
        await assertRefusedAndUnchanged(route.method, route.path(), route.extra(extra));
      });
    }
  });
}

describe('path and query parameters', () => {
  for (const id of ['{"$ne":null}', '[$ne]=1', 'aaaaaaaaaaaaaaaaaaaaaaa%00', '..%2Fusers']) {
    it(`when the id is ${id}, then 400 and nothing is deleted`, async () => {
      const before = await snapshot();
      const reply = await request(server.baseUrl, 'DELETE', `/users/${encodeURIComponent(id)}`);
      assert.equal(reply.status, 400, reply.text);
      assert.deepEqual(await snapshot(), before);
    });
  }

  for (const query of ['email[$ne]=x', 'email=a@b.co&email=c@d.co', 'name[$regex]=.*', 'limit[$gt]=0']) {
    it(`when the query is ${query}, then 400`, async () => {
      const reply = await request(server.baseUrl, 'GET', `/users?${query}`);
      assert.equal(reply.status, 400, reply.text);
    });
  }
});
