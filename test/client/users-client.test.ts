// The client package (@users-api/client, clients/typescript) against the real service: the real app over the real database on a
// free port, with response validation on. Every request here goes through the client, so these
// tests show that its types match what the service really does, status by status. The
// `@ts-expect-error` lines are checked by the build (tsc): each must stay a compile error.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { JWTPayload } from 'jose';
import { after, before, describe, it } from 'node:test';
import {
  createUsersClient,
  isProblem,
  problemOf,
  type UserRegistration,
  type Problem,
  type ProblemCode,
  type User,
  type UserPage,
  type UserPatch,
  type UsersClient,
} from '@users-api/client';
import { DEPRECATED_AT } from '../../src/http/routes/legacy-routes.js';
import { readSpecOperations, statusesToCover } from '../conformance/collection-coverage.js';
import { projectRoot } from '../support/project.js';
import { IdentityProvider, signingKey } from '../support/identity-provider.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** True when A and B are the same type (a compile-time check: assigning `true` fails otherwise). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type Result<T> = { data?: T; error?: unknown; response: Response };

let server: TestServer;
let client: UsersClient;
/** "METHOD /path/template status" of every response the client received, recorded by a middleware. */
const answered = new Set<string>();
let seq = 0;
const uniqueEmail = (tag = 'sdk') => `${tag}.${Date.now().toString(36)}.${++seq}@example.com`;
const UNKNOWN_ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const TOO_LARGE = 'x'.repeat(17_000); // the service takes bodies up to 16 KiB

/** The body of a successful call, or a failure naming what came back instead. */
function dataOf<T>(result: Result<T>, status: number): T {
  assert.equal(result.response.status, status, JSON.stringify(result.error));
  if (result.data === undefined) assert.fail(`no body with ${status}`);
  return result.data;
}

/** The problem+json body of a failed call, checked against the status and code expected. */
function expectProblem(result: Result<unknown>, status: number, code: ProblemCode): Problem {
  assert.equal(result.response.status, status, JSON.stringify(result.error));
  const problem = problemOf(result);
  if (problem === undefined) assert.fail(`not a problem+json body: ${result.response.headers.get('content-type')} ${JSON.stringify(result.error)}`);
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.match(problem.type, /^\/problems\/[a-z-]+$/);
  return problem;
}

function assertDeprecated(response: Response): void {
  assert.equal(response.headers.get('deprecation'), `@${DEPRECATED_AT}`);
  assert.equal(response.headers.get('link'), '</users>; rel="successor-version"');
}

/** Registers a user through the client and returns it with its ETag. */
async function createUser(name = 'superman', email = uniqueEmail()): Promise<{ user: User; etag: string }> {
  const result = await client.POST('/users', { body: { name, email } });
  const user = dataOf(result, 201);
  return { user, etag: result.response.headers.get('etag') ?? '' };
}

/** Sends the typed body as something other than JSON, through the client's own options. */
const asForm = { bodySerializer: () => 'name=x&email=x%40example.com', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };

/** Records, for the coverage check at the end, every answer a client receives. */
function recorded(created: UsersClient): UsersClient {
  created.use({
    onResponse({ request, schemaPath, response }) {
      answered.add(`${request.method} ${schemaPath} ${response.status}`);
    },
  });
  return created;
}

before(async () => {
  server = await startTestServer('users-client');
  client = recorded(createUsersClient({ baseUrl: server.baseUrl }));
});
after(async () => {
  await server.close();
});

describe('createUsersClient', () => {
  it('when given a token and common headers, then every request carries Authorization: Bearer <token> and them', async () => {
    const sent: Headers[] = [];
    const withToken = createUsersClient({
      baseUrl: server.baseUrl,
      token: 'abc.DEF-123_~+/=',
      headers: { 'X-Client': 'sdk-test' },
      fetch: (request) => {
        sent.push(request.headers);
        return fetch(request);
      },
    });
    const listed = await withToken.GET('/users', { params: { query: { limit: 1 } } });
    const created = await withToken.POST('/users', { body: { name: 'token', email: uniqueEmail() }, headers: { 'X-Client': 'per-request' } });
    assert.equal(listed.response.status, 200);
    assert.equal(created.response.status, 201);
    assert.deepEqual(
      sent.map((headers) => [headers.get('authorization'), headers.get('x-client')]),
      [
        ['Bearer abc.DEF-123_~+/=', 'sdk-test'],
        ['Bearer abc.DEF-123_~+/=', 'per-request'],
      ],
    );
  });

  it('when no token is given, then no Authorization header is sent', async () => {
    const sent: Headers[] = [];
    const anonymous = createUsersClient({ baseUrl: server.baseUrl, fetch: (request) => (sent.push(request.headers), fetch(request)) });
    assert.equal((await anonymous.GET('/users')).response.status, 200);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]?.has('authorization'), false);
  });

  it('when the token is a function, then it is asked before each request and its current token is sent (a refreshed one too)', async () => {
    const sent: (string | null)[] = [];
    let current = 'first-token';
    let asked = 0;
    const refreshing = createUsersClient({
      baseUrl: server.baseUrl,
      token: async () => {
        asked++;
        return current;
      },
      fetch: (request) => (sent.push(request.headers.get('authorization')), fetch(request)),
    });
    assert.equal((await refreshing.GET('/users', { params: { query: { limit: 1 } } })).response.status, 200);
    current = 'refreshed-token';
    assert.equal((await refreshing.GET('/healthz')).response.status, 200);
    assert.equal((await refreshing.GET('/healthz', { headers: { Authorization: 'Bearer for-this-one' } })).response.status, 200);
    assert.deepEqual(sent, ['Bearer first-token', 'Bearer refreshed-token', 'Bearer for-this-one']);
    assert.equal(asked, 2);
  });

  it('when the token function gives undefined, then that request goes without Authorization', async () => {
    const sent: Headers[] = [];
    const signedOut = createUsersClient({ baseUrl: server.baseUrl, token: () => undefined, fetch: (request) => (sent.push(request.headers), fetch(request)) });
    assert.equal((await signedOut.GET('/healthz')).response.status, 200);
    assert.equal(sent[0]?.has('authorization'), false);
  });

  it('when the token function gives a malformed token, then the call rejects and nothing is sent', async () => {
    let sent = 0;
    const broken = createUsersClient({ baseUrl: server.baseUrl, token: () => 'abc\r\nX-Injected: 1', fetch: (request) => (sent++, fetch(request)) });
    await assert.rejects(broken.GET('/healthz'), TypeError);
    assert.equal(sent, 0);
  });

  it('when the token is empty or holds white space or a line break, then it throws before sending anything', () => {
    for (const token of ['', 'two words', 'abc\r\nX-Injected: 1', 'a=b']) {
      assert.throws(() => createUsersClient({ baseUrl: server.baseUrl, token }), TypeError, JSON.stringify(token));
    }
  });
});

describe('isProblem and problemOf', () => {
  it('when a value lacks a required Problem member or has one of the wrong type, then it is not a problem', () => {
    const problem = { type: '/problems/user-not-found', title: 'User not found', status: 404, code: 'USER_NOT_FOUND' };
    assert.equal(isProblem(problem), true);
    for (const missing of ['type', 'title', 'status', 'code'] as const) {
      const { [missing]: _dropped, ...rest } = problem;
      assert.equal(isProblem(rest), false, `without ${missing}`);
    }
    for (const notProblem of [null, '', 'Not Found', [problem], { ...problem, status: '404' }, { ...problem, status: 404.5 }, { ...problem, errors: {} }]) {
      assert.equal(isProblem(notProblem), false, JSON.stringify(notProblem));
    }
  });

  it('when a problem body arrives without the problem+json media type or with a 2xx status, then problemOf gives undefined', () => {
    const body = { type: '/problems/internal-error', title: 'Internal server error', status: 500, code: 'INTERNAL_ERROR' };
    const json = (status: number, type: string) => new Response(null, { status, headers: { 'content-type': type } });
    assert.deepEqual(problemOf({ error: body, response: json(500, 'application/problem+json; charset=utf-8') }), body);
    assert.equal(problemOf({ error: body, response: json(500, 'application/json') }), undefined);
    assert.equal(problemOf({ error: body, response: json(200, 'application/problem+json') }), undefined);
    assert.equal(problemOf({ error: '<html>Bad gateway</html>', response: json(502, 'application/problem+json') }), undefined);
  });
});

describe('POST /users', () => {
  it('when the body is a valid UserRegistration, then 201 with the typed User, its Location and ETag "1"', async () => {
    const email = uniqueEmail('Super');
    const result = await client.POST('/users', { body: { name: '  superman ', email } });
    const exact: Equal<NonNullable<typeof result.data>, User> = true;
    const user = dataOf(result, 201);
    assert.equal(exact, true);
    assert.equal(result.error, undefined);
    assert.equal(user.name, 'superman');
    assert.equal(user.email, email);
    assert.match(user.id, /^[0-9a-f]{24}$/);
    assert.equal(user.createdAt, user.updatedAt);
    assert.equal(result.response.headers.get('location'), `/users/${user.id}`);
    assert.equal(result.response.headers.get('etag'), '"1"');
  });

  it('when the email is malformed, then 400 VALIDATION_FAILED with the typed issue', async () => {
    const result = await client.POST('/users', { body: { name: 'x', email: 'not-an-email' } });
    expectProblem(result, 400, 'VALIDATION_FAILED');
    assert.equal(result.data, undefined);
    assert.deepEqual(
      result.error?.errors?.map((issue) => `${issue.in} ${issue.path}`),
      ['body /email'],
    );
  });

  it('when a field name is misspelled (a compile error), then the service refuses it too: 400 naming both fields', async () => {
    // @ts-expect-error -- `mail` is not a property of UserRegistration (and `email` is missing)
    const result = await client.POST('/users', { body: { name: 'x', mail: uniqueEmail() } });
    const problem = expectProblem(result, 400, 'VALIDATION_FAILED');
    assert.deepEqual(problem.errors?.map((issue) => `${issue.in} ${issue.path}`).sort(), ['body /email', 'body /mail']);
  });

  it('when a required field is missing (a compile error), then 400 naming it', async () => {
    // @ts-expect-error -- UserRegistration requires `email`
    const result = await client.POST('/users', { body: { name: 'no email' } });
    const problem = expectProblem(result, 400, 'VALIDATION_FAILED');
    assert.deepEqual(
      problem.errors?.map((issue) => `${issue.in} ${issue.path}`),
      ['body /email'],
    );
  });

  it('when the email is taken in another letter case, then 409 EMAIL_TAKEN', async () => {
    const { user } = await createUser('first');
    const result = await client.POST('/users', { body: { name: 'second', email: user.email.toUpperCase() } });
    assert.equal(expectProblem(result, 409, 'EMAIL_TAKEN').instance, '/users');
  });

  it('when the body is over 16 KiB, then 413 PAYLOAD_TOO_LARGE', async () => {
    expectProblem(await client.POST('/users', { body: { name: TOO_LARGE, email: uniqueEmail() } }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('when the body is serialised as a form instead of JSON, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectProblem(await client.POST('/users', { body: { name: 'x', email: uniqueEmail() }, ...asForm }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /users', () => {
  it('when paging with limit and a name prefix, then every user appears once, oldest first, and the last nextCursor is null', async () => {
    const prefix = `pager${Date.now().toString(36)}`;
    const created: string[] = [];
    for (let i = 0; i < 3; i++) created.push((await createUser(`${prefix} ${i}`)).user.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 1; ; pages++) {
      const result = await client.GET('/users', { params: { query: { limit: 2, name: prefix, ...(cursor === undefined ? {} : { cursor }) } } });
      const page: UserPage = dataOf(result, 200);
      seen.push(...page.items.map((user) => user.id));
      if (page.nextCursor === null) {
        assert.equal(pages, 2);
        break;
      }
      assert.ok(pages < 2, 'more pages than users');
      cursor = page.nextCursor;
    }
    assert.deepEqual(seen, created);
  });

  it('when filtering by email in another letter case, then exactly that user', async () => {
    const { user } = await createUser('filter', uniqueEmail('Filter'));
    const page = dataOf(await client.GET('/users', { params: { query: { email: user.email.toUpperCase() } } }), 200);
    assert.deepEqual(page, { items: [user], nextCursor: null });
  });

  it('when the cursor was not issued by the service, then 400 INVALID_CURSOR', async () => {
    expectProblem(await client.GET('/users', { params: { query: { cursor: 'Zm9v' } } }), 400, 'INVALID_CURSOR');
  });

  it('when limit is not a number (a compile error), then 400 naming the query parameter', async () => {
    // @ts-expect-error -- limit is a number
    const result = await client.GET('/users', { params: { query: { limit: 'ten' } } });
    const problem = expectProblem(result, 400, 'VALIDATION_FAILED');
    assert.deepEqual(
      problem.errors?.map((issue) => `${issue.in} ${issue.path}`),
      ['query /limit'],
    );
  });
});

describe('GET /users/{id}', () => {
  it('when the user exists, then 200 with the typed User and its ETag', async () => {
    const { user } = await createUser();
    const result = await client.GET('/users/{id}', { params: { path: { id: user.id } } });
    const exact: Equal<NonNullable<typeof result.data>, User> = true;
    assert.equal(exact, true);
    assert.deepEqual(dataOf(result, 200), user);
    assert.equal(result.response.headers.get('etag'), '"1"');
    // @ts-expect-error -- a User has no `password`
    assert.equal(result.data?.password, undefined);
  });

  it('when If-None-Match holds the current ETag, then 304 with neither data nor a problem', async () => {
    const { user, etag } = await createUser();
    const result = await client.GET('/users/{id}', { params: { path: { id: user.id }, header: { 'If-None-Match': etag } } });
    assert.equal(result.response.status, 304);
    assert.equal(result.data, undefined);
    assert.equal(problemOf(result), undefined);
    assert.equal(result.response.headers.get('etag'), etag);
  });

  it('when the id is unknown, then 404 USER_NOT_FOUND', async () => {
    const problem = expectProblem(await client.GET('/users/{id}', { params: { path: { id: UNKNOWN_ID } } }), 404, 'USER_NOT_FOUND');
    assert.equal(problem.instance, `/users/${UNKNOWN_ID}`);
  });

  it('when the id is malformed, then 400 naming the path parameter', async () => {
    const problem = expectProblem(await client.GET('/users/{id}', { params: { path: { id: '123' } } }), 400, 'VALIDATION_FAILED');
    assert.deepEqual(
      problem.errors?.map((issue) => `${issue.in} ${issue.path}`),
      ['path /id'],
    );
  });

  it('when the path parameter is left out (a compile error), then the template is sent as is and refused with 400', async () => {
    // @ts-expect-error -- /users/{id} requires params.path.id
    const result = await client.GET('/users/{id}');
    expectProblem(result, 400, 'VALIDATION_FAILED');
  });

  it('when the path is not in the spec (a compile error), then 404 ROUTE_NOT_FOUND', async () => {
    // @ts-expect-error -- the API has no /people
    const result = await client.GET('/people', {});
    expectProblem(result, 404, 'ROUTE_NOT_FOUND');
  });
});

describe('PATCH /users/{id}', () => {
  it('when a merge patch with the current If-Match changes the name, then 200 with the typed User and ETag "2"', async () => {
    const { user, etag } = await createUser();
    const result = await client.PATCH('/users/{id}', {
      params: { path: { id: user.id }, header: { 'If-Match': etag } },
      body: { name: 'iron man' },
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    const updated: User = dataOf(result, 200);
    assert.deepEqual({ ...updated, updatedAt: user.updatedAt }, { ...user, name: 'iron man' });
    assert.ok(updated.updatedAt >= user.updatedAt);
    assert.equal(result.response.headers.get('etag'), '"2"');
  });

  it('when the patch is sent as application/json (the default), then 200 too', async () => {
    const { user } = await createUser();
    const email = uniqueEmail('moved');
    assert.equal(dataOf(await client.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: { email } }), 200).email, email);
  });

  it('when the patch holds a property a user cannot change (a compile error), then 400 and nothing changes', async () => {
    const { user } = await createUser();
    // openapi-fetch infers its options generically, so TypeScript checks excess properties of a body
    // that otherwise fits only with `satisfies` (a body missing a required field fails regardless).
    // @ts-expect-error -- UserPatch has only `name` and `email`
    const body = { createdAt: '2000-01-01T00:00:00.000Z' } satisfies UserPatch;
    const result = await client.PATCH('/users/{id}', { params: { path: { id: user.id } }, body });
    expectProblem(result, 400, 'VALIDATION_FAILED');
    assert.deepEqual(dataOf(await client.GET('/users/{id}', { params: { path: { id: user.id } } }), 200), user);
  });

  it('when the user is unknown, then 404 USER_NOT_FOUND', async () => {
    expectProblem(await client.PATCH('/users/{id}', { params: { path: { id: UNKNOWN_ID } }, body: { name: 'x' } }), 404, 'USER_NOT_FOUND');
  });

  it("when the new email is another user's, then 409 EMAIL_TAKEN", async () => {
    const { user: other } = await createUser();
    const { user } = await createUser();
    expectProblem(await client.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: { email: other.email } }), 409, 'EMAIL_TAKEN');
  });

  it('when If-Match is stale, then 412 PRECONDITION_FAILED and nothing changes', async () => {
    const { user, etag } = await createUser();
    dataOf(await client.PATCH('/users/{id}', { params: { path: { id: user.id }, header: { 'If-Match': etag } }, body: { name: 'first' } }), 200);
    const stale = await client.PATCH('/users/{id}', { params: { path: { id: user.id }, header: { 'If-Match': etag } }, body: { name: 'second' } });
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
    assert.equal(dataOf(await client.GET('/users/{id}', { params: { path: { id: user.id } } }), 200).name, 'first');
  });

  it('when the body is over 16 KiB, then 413 PAYLOAD_TOO_LARGE', async () => {
    const { user } = await createUser();
    expectProblem(await client.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: { name: TOO_LARGE } }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('when the body is serialised as a form, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const { user } = await createUser();
    expectProblem(await client.PATCH('/users/{id}', { params: { path: { id: user.id } }, body: { name: 'x' }, ...asForm }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('DELETE /users/{id}', () => {
  it('when the user exists and If-Match is current, then 204 and it is gone', async () => {
    const { user, etag } = await createUser();
    const result = await client.DELETE('/users/{id}', { params: { path: { id: user.id }, header: { 'If-Match': etag } } });
    assert.equal(result.response.status, 204);
    assert.equal(result.data, undefined);
    assert.equal(result.error, undefined);
    expectProblem(await client.GET('/users/{id}', { params: { path: { id: user.id } } }), 404, 'USER_NOT_FOUND');
  });

  it('when If-Match is stale, then 412 PRECONDITION_FAILED and the user stays', async () => {
    const { user } = await createUser();
    expectProblem(await client.DELETE('/users/{id}', { params: { path: { id: user.id }, header: { 'If-Match': '"7"' } } }), 412, 'PRECONDITION_FAILED');
    assert.deepEqual(dataOf(await client.GET('/users/{id}', { params: { path: { id: user.id } } }), 200), user);
  });

  it('when the user is unknown, then 404 USER_NOT_FOUND', async () => {
    expectProblem(await client.DELETE('/users/{id}', { params: { path: { id: UNKNOWN_ID } } }), 404, 'USER_NOT_FOUND');
  });

  it('when the id is malformed, then 400 VALIDATION_FAILED', async () => {
    expectProblem(await client.DELETE('/users/{id}', { params: { path: { id: 'xyz' } } }), 400, 'VALIDATION_FAILED');
  });

  it('when the method is not one the path has (a compile error), then 405 METHOD_NOT_ALLOWED', async () => {
    // @ts-expect-error -- /users has no DELETE
    const result = await client.DELETE('/users', {});
    expectProblem(result, 405, 'METHOD_NOT_ALLOWED');
  });
});

describe('GET /user (legacy)', () => {
  it('when filtered by email in another letter case, then 200 with a typed array of that user, deprecated', async () => {
    const { user } = await createUser('tutorial', uniqueEmail('Tutorial'));
    const result = await client.GET('/user', { params: { query: { email: user.email.toUpperCase() } } });
    const users: User[] = dataOf(result, 200);
    assert.deepEqual(users, [user]);
    assertDeprecated(result.response);
  });

  it('when the email filter is not an email, then 400 VALIDATION_FAILED, deprecated', async () => {
    const result = await client.GET('/user', { params: { query: { email: 'nope' } } });
    expectProblem(result, 400, 'VALIDATION_FAILED');
    assertDeprecated(result.response);
  });
});

describe('POST /register (legacy)', () => {
  it('when the body is valid, then 201 with the user as JSON, Location and the deprecation headers', async () => {
    const email = uniqueEmail();
    const result = await client.POST('/register', { body: { name: 'superman', email } });
    const created = dataOf(result, 201);
    if (typeof created === 'string') assert.fail(`JSON expected, got text: ${created}`);
    assert.equal(created.email, email);
    assert.equal(result.response.headers.get('location'), `/users/${created.id}`);
    assertDeprecated(result.response);
  });

  it("when Accept is text/plain, then 201 with the tutorial's '<name> -> <email>' as a string", async () => {
    const email = uniqueEmail();
    const result = await client.POST('/register', { body: { name: 'superman', email }, headers: { Accept: 'text/plain' }, parseAs: 'text' });
    const text: string = dataOf(result, 201);
    assert.equal(text, `superman -> ${email}`);
  });

  it('when the body has an extra field (a compile error), then 400 and nothing is stored', async () => {
    const email = uniqueEmail();
    // @ts-expect-error -- UserRegistration has no `admin`
    const result = await client.POST('/register', { body: { name: 'mallory', email, admin: true } satisfies UserRegistration });
    expectProblem(result, 400, 'VALIDATION_FAILED');
    assertDeprecated(result.response);
    assert.deepEqual(dataOf(await client.GET('/user', { params: { query: { email } } }), 200), []);
  });

  it('when the email is taken, then 409 EMAIL_TAKEN', async () => {
    const { user } = await createUser();
    expectProblem(await client.POST('/register', { body: { name: 'again', email: user.email } }), 409, 'EMAIL_TAKEN');
  });

  it('when the body is over 16 KiB or not JSON, then 413 or 415, deprecated', async () => {
    const tooLarge = await client.POST('/register', { body: { name: TOO_LARGE, email: uniqueEmail() } });
    expectProblem(tooLarge, 413, 'PAYLOAD_TOO_LARGE');
    assertDeprecated(tooLarge.response);
    const form = await client.POST('/register', { body: { name: 'x', email: uniqueEmail() }, ...asForm });
    expectProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertDeprecated(form.response);
  });
});

describe('PATCH /user (legacy)', () => {
  it("when the tutorial's body is sent, then 200 with the typed, renamed User", async () => {
    const { user } = await createUser();
    const result = await client.PATCH('/user', { body: { query: { email: user.email.toUpperCase() }, payload: { name: 'iron man' } } });
    assert.deepEqual({ ...dataOf(result, 200), updatedAt: user.updatedAt }, { ...user, name: 'iron man' });
    assertDeprecated(result.response);
  });

  it('when the query smuggles an operator (a compile error), then 400 and nothing changes', async () => {
    const { user } = await createUser('victim');
    // @ts-expect-error -- query.email is a string, not an operator object
    const result = await client.PATCH('/user', { body: { query: { email: { $ne: null } }, payload: { name: 'pwned' } } });
    expectProblem(result, 400, 'VALIDATION_FAILED');
    assert.equal(dataOf(await client.GET('/users/{id}', { params: { path: { id: user.id } } }), 200).name, 'victim');
  });

  it('when no user has the email, then 404 USER_NOT_FOUND', async () => {
    expectProblem(await client.PATCH('/user', { body: { query: { email: uniqueEmail('nobody') }, payload: { name: 'x' } } }), 404, 'USER_NOT_FOUND');
  });

  it("when the payload takes another user's email, then 409 EMAIL_TAKEN", async () => {
    const { user: other } = await createUser();
    const { user } = await createUser();
    expectProblem(await client.PATCH('/user', { body: { query: { email: user.email }, payload: { email: other.email } } }), 409, 'EMAIL_TAKEN');
  });

  it('when the body is over 16 KiB or not JSON, then 413 or 415', async () => {
    const { user } = await createUser();
    const body = { query: { email: user.email }, payload: { name: TOO_LARGE } };
    expectProblem(await client.PATCH('/user', { body }), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await client.PATCH('/user', { body, ...asForm }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('DELETE /delete (legacy)', () => {
  it('when the email is registered (in another letter case), then 204 and the user is gone', async () => {
    const { user } = await createUser();
    const result = await client.DELETE('/delete', { body: { email: user.email.toUpperCase() } });
    assert.equal(result.response.status, 204);
    assertDeprecated(result.response);
    expectProblem(await client.GET('/users/{id}', { params: { path: { id: user.id } } }), 404, 'USER_NOT_FOUND');
  });

  it('when the email is not an email, then 400 VALIDATION_FAILED', async () => {
    expectProblem(await client.DELETE('/delete', { body: { email: 'nope' } }), 400, 'VALIDATION_FAILED');
  });

  it('when no user has the email, then 404 USER_NOT_FOUND', async () => {
    expectProblem(await client.DELETE('/delete', { body: { email: uniqueEmail('nobody') } }), 404, 'USER_NOT_FOUND');
  });

  it('when the body is over 16 KiB or not JSON, then 413 or 415', async () => {
    expectProblem(await client.DELETE('/delete', { body: { email: `${TOO_LARGE}@example.com` } }), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await client.DELETE('/delete', { body: { email: uniqueEmail() }, ...asForm }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('GET /healthz and GET /readyz', () => {
  it('when the process runs, then /healthz is 200 ok; when the database answers, then /readyz is 200 ready', async () => {
    assert.equal(dataOf(await client.GET('/healthz'), 200).status, 'ok');
    const ready = await client.GET('/readyz');
    assert.equal(dataOf(ready, 200).status, 'ready');
    assert.equal(ready.response.headers.get('cache-control'), 'no-store');
  });

  it('when a query parameter is sent (a compile error), then 400 from either', async () => {
    // @ts-expect-error -- the health endpoints take no query parameters
    expectProblem(await client.GET('/healthz', { params: { query: { verbose: 1 } } }), 400, 'VALIDATION_FAILED');
    // @ts-expect-error -- the health endpoints take no query parameters
    expectProblem(await client.GET('/readyz', { params: { query: { verbose: 1 } } }), 400, 'VALIDATION_FAILED');
  });
});

describe('GET /metrics', () => {
  it("when asked for text, then 200 in the Prometheus text format, counting this client's requests by operationId", async () => {
    dataOf(await client.GET('/healthz'), 200);
    const result = await client.GET('/metrics', { parseAs: 'text' });
    const text: string = dataOf(result, 200);
    assert.match(result.response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(result.response.headers.get('cache-control'), 'no-store');
    assert.match(text, /^users_api_http_request_duration_seconds_count\{operation="getLiveness",status_class="2xx"\} [1-9]\d*$/m);
  });

  it('when a query parameter is sent (a compile error), then 400 VALIDATION_FAILED', async () => {
    // @ts-expect-error -- GET /metrics takes no query parameters
    expectProblem(await client.GET('/metrics', { params: { query: { verbose: 1 } }, parseAs: 'text' }), 400, 'VALIDATION_FAILED');
  });
});

describe('with API_TOKENS: tokens and rate limits through the client', () => {
  const TOKEN = 'sdk-token-0123456789abcdef';
  let guarded: TestServer;
  let authed: UsersClient;
  let anonymous: UsersClient;
  let wrong: UsersClient;
  let id = '';
  let address = 0;
  /** A client address of its own (TEST-NET-3), honoured because the peer is loopback. */
  const from = () => ({ 'X-Forwarded-For': `203.0.113.${++address}` });

  before(async () => {
    guarded = await startTestServer('users-client-auth', { API_TOKENS: TOKEN, AUTH_FAILURE_RATE_LIMIT: '2', REGISTRATION_RATE_LIMIT: '2' });
    authed = recorded(createUsersClient({ baseUrl: guarded.baseUrl, token: TOKEN }));
    anonymous = recorded(createUsersClient({ baseUrl: guarded.baseUrl }));
    wrong = recorded(createUsersClient({ baseUrl: guarded.baseUrl, token: 'not-the-token-0000000000' }));
    id = dataOf(await authed.POST('/users', { body: { name: 'guarded', email: uniqueEmail() } }), 201).id;
  });
  after(async () => {
    await guarded.close();
  });

  /** Every secured operation, called through the given client with the given headers. */
  const securedCalls = (api: UsersClient, headers: Record<string, string>) => [
    () => api.GET('/users', { headers }),
    () => api.GET('/users/{id}', { params: { path: { id } }, headers }),
    () => api.PATCH('/users/{id}', { params: { path: { id } }, body: { name: 'x' }, headers }),
    () => api.DELETE('/users/{id}', { params: { path: { id } }, headers }),
    () => api.GET('/user', { headers }),
    () => api.PATCH('/user', { body: { query: { email: 'a@b.co' }, payload: { name: 'x' } }, headers }),
    () => api.DELETE('/delete', { body: { email: 'a@b.co' }, headers }),
    () => api.GET('/metrics', { parseAs: 'text', headers }),
  ];

  it('when the client has no token, then every secured operation answers 401 with WWW-Authenticate: Bearer', async () => {
    for (const call of securedCalls(anonymous, from())) {
      const result = await call();
      expectProblem(result, 401, 'UNAUTHORIZED');
      assert.equal(result.response.headers.get('www-authenticate'), 'Bearer realm="users-api"');
    }
  });

  it('when the client has a wrong token, then 401 invalid_token; past the limit, 429 with Retry-After on every secured operation', async () => {
    const headers = from();
    const calls = securedCalls(wrong, headers);
    for (const call of calls.slice(0, 2)) {
      const result = await call();
      expectProblem(result, 401, 'UNAUTHORIZED');
      assert.match(result.response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
    for (const call of calls) {
      const result = await call();
      expectProblem(result, 429, 'RATE_LIMITED');
      assert.ok(Number(result.response.headers.get('retry-after')) >= 1);
    }
    // The right token still works from that address.
    assert.equal((await authed.GET('/users/{id}', { params: { path: { id } }, headers })).response.status, 200);
  });

  it('when an anonymous client registers past the limit, then 429 on both registration operations; with the token, 201', async () => {
    const headers = from();
    for (let i = 0; i < 2; i++) dataOf(await anonymous.POST('/users', { body: { name: 'n', email: uniqueEmail() }, headers }), 201);
    expectProblem(await anonymous.POST('/users', { body: { name: 'n', email: uniqueEmail() }, headers }), 429, 'RATE_LIMITED');
    expectProblem(await anonymous.POST('/register', { body: { name: 'n', email: uniqueEmail() }, headers }), 429, 'RATE_LIMITED');
    dataOf(await authed.POST('/users', { body: { name: 'n', email: uniqueEmail() }, headers }), 201);
  });
});

describe('with a JWT provider: scopes through the client', () => {
  let provider: IdentityProvider;
  let scoped: TestServer;
  let id = '';
  /** A client whose token function mints a fresh token per request, as a front-end's sign-in library would refresh one. */
  const clientWith = (claims: JWTPayload) => recorded(createUsersClient({ baseUrl: scoped.baseUrl, token: () => provider.mint({ claims }) }));

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('ES256', 'ec-1')]);
    scoped = await startTestServer('users-client-scopes', provider.env('url'));
    id = dataOf(await createUsersClient({ baseUrl: scoped.baseUrl }).POST('/users', { body: { name: 'own', email: 'own@example.com' } }), 201).id;
  });
  after(async () => {
    await scoped.close();
    await provider.stop();
  });

  it('when the token grants none of the scopes, then every secured operation answers 403 insufficient_scope naming the scope it needs', async () => {
    const api = clientWith({ scope: 'openid profile' });
    const calls: [() => Promise<Result<unknown>>, string][] = [
      [() => api.GET('/users'), 'users:read'],
      [() => api.GET('/users/{id}', { params: { path: { id } } }), 'users:read'],
      [() => api.PATCH('/users/{id}', { params: { path: { id } }, body: { name: 'x' } }), 'users:write'],
      [() => api.DELETE('/users/{id}', { params: { path: { id } } }), 'users:write'],
      [() => api.GET('/user'), 'users:read'],
      [() => api.PATCH('/user', { body: { query: { email: 'own@example.com' }, payload: { name: 'x' } } }), 'users:write'],
      [() => api.DELETE('/delete', { body: { email: 'own@example.com' } }), 'users:write'],
      [() => api.GET('/metrics', { parseAs: 'text' }), 'metrics:read'],
    ];
    for (const [call, scope] of calls) {
      const result = await call();
      expectProblem(result, 403, 'INSUFFICIENT_SCOPE');
      assert.equal(result.response.headers.get('www-authenticate'), `Bearer realm="users-api", error="insufficient_scope", scope="${scope}"`);
    }
  });

  it('when the token has users:self and the verified email of a user, then the client reaches that user only', async () => {
    const api = clientWith({ scope: 'users:self', email: 'OWN@example.com', email_verified: true });
    assert.equal(dataOf(await api.GET('/users/{id}', { params: { path: { id } } }), 200).id, id);
    assert.deepEqual(
      dataOf(await api.GET('/users'), 200).items.map((user) => user.id),
      [id],
    );
    expectProblem(await api.GET('/users/{id}', { params: { path: { id: 'f'.repeat(24) } } }), 404, 'USER_NOT_FOUND');
  });
});

// Last, once every test above has run: the client met every documented status of every operation.
describe('coverage of the spec through the client', () => {
  it('when the tests above have run, then each operation answered each of its documented statuses (5xx aside)', () => {
    const missing = readSpecOperations(join(projectRoot, 'openapi/openapi.yaml')).flatMap((operation) =>
      statusesToCover(operation)
        .map((status) => `${operation.method} ${operation.path} ${status}`)
        .filter((key) => !answered.has(key)),
    );
    assert.deepEqual(missing, []);
  });
});
