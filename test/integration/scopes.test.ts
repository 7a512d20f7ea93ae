import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import type { User } from '../../src/contract.js';
import { request, type Reply } from '../support/http.js';
import { IdentityProvider, signingKey } from '../support/identity-provider.js';
import { scrape, valueOf } from '../support/metrics.js';
import { assertProblem } from '../support/problems.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Scopes and the own-record rule, against the real server and database, with tokens from a test
// identity provider. Static API_TOKENS grant every scope and keep doing so.

const STATIC_TOKEN = 'static-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let seq = 0;
/** A client address of its own (TEST-NET-3), so no test meets another's rate limit. */
const client = () => ({ 'x-forwarded-for': `203.0.113.${(++seq % 250) + 1}` });

/** A 403 as RFC 6750 §3.1 words it: the scope wanted, and nothing of the token. */
function assertInsufficientScope(reply: Reply, scope: string): void {
  assertProblem(reply, 403, 'INSUFFICIENT_SCOPE');
  assert.equal(reply.headers.get('www-authenticate'), `Bearer realm="users-api", error="insufficient_scope", scope="${scope}"`);
  assert.equal((reply.body as { detail?: string }).detail, `The bearer token does not grant the scope this operation needs (${scope}).`);
}

describe('scopes and the own record (JWT from an identity provider)', () => {
  let provider: IdentityProvider;
  let server: TestServer;
  let seeded = 0;
  /** Mints a token with exactly these scopes and, when given, a verified email. */
  const tokenFor = (scope: string, claims: JWTPayload = {}) => provider.mint({ claims: { scope, ...claims } });
  const call = async (method: string, path: string, token: string, json?: unknown): Promise<Reply> =>
    request(server.baseUrl, method, path, { headers: { ...client(), ...bearer(token) }, ...(json === undefined ? {} : { json }) });
  const read = async (id: string): Promise<User> => (await call('GET', `/users/${id}`, STATIC_TOKEN)).body as User;
  /** A user of its own for one test (public registration, from an address of its own). */
  const seed = async (email?: string): Promise<User> => {
    const reply = await request(server.baseUrl, 'POST', '/users', {
      headers: client(),
      json: { name: `user ${++seeded}`, email: email ?? `scoped-${seeded}@example.com` },
    });
    assert.equal(reply.status, 201);
    return reply.body as User;
  };

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-1')]);
    server = await startTestServer('scopes', {
      ...provider.env('url'),
      API_TOKENS: STATIC_TOKEN,
      AUTH_FAILURE_RATE_LIMIT: '3',
      REGISTRATION_RATE_LIMIT: '1000',
    });
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  describe("a token without the operation's scope", () => {
    it('when it reads users (GET /users, /users/{id}, /user), then 403 INSUFFICIENT_SCOPE naming users:read, and no user is disclosed', async () => {
      const user = await seed();
      const token = await tokenFor('openid profile users:write');
      for (const path of ['/users', `/users/${user.id}`, '/user']) {
        const reply = await call('GET', path, token);
        assertInsufficientScope(reply, 'users:read');
        assert.ok(!reply.text.includes(user.email), `${path} disclosed the user`);
      }
    });

    it('when it changes or deletes users (PATCH, DELETE, both route families), then 403 naming users:write, and nothing changes', async () => {
      const user = await seed();
      const token = await tokenFor('users:read metrics:read');
      assertInsufficientScope(await call('PATCH', `/users/${user.id}`, token, { name: 'changed' }), 'users:write');
      assertInsufficientScope(await call('DELETE', `/users/${user.id}`, token), 'users:write');
      assertInsufficientScope(await call('PATCH', '/user', token, { query: { email: user.email }, payload: { name: 'changed' } }), 'users:write');
      assertInsufficientScope(await call('DELETE', '/delete', token, { email: user.email }), 'users:write');
      assert.deepEqual(await read(user.id), user);
    });

    it('when it scrapes GET /metrics without metrics:read, then 403 naming metrics:read', async () => {
      assertInsufficientScope(await call('GET', '/metrics', await tokenFor('users:read users:write users:self')), 'metrics:read');
    });

    it('when a token has no scope claim at all, or one of another shape, then it grants nothing: 403', async () => {
      assertInsufficientScope(await call('GET', '/users', await provider.mint({ claims: { scope: undefined } })), 'users:read');
      assertInsufficientScope(await call('GET', '/users', await provider.mint({ claims: { scope: { 'users:read': true } } })), 'users:read');
      // Scopes are whole names: a prefix or a look-alike grants nothing.
      assertInsufficientScope(await call('GET', '/users', await tokenFor('users:readonly users users:*')), 'users:read');
    });

    it('when a client keeps sending valid tokens without the scope, then it keeps getting 403, never 429 (they are not wrong tokens)', async () => {
      const token = await tokenFor('profile');
      const headers = { ...client(), ...bearer(token) };
      for (let i = 0; i < 6; i++) assertInsufficientScope(await request(server.baseUrl, 'GET', '/users', { headers }), 'users:read');
    });

    it('when a 403 is answered, then /metrics counts it as an auth rejection with reason insufficient_scope', async () => {
      const before =
        valueOf((await scrape(server.baseUrl, bearer(STATIC_TOKEN))).samples, 'users_api_auth_rejections_total', { reason: 'insufficient_scope' }) ?? 0;
      await call('GET', '/users', await tokenFor('profile'));
      const after = valueOf((await scrape(server.baseUrl, bearer(STATIC_TOKEN))).samples, 'users_api_auth_rejections_total', { reason: 'insufficient_scope' });
      assert.equal(after, before + 1);
    });
  });

  describe('the contract this server serves', () => {
    it('when /openapi.json is read, then bearerAuth names the provider, the audience and the claims read, and operations keep their 401 and 403', async () => {
      const served = (await request(server.baseUrl, 'GET', '/openapi.json')).body as {
        components: { securitySchemes: { bearerAuth: { description: string } } };
        paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
      };
      const description = served.components.securitySchemes.bearerAuth.description;
      assert.ok(description.includes(`issued by \`${provider.issuer}\` for the audience \`${provider.audience}\``), description);
      assert.ok(description.includes('scopes from the `scope` claim') && description.includes('`email_verified` is true'), description);
      const getUser = served.paths['/users/{id}']?.get;
      assert.deepEqual(getUser?.security, [{ bearerAuth: ['users:read'] }, { bearerAuth: ['users:self'] }]);
      assert.ok(getUser && '401' in getUser.responses && '403' in getUser.responses);
    });
  });

  describe('a token with the scope', () => {
    it('when users:read reads and users:write changes, then 200; metrics:read scrapes, then 200', async () => {
      const user = await seed();
      assert.equal((await call('GET', `/users/${user.id}`, await tokenFor('users:read'))).status, 200);
      assert.equal((await call('GET', '/user', await tokenFor('users:read'))).status, 200);
      const changed = await call('PATCH', `/users/${user.id}`, await tokenFor('users:write'), { name: 'written' });
      assert.equal(changed.status, 200);
      assert.equal((changed.body as User).name, 'written');
      assert.equal((await call('GET', '/metrics', await tokenFor('metrics:read'))).status, 200);
      assert.equal((await call('DELETE', `/users/${user.id}`, await tokenFor('users:write'))).status, 204);
    });

    it('when a static API token is sent, then it has every scope', async () => {
      const user = await seed();
      for (const [method, path] of [
        ['GET', '/users'],
        ['GET', `/users/${user.id}`],
        ['GET', '/metrics'],
        ['DELETE', `/users/${user.id}`],
      ] as const) {
        assert.ok([200, 204].includes((await call(method, path, STATIC_TOKEN)).status), `${method} ${path}`);
      }
    });
  });

  describe("users:self: the caller's own record only", () => {
    const selfToken = (email: string, scope = 'users:self', verification: JWTPayload = { email_verified: true }) => tokenFor(scope, { email, ...verification });

    it('when the caller reads, renames and deletes its own record (its email in another form), then 200, 200 and 204', async () => {
      const own = await seed('রহিম@বাংলা.bd');
      const token = await selfToken('রহিম@XN--54B7FTA0CC.BD');
      const got = await call('GET', `/users/${own.id}`, token);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, own);
      const renamed = await call('PATCH', `/users/${own.id}`, token, { name: 'rahim' });
      assert.equal(renamed.status, 200);
      assert.equal((renamed.body as User).name, 'rahim');
      assert.equal((await call('DELETE', `/users/${own.id}`, token)).status, 204);
      assert.equal((await call('GET', `/users/${own.id}`, STATIC_TOKEN)).status, 404);
    });

    it("when the caller reads, changes or deletes another user's record, then 404 USER_NOT_FOUND (as for a missing user) and nothing changes", async () => {
      const own = await seed();
      const other = await seed();
      const token = await selfToken(own.email);
      const missing = await call('GET', `/users/${'f'.repeat(24)}`, token);
      assertProblem(missing, 404, 'USER_NOT_FOUND');
      for (const [method, path, json] of [
        ['GET', `/users/${other.id}`, undefined],
        ['PATCH', `/users/${other.id}`, { name: 'taken over' }],
        ['DELETE', `/users/${other.id}`, undefined],
        ['PATCH', '/user', { query: { email: other.email }, payload: { name: 'taken over' } }],
        ['DELETE', '/delete', { email: other.email }],
      ] as const) {
        const reply = await call(method, path, token, json);
        assertProblem(reply, 404, 'USER_NOT_FOUND');
        // The same answer as for a user that does not exist: nothing tells the two apart.
        assert.equal((reply.body as { detail?: string }).detail, (missing.body as { detail?: string }).detail);
      }
      assert.deepEqual(await read(other.id), other);
      const stale = await call('PATCH', `/users/${other.id}`, token, { name: 'x' });
      assert.equal(stale.headers.get('etag'), null, 'an ETag of another user was disclosed');
    });

    it("when the caller sends If-Match with another user's id, then 404 (never 412, which would say the user exists)", async () => {
      const own = await seed();
      const other = await seed();
      const reply = await request(server.baseUrl, 'PATCH', `/users/${other.id}`, {
        headers: { ...client(), ...bearer(await selfToken(own.email)), 'if-match': '"9"' },
        json: { name: 'x' },
      });
      assertProblem(reply, 404, 'USER_NOT_FOUND');
    });

    it('when the caller lists users (GET /users, GET /user), then only its own record, whatever the filters', async () => {
      const own = await seed();
      const other = await seed();
      const token = await selfToken(own.email.toUpperCase());
      const page = await call('GET', '/users?limit=100', token);
      assert.equal(page.status, 200);
      assert.deepEqual((page.body as { items: User[] }).items, [own]);
      assert.deepEqual(((await call('GET', `/users?email=${encodeURIComponent(other.email)}`, token)).body as { items: User[] }).items, []);
      assert.deepEqual(((await call('GET', '/users?name=user', token)).body as { items: User[] }).items, [own]);
      assert.deepEqual((await call('GET', '/user', token)).body, [own]);
      assert.deepEqual((await call('GET', `/user?email=${encodeURIComponent(other.email)}`, token)).body, []);
    });

    it('when the caller uses the legacy routes on its own email, then they work', async () => {
      const own = await seed();
      const token = await selfToken(own.email);
      const renamed = await call('PATCH', '/user', token, { query: { email: own.email }, payload: { name: 'tutorial' } });
      assert.equal(renamed.status, 200);
      assert.equal((await call('DELETE', '/delete', token, { email: own.email })).status, 204);
    });

    it('when the caller moves its record to another email (PATCH /users/{id} or PATCH /user), then 403 INSUFFICIENT_SCOPE naming users:write, and nothing changes', async () => {
      const own = await seed();
      const token = await selfToken(own.email);
      for (const reply of [
        await call('PATCH', `/users/${own.id}`, token, { email: `moved-${own.email}` }),
        await call('PATCH', `/users/${own.id}`, token, { name: 'renamed too', email: `moved-${own.email}` }),
        await call('PATCH', '/user', token, { query: { email: own.email }, payload: { email: `moved-${own.email}` } }),
      ]) {
        assertProblem(reply, 403, 'INSUFFICIENT_SCOPE');
        assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="users-api", error="insufficient_scope", scope="users:write"');
      }
      assert.deepEqual(await read(own.id), own);
      assert.equal((await call('GET', `/users/${own.id}`, token)).status, 200, 'the token still reaches its record');
    });

    it('when the caller writes its own email otherwise (letter case), then 200 and its token still reaches the record', async () => {
      const own = await seed();
      const token = await selfToken(own.email);
      const upper = own.email.toUpperCase();
      const rewritten = await call('PATCH', `/users/${own.id}`, token, { email: upper });
      assert.equal(rewritten.status, 200);
      assert.equal((rewritten.body as User).email, upper);
      assert.equal((await call('GET', `/users/${own.id}`, token)).status, 200);
    });

    it("when a users:self caller sends another user's id with an email change, then 403, the same answer as for its own record (nothing tells that the user exists)", async () => {
      const own = await seed();
      const other = await seed();
      const token = await selfToken(own.email);
      assertProblem(await call('PATCH', `/users/${other.id}`, token, { email: `taken-${other.email}` }), 403, 'INSUFFICIENT_SCOPE');
      assert.deepEqual(await read(other.id), other);
    });

    it('when a token with users:write moves a record to another email, then 200: the rule is for users:self only', async () => {
      const own = await seed();
      const moved = await call('PATCH', `/users/${own.id}`, await tokenFor('users:write'), { email: `moved-${own.email}` });
      assert.equal(moved.status, 200);
      assert.equal((moved.body as User).email, `moved-${own.email}`);
    });

    it('when the email is not verified (email_verified false, "false", or missing), then the caller owns no record', async () => {
      const own = await seed();
      for (const verification of [{ email_verified: false }, { email_verified: 'false' }, { email_verified: 1 }, {}]) {
        const token = await selfToken(own.email, 'users:self', verification);
        assertProblem(await call('GET', `/users/${own.id}`, token), 404, 'USER_NOT_FOUND');
        assertProblem(await call('PATCH', `/users/${own.id}`, token, { name: 'x' }), 404, 'USER_NOT_FOUND');
        assert.deepEqual(((await call('GET', '/users', token)).body as { items: User[] }).items, []);
      }
      assert.deepEqual(await read(own.id), own);
    });

    it('when the token has users:read and users:self, then it reads every user but changes only its own', async () => {
      const own = await seed();
      const other = await seed();
      const token = await selfToken(own.email, 'users:read users:self');
      assert.equal((await call('GET', `/users/${other.id}`, token)).status, 200);
      assertProblem(await call('PATCH', `/users/${other.id}`, token, { name: 'x' }), 404, 'USER_NOT_FOUND');
      assert.equal((await call('PATCH', `/users/${own.id}`, token, { name: 'mine' })).status, 200);
      assert.deepEqual(await read(other.id), other);
    });

    it("when a look-alike email is verified (Cyrillic а), then it does not reach the Latin address's record", async () => {
      const own = await seed('alice@example.com');
      assertProblem(await call('GET', `/users/${own.id}`, await selfToken('\u0430lice@example.com')), 404, 'USER_NOT_FOUND');
    });
  });
});

describe('scopes and emails from claims of other names (JWT_SCOPE_CLAIM, JWT_EMAIL_CLAIM, JWT_EMAIL_VERIFIED_CLAIM)', () => {
  let provider: IdentityProvider;
  let server: TestServer;
  before(async () => {
    provider = await IdentityProvider.start([await signingKey('ES256', 'ec-1')]);
    server = await startTestServer('scopes-claims', {
      ...provider.env('file'),
      JWT_SCOPE_CLAIM: 'scp',
      JWT_EMAIL_CLAIM: 'preferred_email',
      JWT_EMAIL_VERIFIED_CLAIM: 'preferred_email_verified',
      REGISTRATION_RATE_LIMIT: '1000',
    });
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  it('when scopes come as an array in scp, then they are granted; the scope claim is then ignored', async () => {
    const headers = (token: string) => ({ headers: { ...client(), ...bearer(token) } });
    const asArray = await provider.mint({ claims: { scope: undefined, scp: ['users:read'] } });
    assert.equal((await request(server.baseUrl, 'GET', '/users', headers(asArray))).status, 200);
    const asString = await provider.mint({ claims: { scope: undefined, scp: 'metrics:read users:read' } });
    assert.equal((await request(server.baseUrl, 'GET', '/users', headers(asString))).status, 200);
    const inScope = await provider.mint({ claims: { scope: 'users:read' } });
    assertInsufficientScope(await request(server.baseUrl, 'GET', '/users', headers(inScope)), 'users:read');
  });

  it('when the email comes in the configured claims, then users:self reaches that record (and not by the email claim)', async () => {
    const reply = await request(server.baseUrl, 'POST', '/users', { headers: client(), json: { name: 'named', email: 'named@example.com' } });
    const own = reply.body as User;
    const headers = (claims: JWTPayload) => async () => ({
      headers: { ...client(), ...bearer(await provider.mint({ claims: { scope: undefined, scp: 'users:self', ...claims } })) },
    });
    const byConfigured = await headers({ preferred_email: own.email, preferred_email_verified: true })();
    assert.equal((await request(server.baseUrl, 'GET', `/users/${own.id}`, byConfigured)).status, 200);
    const byDefault = await headers({ email: own.email, email_verified: true })();
    assertProblem(await request(server.baseUrl, 'GET', `/users/${own.id}`, byDefault), 404, 'USER_NOT_FOUND');
  });
});
