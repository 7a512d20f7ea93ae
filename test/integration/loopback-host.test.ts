import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { request, type Reply } from '../support/http.js';
import { assertProblem } from '../support/problems.js';
import { rawRequest } from '../support/raw-http.js';
import { startServerProcess } from '../support/server-process.js';
import { startTestServer, testDatabaseTarget, type TestServer } from '../support/test-server.js';

// DNS rebinding: a web page on a name whose DNS answer turns to 127.0.0.1 makes its visitor's
// browser send same-origin requests to the service, with the page's own name in Host. In
// local mode (no token asked) every request must be addressed to the server's loopback
// address and port, or it is 421 MISDIRECTED_REQUEST. fetch always sends the Host of its URL,
// so these requests go over raw sockets.

let seq = 0;
const email = () => `rebind.${Date.now().toString(36)}.${++seq}@example.com`;

/** A request with the given Host (and any other header lines), as a browser or a script would send it. */
function send(
  server: { baseUrl: string },
  method: string,
  path: string,
  host: string | undefined,
  options: { json?: unknown; lines?: string[]; version?: string } = {},
): Promise<Reply> {
  const lines = [`${method} ${path} HTTP/${options.version ?? '1.1'}`, ...(host === undefined ? [] : [`Host: ${host}`]), ...(options.lines ?? [])];
  if (options.json !== undefined) lines.push('Content-Type: application/json');
  return rawRequest(server.baseUrl, lines.join('\r\n'), options.json === undefined ? '' : JSON.stringify(options.json));
}

function assertMisdirected(reply: Reply, port: number): void {
  const problem = assertProblem(reply, 421, 'MISDIRECTED_REQUEST');
  assert.equal(problem.title, 'Misdirected request');
  assert.equal(problem.type, '/problems/misdirected-request');
  assert.match(problem.detail ?? '', new RegExp(`\\b127\\.0\\.0\\.1:${port} or localhost:${port}\\.$`));
  assert.doesNotMatch(problem.detail ?? '', /evil/);
}

describe('in local mode, requests not addressed to the loopback address (DNS rebinding)', () => {
  let server: TestServer;
  let port = 0;
  let address = '';
  const users = () => server.db.collection('users').countDocuments({});

  before(async () => {
    server = await startTestServer('loopback-host');
    port = Number(new URL(server.baseUrl).port);
    address = email();
    assert.equal((await request(server.baseUrl, 'POST', '/users', { json: { name: 'kept', email: address } })).status, 201);
  });
  after(async () => {
    await server.close();
  });

  it('when GET /users says Host: evil.example:<port>, then 421 MISDIRECTED_REQUEST problem+json naming the Hosts it answers, and no user', async () => {
    const reply = await send(server, 'GET', '/users', `evil.example:${port}`);
    assertMisdirected(reply, port);
    assert.doesNotMatch(reply.text, new RegExp(address.replace(/[.]/g, '\\.')));
  });

  it('when DELETE /delete with a body says Host: evil.example:<port>, then 421 and nothing is deleted', async () => {
    const before = await users();
    assertMisdirected(await send(server, 'DELETE', '/delete', `evil.example:${port}`, { json: { email: address } }), port);
    assert.equal(await users(), before);
    assert.equal(await server.db.collection('users').countDocuments({ email: address }), 1);
  });

  it('when the contract, the docs page or the liveness probe is asked for by another name, then 421 as well', async () => {
    for (const path of ['/openapi.json', '/openapi.yaml', '/docs', '/healthz', '/metrics', '/no-such-route']) {
      assertMisdirected(await send(server, 'GET', path, `evil.example:${port}`), port);
    }
  });

  it('when the Host names a loopback address with another port, or none (the server is not on 80), then 421', async () => {
    for (const host of [`127.0.0.1:${port + 1}`, `localhost:${port === 80 ? 81 : 80}`, '127.0.0.1', 'localhost', `[::1]:${port + 1}`]) {
      assertMisdirected(await send(server, 'GET', '/users', host), port);
    }
  });

  it('when an HTTP/1.0 request has no Host, then 421; an HTTP/1.1 one without Host gets 400 from Node before the service', async () => {
    assertMisdirected(await send(server, 'GET', '/users', undefined, { version: '1.0' }), port);
    const bare = await send(server, 'GET', '/users', undefined);
    assert.equal(bare.status, 400);
    assert.doesNotMatch(bare.text, new RegExp(address.replace(/[.]/g, '\\.')));
  });

  it('when the Host is malformed (a bad port, an unclosed bracket, an unbracketed IPv6 address, 8 KiB of name), then 421', async () => {
    for (const host of [
      `127.0.0.1:${port}x`,
      '127.0.0.1:',
      `127.0.0.1:${port}:${port}`,
      `[::1:${port}`,
      `::1:${port}`,
      `127.0.0.1 :${port}`,
      `user@127.0.0.1:${port}`,
      `${'a'.repeat(8 * 1024)}:${port}`,
    ]) {
      assertMisdirected(await send(server, 'GET', '/users', host), port);
    }
  });

  it('when two Host headers are sent, a loopback one first, then 421', async () => {
    assertMisdirected(await send(server, 'GET', '/users', `127.0.0.1:${port}`, { lines: [`Host: evil.example:${port}`] }), port);
  });

  it('when an absolute-form target names another host, then 421 whatever the Host says (RFC 9112 §3.2.2)', async () => {
    assertMisdirected(await send(server, 'GET', `http://evil.example:${port}/users`, `127.0.0.1:${port}`), port);
    // Addressed here, it passes the check (what answers it next is the router's business).
    assert.notEqual((await send(server, 'GET', `http://127.0.0.1:${port}/users`, `evil.example:${port}`)).status, 421);
  });

  it('when X-Forwarded-Host names the loopback address (the peer is a trusted proxy), then it does not count: 421', async () => {
    assertMisdirected(await send(server, 'GET', '/users', `evil.example:${port}`, { lines: [`X-Forwarded-Host: 127.0.0.1:${port}`] }), port);
  });

  it('when a request is refused, then it carries the protective headers of every response', async () => {
    const reply = await send(server, 'GET', '/users', `evil.example:${port}`);
    assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(reply.headers.get('content-security-policy'));
  });

  it('when the Host is 127.0.0.1, localhost (any case), [::1] or another 127.x address, with the port, then 200', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`, `[0:0:0:0:0:0:0:1]:${port}`, `127.0.0.2:${port}`]) {
      const reply = await send(server, 'GET', '/users', host);
      assert.equal(reply.status, 200, `${host}: ${reply.text}`);
    }
    assert.equal((await send(server, 'GET', '/healthz', `localhost:${port}`)).status, 200);
  });
});

describe('with API_TOKENS set, the Host check is off', () => {
  let server: TestServer;
  const TOKEN = 'loopback-host-token-0123456789';
  before(async () => {
    server = await startTestServer('loopback-host-tokens', { API_TOKENS: TOKEN });
  });
  after(async () => {
    await server.close();
  });

  it('when GET /users says Host: evil.example with a valid token, then 200: the token, not the name, is what protects', async () => {
    const reply = await send(server, 'GET', '/users', 'evil.example:5000', { lines: [`Authorization: Bearer ${TOKEN}`] });
    assert.equal(reply.status, 200, reply.text);
    assertProblem(await send(server, 'GET', '/users', 'evil.example:5000'), 401, 'UNAUTHORIZED');
  });
});

describe('the real server in local mode, started with HOST as a name', () => {
  it(
    'when HOST=localhost (it resolves to loopback only), then it starts, listens on the checked address and answers Host: localhost:<port>, not another name',
    { timeout: 30_000 },
    async () => {
      const { uri, dbName } = testDatabaseTarget('loopback-host-process');
      const server = await startServerProcess({ MONGODB_URI: uri, MONGODB_DB: dbName, HOST: 'localhost' });
      try {
        assert.match(server.baseUrl, /^http:\/\/(127\.\d+\.\d+\.\d+|\[::1\]):\d+$/);
        assert.equal((await send(server, 'GET', '/healthz', `localhost:${server.port}`)).status, 200);
        assertProblem(await send(server, 'GET', '/healthz', `evil.example:${server.port}`), 421, 'MISDIRECTED_REQUEST');
      } finally {
        await server.stop();
      }
    },
  );

  it('when HOST is a name that does not resolve (.invalid never does), then it refuses to start and says why', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../src/server.js', import.meta.url))], {
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: testDatabaseTarget('loopback-host-unresolved').uri, HOST: 'users-api.invalid', PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /HOST: "users-api\.invalid" does not resolve \(ENOTFOUND\).*API_TOKENS is empty/);
    assert.doesNotMatch(stderr, /listening/);
  });
});
