import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEPRECATED_AT } from '../../src/http/routes/legacy-routes.js';
import { request, type Reply } from '../support/http.js';
import { assertProblem } from '../support/problems.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import type { Problem } from '../../src/contract.js';

type UserBody = { id: string; name: string; email: string };

let server: TestServer;
let seq = 0;
const uniqueEmail = (tag = 'tutorial') => `${tag}.${Date.now().toString(36)}.${++seq}@gmail.com`;
const call = (method: string, path: string, options?: Parameters<typeof request>[3]) => request(server.baseUrl, method, path, options);
const snapshot = () =>
  server.db
    .collection('users')
    .find({}, { sort: { _id: 1 } })
    .toArray();

function assertDeprecated(reply: Reply): void {
  assert.equal(reply.headers.get('deprecation'), `@${DEPRECATED_AT}`);
  assert.equal(reply.headers.get('link'), '</users>; rel="successor-version"');
}

/** A problem from a legacy route: deprecated like all its answers. */
function assertLegacyProblem(reply: Reply, status: number, code: Problem['code']): void {
  assertProblem(reply, status, code);
  assertDeprecated(reply);
}

async function register(name = 'superman', email = uniqueEmail()): Promise<UserBody> {
  const reply = await call('POST', '/register', { json: { name, email } });
  assert.equal(reply.status, 201, reply.text);
  return reply.body as UserBody;
}

before(async () => {
  server = await startTestServer('legacy');
});
after(async () => {
  await server.close();
});

describe('the deprecation date', () => {
  it('when formatted, then it is 2026-11-25 as RFC 9745 "@" Unix seconds', () => {
    assert.equal(new Date(DEPRECATED_AT * 1000).toISOString(), '2026-11-25T00:00:00.000Z');
  });
});

describe('POST /register', () => {
  it("when the tutorial's body is sent, then 201 with the user as JSON, deprecated, with Location", async () => {
    const email = uniqueEmail('super');
    const reply = await call('POST', '/register', { json: { name: 'superman', email } });
    assert.equal(reply.status, 201);
    assert.equal((reply.body as UserBody).email, email);
    assert.equal(reply.headers.get('location'), `/users/${(reply.body as UserBody).id}`);
    assertDeprecated(reply);
  });

  it("when Accept is text/plain, then the tutorial's own answer '<name> -> <email>'", async () => {
    const email = uniqueEmail();
    const reply = await call('POST', '/register', { json: { name: 'superman', email }, headers: { accept: 'text/plain' } });
    assert.equal(reply.status, 201);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(reply.text, `superman -> ${email}`);
  });

  it('when the email is taken in another case, then 409 and one user', async () => {
    const { email } = await register();
    assertLegacyProblem(await call('POST', '/register', { json: { name: 'x', email: email.toUpperCase() } }), 409, 'EMAIL_TAKEN');
    assert.deepEqual(
      ((await call('GET', `/user?email=${email}`)).body as UserBody[]).map((u) => u.email),
      [email],
    );
  });

  it('when the body has extra fields (mass assignment), then 400 and nothing is stored', async () => {
    const before = await snapshot();
    assertLegacyProblem(
      await call('POST', '/register', { json: { name: 'x', email: uniqueEmail(), _id: 'aaaaaaaaaaaaaaaaaaaaaaaa', version: 9 } }),
      400,
      'VALIDATION_FAILED',
    );
    assert.deepEqual(await snapshot(), before);
  });

  it('when the body is too large or not JSON, then 413 or 415', async () => {
    assertLegacyProblem(await call('POST', '/register', { json: { name: 'x'.repeat(20_000), email: uniqueEmail() } }), 413, 'PAYLOAD_TOO_LARGE');
    assertLegacyProblem(await call('POST', '/register', { body: 'superman', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /user', () => {
  it('when called, then 200 with a JSON array of users, deprecated', async () => {
    await register();
    const reply = await call('GET', '/user');
    assert.equal(reply.status, 200);
    assert.ok(Array.isArray(reply.body) && reply.body.length >= 1 && reply.body.length <= 100);
    assertDeprecated(reply);
  });

  it('when filtered by email in another case, then only that user', async () => {
    const user = await register();
    const reply = await call('GET', `/user?email=${user.email.toUpperCase()}`);
    assert.deepEqual(
      (reply.body as UserBody[]).map((u) => u.id),
      [user.id],
    );
  });

  it('when the email filter is not an email, then 400', async () => {
    assertLegacyProblem(await call('GET', '/user?email=%7B%22%24ne%22%3Anull%7D'), 400, 'VALIDATION_FAILED');
  });
});

describe('PATCH /user', () => {
  it("when the tutorial's body is sent, then 200 and the name really changed", async () => {
    const user = await register('superman', uniqueEmail('super'));
    const reply = await call('PATCH', '/user', { json: { query: { email: user.email.toUpperCase() }, payload: { name: 'iron man' } } });
    assert.equal(reply.status, 200, reply.text);
    assert.equal((reply.body as UserBody).name, 'iron man');
    assertDeprecated(reply);
    const stored = (await call('GET', `/users/${user.id}`)).body as UserBody;
    assert.equal(stored.name, 'iron man');
    assert.equal(stored.email, user.email);
  });

  it('when no user has the email, then 404', async () => {
    assertLegacyProblem(await call('PATCH', '/user', { json: { query: { email: uniqueEmail('nobody') }, payload: { name: 'x' } } }), 404, 'USER_NOT_FOUND');
  });

  it("when the payload takes another user's email, then 409", async () => {
    const a = await register();
    const b = await register();
    assertLegacyProblem(await call('PATCH', '/user', { json: { query: { email: b.email }, payload: { email: a.email.toUpperCase() } } }), 409, 'EMAIL_TAKEN');
  });

  const injections: [string, unknown][] = [
    ['an operator in the query', { query: { email: { $ne: null } }, payload: { name: 'pwned' } }],
    ['$where in the query', { query: { $where: 'true' }, payload: { name: 'pwned' } }],
    ['a $-prefixed query key', { query: { email: 'a@b.co', $or: [{}] }, payload: { name: 'pwned' } }],
    ['a dotted key in the payload', { query: { email: 'a@b.co' }, payload: { 'name.first': 'pwned' } }],
    ['an update operator as the payload', { query: { email: 'a@b.co' }, payload: { $set: { name: 'pwned' } } }],
    ['an operator as a payload value', { query: { email: 'a@b.co' }, payload: { name: { $gt: '' } } }],
    ['an array where a string belongs', { query: { email: ['a@b.co'] }, payload: { name: 'pwned' } }],
    ['an extra payload field', { query: { email: 'a@b.co' }, payload: { name: 'x', version: 1 } }],
    ['an empty payload', { query: { email: 'a@b.co' }, payload: {} }],
    ['a missing query', { payload: { name: 'pwned' } }],
  ];
  for (const [label, body] of injections) {
    it(`when the body carries ${label}, then 400 and the database is unchanged`, async () => {
      await register('victim', 'a@b.co').catch(() => undefined);
      const before = await snapshot();
      assertLegacyProblem(await call('PATCH', '/user', { json: body }), 400, 'VALIDATION_FAILED');
      assert.deepEqual(await snapshot(), before);
    });
  }
});

describe('DELETE /delete', () => {
  it("when the tutorial's body is sent, then 204 and the user is really gone", async () => {
    const user = await register();
    const reply = await call('DELETE', '/delete', { json: { email: user.email.toUpperCase() } });
    assert.equal(reply.status, 204);
    assertDeprecated(reply);
    assert.equal((await call('GET', `/users/${user.id}`)).status, 404);
  });

  it('when no user has the email, then 404', async () => {
    assertLegacyProblem(await call('DELETE', '/delete', { json: { email: uniqueEmail('gone') } }), 404, 'USER_NOT_FOUND');
  });

  for (const [label, body] of [
    ['an operator', { email: { $gt: '' } }],
    ['$where', { $where: 'sleep(1000)' }],
    ['an array', { email: ['a@b.co'] }],
    ['an extra field', { email: 'a@b.co', _id: 'x' }],
  ] as const) {
    it(`when the body carries ${label}, then 400 and nothing is deleted`, async () => {
      await register('victim', 'a@b.co').catch(() => undefined);
      const before = await snapshot();
      assertLegacyProblem(await call('DELETE', '/delete', { json: body }), 400, 'VALIDATION_FAILED');
      assert.deepEqual(await snapshot(), before);
    });
  }

  it('when the body is too large or not JSON, then 413 or 415', async () => {
    assertLegacyProblem(await call('DELETE', '/delete', { json: { email: `${'a'.repeat(20_000)}@b.co` } }), 413, 'PAYLOAD_TOO_LARGE');
    assertLegacyProblem(await call('DELETE', '/delete', { body: 'a@b.co', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});
