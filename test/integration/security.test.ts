import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { problemType } from '../../src/errors/catalogue.js';
import { request } from '../support/http.js';
import { assertProblem } from '../support/problems.js';
import { startTestServer, testDatabaseUri, type TestServer } from '../support/test-server.js';

const TOKEN_A = 'token-a-0123456789abcdef';
const TOKEN_B = 'token-b-fedcba9876543210';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let seq = 0;
const email = () => `sec.${Date.now().toString(36)}.${++seq}@example.com`;
/** A client address of its own (TEST-NET-3), honoured because the test's peer is loopback. */
const client = () => ({ 'x-forwarded-for': `203.0.113.${(++seq % 250) + 1}` });

describe('with API_TOKENS set', () => {
  let server: TestServer;
  let userId = '';
  const call = (method: string, path: string, options?: Parameters<typeof request>[3]) => request(server.baseUrl, method, path, options);

  before(async () => {
    server = await startTestServer('security', { API_TOKENS: `${TOKEN_A},${TOKEN_B}`, AUTH_FAILURE_RATE_LIMIT: '3', REGISTRATION_RATE_LIMIT: '3' });
    const created = await call('POST', '/users', { json: { name: 'guarded', email: email() }, headers: bearer(TOKEN_A) });
    userId = (created.body as { id: string }).id;
  });
  after(async () => {
    await server.close();
  });

  const secured = () =>
    [
      ['GET', '/users', undefined],
      ['GET', `/users/${userId}`, undefined],
      ['PATCH', `/users/${userId}`, { name: 'x' }],
      ['DELETE', `/users/${userId}`, undefined],
      ['GET', '/user', undefined],
      ['PATCH', '/user', { query: { email: 'a@b.co' }, payload: { name: 'x' } }],
      ['DELETE', '/delete', { email: 'a@b.co' }],
    ] as const;

  it('when a secured operation gets no token, then 401 with WWW-Authenticate: Bearer, for each of them', async () => {
    for (const [method, path, json] of secured()) {
      const reply = await call(method, path, { ...(json ? { json } : {}), headers: client() });
      assertProblem(reply, 401, 'UNAUTHORIZED');
      assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="users-api"', `${method} ${path}`);
    }
    assert.equal(((await call('GET', `/users/${userId}`, { headers: bearer(TOKEN_A) })).body as { name: string }).name, 'guarded');
  });

  it('when a secured operation gets a wrong token, then 401 invalid_token and nothing changes', async () => {
    const reply = await call('PATCH', `/users/${userId}`, { json: { name: 'hijacked' }, headers: { ...bearer('wrong-token-0000000000'), ...client() } });
    assertProblem(reply, 401, 'UNAUTHORIZED');
    assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="users-api", error="invalid_token"');
    assert.doesNotMatch(reply.text, /wrong-token/);
    assert.equal(((await call('GET', `/users/${userId}`, { headers: bearer(TOKEN_A) })).body as { name: string }).name, 'guarded');
  });

  it('when each secured operation gets a wrong token, then 401 invalid_token; with the good one, it is served', async () => {
    for (const [method, path, json] of secured()) {
      const refused = await call(method, path, { ...(json ? { json } : {}), headers: { ...client(), ...bearer('wrong-token-1111111111') } });
      assertProblem(refused, 401, 'UNAUTHORIZED');
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/, `${method} ${path}`);
    }
    // With the good token every one passes authentication (the deletes come last: they remove the user).
    for (const [method, path, json] of secured()) {
      const served = await call(method, path, { ...(json ? { json } : {}), headers: bearer(TOKEN_A) });
      assert.ok([200, 204, 404].includes(served.status), `${method} ${path} → ${served.status} ${served.text}`);
    }
    const created = await call('POST', '/users', { json: { name: 'guarded', email: email() }, headers: bearer(TOKEN_A) });
    userId = (created.body as { id: string }).id;
  });

  it('when either configured token is sent, then secured operations answer (rotation)', async () => {
    for (const token of [TOKEN_A, TOKEN_B]) {
      assert.equal((await call('GET', '/users?limit=1', { headers: bearer(token) })).status, 200);
      assert.equal((await call('GET', '/user', { headers: bearer(token) })).status, 200);
    }
  });

  it('when a public operation (registration) gets no token, then it still works', async () => {
    assert.equal((await call('POST', '/users', { json: { name: 'public', email: email() }, headers: client() })).status, 201);
    assert.equal((await call('POST', '/register', { json: { name: 'public', email: email() }, headers: client() })).status, 201);
  });

  it('when a client keeps sending wrong tokens, then past the limit its guesses get 429 with Retry-After', async () => {
    const attacker = client();
    for (let i = 0; i < 3; i++) {
      assertProblem(await call('GET', '/users', { headers: { ...attacker, ...bearer(`guess-${i}-000000000000000`) } }), 401, 'UNAUTHORIZED');
    }
    const limited = await call('GET', '/users', { headers: { ...attacker, ...bearer('guess-x-000000000000000') } });
    assertProblem(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // The right token still works from that address (others may share it), and a missing
    // token is not a guess.
    assert.equal((await call('GET', '/users', { headers: { ...attacker, ...bearer(TOKEN_A) } })).status, 200);
    const other = client();
    for (let i = 0; i < 5; i++) assertProblem(await call('GET', '/users', { headers: other }), 401, 'UNAUTHORIZED');
    assertProblem(await call('GET', '/users', { headers: { ...other, ...bearer('guess-y-000000000000000') } }), 401, 'UNAUTHORIZED');
  });

  it('when many valid requests from one address are in flight at once, then none is limited', async () => {
    const shared = client();
    const replies = await Promise.all(Array.from({ length: 30 }, () => call('GET', '/users?limit=1', { headers: { ...shared, ...bearer(TOKEN_A) } })));
    assert.deepEqual([...new Set(replies.map((r) => r.status))], [200]);
  });

  it('when an anonymous client registers too often, then 429 with Retry-After and nothing stored; a token holder is not limited', async () => {
    const anonymous = client();
    for (let i = 0; i < 3; i++) assert.equal((await call('POST', '/users', { json: { name: 'n', email: email() }, headers: anonymous })).status, 201);
    const extra = email();
    const limited = await call('POST', '/register', { json: { name: 'n', email: extra }, headers: anonymous });
    assertProblem(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(await server.db.collection('users').countDocuments({ emailKey: extra }), 0);
    for (let i = 0; i < 5; i++) {
      assert.equal((await call('POST', '/users', { json: { name: 'n', email: email() }, headers: { ...anonymous, ...bearer(TOKEN_B) } })).status, 201);
    }
  });
});

describe('in local mode (no API_TOKENS)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('local-mode');
  });
  after(async () => {
    await server.close();
  });

  it("when the tutorial's requests come without a token, then they work as in the tutorial", async () => {
    const address = email();
    assert.equal((await request(server.baseUrl, 'POST', '/register', { json: { name: 'superman', email: address } })).status, 201);
    assert.equal((await request(server.baseUrl, 'GET', '/user')).status, 200);
    assert.equal((await request(server.baseUrl, 'PATCH', '/user', { json: { query: { email: address }, payload: { name: 'iron man' } } })).status, 200);
    assert.equal((await request(server.baseUrl, 'DELETE', '/delete', { json: { email: address } })).status, 204);
  });

  it('when the server is started on a non-loopback address, then it refuses to start and says why', async () => {
    const entry = fileURLToPath(new URL('../../src/server.js', import.meta.url));
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, MONGODB_URI: testDatabaseUri(), HOST: '0.0.0.0', PORT: '0', API_TOKENS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /HOST: 0\.0\.0\.0 .*API_TOKENS is empty/);
    assert.doesNotMatch(stderr, /listening/);
  });
});

describe('protective headers, CORS and request ids', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('headers', { CORS_ORIGINS: 'https://app.example.com' });
  });
  after(async () => {
    await server.close();
  });

  /** The headers every response carries (src/http/middleware/security-headers.ts). */
  const RESPONSE_HEADERS = {
    'content-security-policy': "default-src 'none';frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'cross-origin-resource-policy': 'same-origin',
  };
  /** The ones only an HTML page carries besides. */
  const DOCUMENT_HEADERS = {
    'cross-origin-opener-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };

  it('when any API response is sent, success or problem, then it carries the response security headers, none of the document ones and no X-Powered-By', async () => {
    for (const [path, status] of [
      ['/users', 200],
      ['/users/not-an-id', 400],
      ['/nowhere', 404],
    ] as const) {
      const reply = await request(server.baseUrl, 'GET', path);
      assert.equal(reply.status, status, path);
      for (const [name, value] of Object.entries(RESPONSE_HEADERS)) assert.equal(reply.headers.get(name), value, `${path}: ${name}`);
      for (const name of Object.keys(DOCUMENT_HEADERS)) assert.equal(reply.headers.get(name), null, `${path}: ${name}`);
      assert.equal(reply.headers.get('x-powered-by'), null, path);
    }
  });

  it('when an HTML page is sent (the docs, a problem page), then it carries the document headers too, with its own policy', async () => {
    for (const path of ['/docs', problemType('ROUTE_NOT_FOUND')]) {
      const reply = await request(server.baseUrl, 'GET', path);
      assert.equal(reply.status, 200, path);
      assert.match(reply.headers.get('content-type') ?? '', /^text\/html/, path);
      for (const [name, value] of Object.entries({ ...RESPONSE_HEADERS, ...DOCUMENT_HEADERS })) {
        if (name !== 'content-security-policy') assert.equal(reply.headers.get(name), value, `${path}: ${name}`);
      }
      const policy = reply.headers.get('content-security-policy') ?? '';
      assert.match(policy, /^default-src 'none'; .*frame-ancestors 'none'$/, path);
      assert.equal(reply.headers.get('x-powered-by'), null, path);
    }
  });

  it('when an allowed origin asks, then CORS allows it; any other origin gets no CORS headers', async () => {
    const allowed = await request(server.baseUrl, 'OPTIONS', '/users', {
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
    const other = await request(server.baseUrl, 'GET', '/users', { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('when a request carries X-Request-Id, then the response returns it; otherwise a new one is made', async () => {
    assert.equal((await request(server.baseUrl, 'GET', '/users', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id'), 'abc-123');
    assert.match((await request(server.baseUrl, 'GET', '/users')).headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.match(
      (await request(server.baseUrl, 'GET', '/users', { headers: { 'x-request-id': 'bad id\twith spaces' } })).headers.get('x-request-id') ?? '',
      /^[0-9a-f-]{36}$/,
    );
  });
});

describe('the logs', () => {
  const lines: string[] = [];
  let server: TestServer;
  before(async () => {
    server = await startTestServer('log-privacy', { API_TOKENS: TOKEN_A }, { logLines: (line) => lines.push(line) });
  });
  after(async () => {
    await server.close();
  });

  it('when requests carry emails and tokens, then no log line contains either, at any level', async () => {
    const address = `Private.Person.${Date.now()}@example.com`;
    const call = (method: string, path: string, options?: Parameters<typeof request>[3]) => request(server.baseUrl, method, path, options);
    await call('POST', '/users', { json: { name: 'private', email: address } });
    await call('POST', '/users', { json: { name: 'again', email: address } }); // 409
    await call('POST', '/users', { json: { name: 'bad', email: `not-an-email-${address}` } }); // 400
    await call('GET', `/users?email=${encodeURIComponent(address)}`, { headers: bearer(TOKEN_A) });
    await call('GET', `/user?email=${encodeURIComponent(address)}`, { headers: bearer('not-the-token-0000000000') });
    await call('PATCH', '/user', { json: { query: { email: address }, payload: { name: 'x' } }, headers: bearer(TOKEN_A) });
    assert.ok(lines.length >= 6, 'requests were logged');
    const text = lines.join('\n').toLowerCase();
    assert.ok(!text.includes(address.toLowerCase()), 'an email reached the log');
    assert.ok(!text.includes(encodeURIComponent(address).toLowerCase()), 'an encoded email reached the log');
    assert.ok(!text.includes(TOKEN_A.toLowerCase()) && !text.includes('not-the-token'), 'a token reached the log');
    const entries = lines.map((line) => JSON.parse(line) as { reqId?: unknown; req?: { id?: unknown } });
    assert.ok(
      entries.every((entry) => typeof entry.reqId === 'string' || entry.req?.id !== undefined),
      'every request line has its request id',
    );
  });
});

describe('CORS by default', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('cors-off');
  });
  after(async () => {
    await server.close();
  });

  it('when no origin is allowed (the default), then no CORS header is ever sent', async () => {
    const reply = await request(server.baseUrl, 'GET', '/users', { headers: { origin: 'https://app.example.com' } });
    assert.equal(reply.headers.get('access-control-allow-origin'), null);
  });
});
