import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../support/http.js';
import { assertProblem } from '../support/problems.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

type UserBody = { id: string; name: string; email: string; createdAt: string; updatedAt: string };

let server: TestServer;
let seq = 0;
const uniqueEmail = (tag = 'user') => `${tag}.${Date.now().toString(36)}.${++seq}@example.com`;
const call = (method: string, path: string, options?: Parameters<typeof request>[3]) => request(server.baseUrl, method, path, options);
const users = () => server.db.collection('users');

async function createUser(name = 'superman', email = uniqueEmail()): Promise<{ user: UserBody; etag: string }> {
  const reply = await call('POST', '/users', { json: { name, email } });
  assert.equal(reply.status, 201, reply.text);
  return { user: reply.body as UserBody, etag: reply.headers.get('etag') ?? '' };
}

before(async () => {
  server = await startTestServer('users-api');
});
after(async () => {
  await server.close();
});

describe('POST /users', () => {
  it('when the body is valid, then 201 with the trimmed user, Location and ETag "1"', async () => {
    const email = uniqueEmail('Super');
    const reply = await call('POST', '/users', { json: { name: '  superman ', email } });
    assert.equal(reply.status, 201);
    const user = reply.body as UserBody;
    assert.equal(user.name, 'superman');
    assert.equal(user.email, email);
    assert.equal(user.createdAt, user.updatedAt);
    assert.equal(reply.headers.get('location'), `/users/${user.id}`);
    assert.equal(reply.headers.get('etag'), '"1"');
  });

  it('when the email exists in another letter case, then 409 EMAIL_TAKEN and still one user', async () => {
    const email = uniqueEmail('Case');
    await createUser('first', email);
    assertProblem(await call('POST', '/users', { json: { name: 'second', email: email.toUpperCase() } }), 409, 'EMAIL_TAKEN');
    assert.equal(await users().countDocuments({ emailKey: email.toLowerCase() }), 1);
  });

  it('when 20 registrations of one email race, then exactly one 201, nineteen 409 and one document', async () => {
    const email = uniqueEmail('race');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('POST', '/users', { json: { name: `racer ${i}`, email: i % 2 ? email.toUpperCase() : email } })),
    );
    assert.equal(replies.filter((r) => r.status === 201).length, 1);
    const conflicts = replies.filter((r) => r.status === 409);
    assert.equal(conflicts.length, 19);
    conflicts.forEach((r) => assertProblem(r, 409, 'EMAIL_TAKEN'));
    assert.equal(await users().countDocuments({ emailKey: email.toLowerCase() }), 1);
  });

  it('when a property is unknown and the email malformed, then 400 lists both issues', async () => {
    const problem = assertProblem(await call('POST', '/users', { json: { name: 'x', email: 'not-an-email', admin: true } }), 400, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors?.map((e) => `${e.in} ${e.path}`).sort(), ['body /admin', 'body /email']);
  });

  for (const [label, body] of [
    ['the name is blank', { name: '   ', email: 'blank@example.com' }],
    ['the name holds a control character', { name: 'a\u0000b', email: 'ctl@example.com' }],
    ['the name is over 100 characters', { name: 'x'.repeat(101), email: 'long@example.com' }],
    ['the email is over 254 characters', { name: 'x', email: `${'a'.repeat(250)}@example.com` }],
    ['the name is missing', { email: 'missing@example.com' }],
    ['the email is an array', { name: 'x', email: ['a@example.com'] }],
  ] as const) {
    it(`when ${label}, then 400 VALIDATION_FAILED and nothing is stored`, async () => {
      const before = await users().countDocuments({});
      assertProblem(await call('POST', '/users', { json: body }), 400, 'VALIDATION_FAILED');
      assert.equal(await users().countDocuments({}), before);
    });
  }

  it('when no body is sent at all, then 400 saying a JSON body is required', async () => {
    const problem = assertProblem(await call('POST', '/users'), 400, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors, [{ in: 'body', path: '', message: 'is required: send a JSON body' }]);
  });

  it('when the body is JSON but not an object, then 400 VALIDATION_FAILED (not MALFORMED_JSON)', async () => {
    const problem = assertProblem(await call('POST', '/users', { body: '"x"', headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION_FAILED');
    assert.equal(problem.errors?.[0]?.in, 'body');
  });

  it('when the body is not JSON, then 400 MALFORMED_JSON', async () => {
    assertProblem(await call('POST', '/users', { body: '{"name": ', headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON');
  });

  it('when the body is empty, then 400 naming each required property', async () => {
    const problem = assertProblem(await call('POST', '/users', { headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors?.map((e) => `${e.in} ${e.path}`).sort(), ['body /email', 'body /name']);
  });

  it('when the body is over 16 KiB, then 413 PAYLOAD_TOO_LARGE', async () => {
    assertProblem(await call('POST', '/users', { json: { name: 'x'.repeat(17_000), email: 'big@example.com' } }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('when the body is not JSON by media type, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    assertProblem(
      await call('POST', '/users', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('GET /users', () => {
  it('when paging with a small limit, then every user appears once, oldest first, and the last cursor is null', async () => {
    const prefix = `pager${Date.now().toString(36)}`;
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await createUser(`${prefix} ${i}`)).user.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2&name=${prefix}${cursor ? `&cursor=${cursor}` : ''}`;
      const reply = await call('GET', `/users${query}`);
      assert.equal(reply.status, 200);
      const page = reply.body as { items: UserBody[]; nextCursor: string | null };
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, created);
    assert.equal(pages, 3);
  });

  it('when filtering by email in another letter case, then exactly that user comes back', async () => {
    const { user } = await createUser('filter', uniqueEmail('Filter'));
    const reply = await call('GET', `/users?email=${encodeURIComponent(user.email.toUpperCase())}`);
    assert.equal(reply.status, 200);
    assert.deepEqual((reply.body as { items: UserBody[] }).items, [user]);
  });

  it('when the cursor was not issued by the service, then 400 INVALID_CURSOR', async () => {
    assertProblem(await call('GET', '/users?cursor=Zm9v'), 400, 'INVALID_CURSOR');
  });

  for (const query of ['limit=0', 'limit=101', 'limit=ten', 'unknown=1', 'email=nope']) {
    it(`when the query is ${query}, then 400 VALIDATION_FAILED naming the query parameter`, async () => {
      const problem = assertProblem(await call('GET', `/users?${query}`), 400, 'VALIDATION_FAILED');
      assert.equal(problem.errors?.[0]?.in, 'query');
    });
  }
});

describe('GET /users/{id}', () => {
  it('when the user exists, then 200 with its ETag', async () => {
    const { user } = await createUser();
    const reply = await call('GET', `/users/${user.id}`);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, user);
    assert.equal(reply.headers.get('etag'), '"1"');
  });

  it('when If-None-Match holds the current ETag, then 304 with no body', async () => {
    const { user, etag } = await createUser();
    const reply = await call('GET', `/users/${user.id}`, { headers: { 'if-none-match': etag } });
    assert.equal(reply.status, 304);
    assert.equal(reply.text, '');
  });

  it('when the id is unknown, then 404 USER_NOT_FOUND', async () => {
    assertProblem(await call('GET', '/users/aaaaaaaaaaaaaaaaaaaaaaaa'), 404, 'USER_NOT_FOUND');
  });

  it('when the id is malformed, then 400 naming the path parameter', async () => {
    const problem = assertProblem(await call('GET', '/users/123'), 400, 'VALIDATION_FAILED');
    assert.deepEqual(
      problem.errors?.map((e) => `${e.in} ${e.path}`),
      ['path /id'],
    );
  });
});

describe('PATCH /users/{id}', () => {
  it('when a merge patch changes the name, then 200, the change is stored and the ETag moves on', async () => {
    const { user } = await createUser();
    const reply = await call('PATCH', `/users/${user.id}`, { json: { name: 'iron man' }, headers: { 'content-type': 'application/merge-patch+json' } });
    assert.equal(reply.status, 200);
    assert.equal((reply.body as UserBody).name, 'iron man');
    assert.equal((reply.body as UserBody).email, user.email);
    assert.equal(reply.headers.get('etag'), '"2"');
    assert.equal(((await call('GET', `/users/${user.id}`)).body as UserBody).name, 'iron man');
  });

  it('when If-Match is current, then 200; when it is stale, then 412 and nothing changes', async () => {
    const { user, etag } = await createUser();
    assert.equal((await call('PATCH', `/users/${user.id}`, { json: { name: 'first' }, headers: { 'if-match': etag } })).status, 200);
    assertProblem(await call('PATCH', `/users/${user.id}`, { json: { name: 'second' }, headers: { 'if-match': etag } }), 412, 'PRECONDITION_FAILED');
    assert.equal(((await call('GET', `/users/${user.id}`)).body as UserBody).name, 'first');
  });

  it('when ten PATCHes race with the same If-Match, then exactly one 200 and nine 412', async () => {
    const { user, etag } = await createUser();
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call('PATCH', `/users/${user.id}`, { json: { name: `n${i}` }, headers: { 'if-match': etag } })),
    );
    assert.equal(replies.filter((r) => r.status === 200).length, 1);
    assert.equal(replies.filter((r) => r.status === 412).length, 9);
  });

  it('when the new email belongs to another user in another case, then 409 and nothing changes', async () => {
    const { user: other } = await createUser();
    const { user } = await createUser();
    assertProblem(await call('PATCH', `/users/${user.id}`, { json: { name: 'renamed', email: other.email.toUpperCase() } }), 409, 'EMAIL_TAKEN');
    assert.deepEqual((await call('GET', `/users/${user.id}`)).body, user);
  });

  it('when a property is null or unknown, then 400 and nothing changes', async () => {
    const { user } = await createUser();
    assertProblem(await call('PATCH', `/users/${user.id}`, { json: { name: null } }), 400, 'VALIDATION_FAILED');
    assertProblem(await call('PATCH', `/users/${user.id}`, { json: { id: 'aaaaaaaaaaaaaaaaaaaaaaaa' } }), 400, 'VALIDATION_FAILED');
    assertProblem(await call('PATCH', `/users/${user.id}`, { json: { createdAt: '2000-01-01T00:00:00Z' } }), 400, 'VALIDATION_FAILED');
    assert.deepEqual((await call('GET', `/users/${user.id}`)).body, user);
  });

  it('when the user is unknown, then 404', async () => {
    assertProblem(await call('PATCH', '/users/aaaaaaaaaaaaaaaaaaaaaaaa', { json: { name: 'x' } }), 404, 'USER_NOT_FOUND');
  });

  it('when the body is too large or of another media type, then 413 or 415', async () => {
    const { user } = await createUser();
    assertProblem(await call('PATCH', `/users/${user.id}`, { json: { name: 'x'.repeat(20_000) } }), 413, 'PAYLOAD_TOO_LARGE');
    assertProblem(await call('PATCH', `/users/${user.id}`, { body: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('DELETE /users/{id}', () => {
  it('when the user exists, then 204 and it is gone', async () => {
    const { user } = await createUser();
    const reply = await call('DELETE', `/users/${user.id}`);
    assert.equal(reply.status, 204);
    assertProblem(await call('GET', `/users/${user.id}`), 404, 'USER_NOT_FOUND');
  });

  it('when If-Match is stale, then 412 and the user stays', async () => {
    const { user } = await createUser();
    assertProblem(await call('DELETE', `/users/${user.id}`, { headers: { 'if-match': '"7"' } }), 412, 'PRECONDITION_FAILED');
    assert.equal((await call('GET', `/users/${user.id}`)).status, 200);
  });

  it('when the user is unknown or the id malformed, then 404 or 400', async () => {
    assertProblem(await call('DELETE', '/users/aaaaaaaaaaaaaaaaaaaaaaaa'), 404, 'USER_NOT_FOUND');
    assertProblem(await call('DELETE', '/users/xyz'), 400, 'VALIDATION_FAILED');
  });
});

describe('routes outside the contract', () => {
  it('when the path is unknown, then 404 ROUTE_NOT_FOUND as problem+json', async () => {
    assertProblem(await call('GET', '/nope'), 404, 'ROUTE_NOT_FOUND');
  });

  it('when the method is not allowed, then 405 with Allow', async () => {
    const reply = await call('PUT', '/users', { json: {} });
    assertProblem(reply, 405, 'METHOD_NOT_ALLOWED');
    assert.match(reply.headers.get('allow') ?? '', /GET/);
  });

  it('when any response is sent, then it does not advertise the framework', async () => {
    assert.equal((await call('GET', '/users')).headers.get('x-powered-by'), null);
  });
});
