import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OwnFerretDb } from '../support/ferretdb.js';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';

// SIGTERM reaches the real server process while requests are in flight: bodies still arriving,
// a request whose headers are not complete yet, and an idle keep-alive connection.

const SHUTDOWN_GRACE_MS = 5000;
const IN_FLIGHT = 10;
const DB_NAME = 'faults_shutdown';

type Answer = { status: number; connection: string | undefined; body: string };

/**
 * A POST /users whose headers (with `Expect: 100-continue`) have been received by the server,
 * which answered `100 Continue`, and half of whose body is sent: in flight, on the server's side.
 */
async function startSlowPost(baseUrl: string, body: string): Promise<{ finish(): Promise<Answer> }> {
  const bytes = Buffer.from(body);
  const req: ClientRequest = httpRequest(`${baseUrl}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(bytes.length), expect: '100-continue' },
    agent: false,
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  await Promise.race([new Promise((resolve) => req.once('continue', resolve)), answer]);
  req.write(bytes.subarray(0, bytes.length >> 1));
  return {
    finish: () => {
      req.end(bytes.subarray(bytes.length >> 1));
      return answer;
    },
  };
}

/** Resolves with the error code of a new TCP connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** What a raw socket receives: so far, and all of it once the server has closed the connection. */
function receive(socket: Socket): { sofar(): string; closed: Promise<string> } {
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  socket.once('error', () => undefined);
  return { sofar: () => text, closed: new Promise((resolve) => socket.once('close', () => resolve(text))) };
}

describe('graceful shutdown', () => {
  let db: OwnFerretDb;
  let server: ServerProcess;

  before(async () => {
    db = await OwnFerretDb.create();
    await db.start();
    server = await startServerProcess({ MONGODB_URI: db.uri, MONGODB_DB: DB_NAME, SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS) });
    assert.ok(await waitUntil(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, { timeoutMs: 15_000 }), 'ready at start');
  });
  after(async () => {
    await server?.stop();
    await db?.remove();
  });

  it(
    'when SIGTERM arrives with requests in flight, then they all complete, readiness turns 503, new connections are refused and the process exits 0 within the grace period',
    { timeout: 60_000 },
    async (t) => {
      const runId = Date.now().toString(36);
      const emails = Array.from({ length: IN_FLIGHT }, (_, i) => `inflight.${i}.${runId}@example.com`);

      // In flight: POSTs with half a body, a GET /readyz with half its headers, an idle keep-alive connection.
      const posts = await Promise.all(emails.map((email, i) => startSlowPost(server.baseUrl, JSON.stringify({ name: `in flight ${i}`, email }))));
      const readiness = connect({ host: '127.0.0.1', port: server.port });
      await new Promise((resolve) => readiness.once('connect', resolve));
      const readinessAnswer = receive(readiness);
      readiness.write(`GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`);
      const idle = connect({ host: '127.0.0.1', port: server.port });
      await new Promise((resolve) => idle.once('connect', resolve));
      const idleAnswer = receive(idle);
      idle.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
      assert.ok(await waitUntil(async () => idleAnswer.sofar().endsWith('}'), { timeoutMs: 5000, intervalMs: 20 }), 'the keep-alive connection got its answer');
      await sleep(200); // let the server see everything sent so far

      const signalledAt = Date.now();
      process.kill(server.pid, 'SIGTERM');
      await sleep(300);

      // New connections are refused as soon as shutdown has begun.
      const newConnection = await tryConnect(server.port);

      // The request whose headers were still arriving is answered: not ready any more.
      readiness.write('\r\n');
      const readinessText = await readinessAnswer.closed;

      // The POSTs' bodies arrive after the signal; every one of them must succeed.
      const answers = await Promise.all(posts.map((post) => post.finish()));
      const exit = await server.exited;
      const exitedAfterMs = Date.now() - signalledAt;
      const idleText = await idleAnswer.closed;

      t.diagnostic(`in flight at SIGTERM: ${IN_FLIGHT} POSTs with half a body, 1 GET /readyz with half its headers, 1 idle keep-alive connection`);
      t.diagnostic(`POST statuses: ${answers.map((answer) => answer.status).join(', ')}; new connection after SIGTERM: ${newConnection}`);
      t.diagnostic(`exit ${JSON.stringify(exit)} ${exitedAfterMs} ms after SIGTERM (grace ${SHUTDOWN_GRACE_MS} ms)`);

      assert.equal(newConnection, 'ECONNREFUSED');
      assert.match(readinessText, /^HTTP\/1\.1 503 /);
      assert.match(readinessText, /\r\nretry-after: 1\r\n/i);
      assert.match(readinessText, /\r\nconnection: close\r\n/i);
      assert.match(readinessText, /"code":"SERVICE_UNAVAILABLE"/);
      assert.match(readinessText, /shutting down/);
      assert.deepEqual(
        answers.map((answer) => answer.status),
        emails.map(() => 201),
        answers.map((answer) => answer.body).join('\n'),
      );
      assert.ok(
        answers.every((answer) => answer.connection === 'close'),
        'in-flight answers close their connection',
      );
      // The idle keep-alive connection was answered once and then closed by the server.
      assert.equal(idleText.match(/^HTTP\/1\.1 200 /gm)?.length, 1);

      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(exitedAfterMs < SHUTDOWN_GRACE_MS, `exited ${exitedAfterMs} ms after SIGTERM`);
      const messages = server.logs().map((line) => line.msg);
      assert.ok(messages.includes('shutting down') && messages.includes('stopped'), messages.join(', '));
      assert.ok(!messages.includes('grace period nearly over: cutting the connections still open'));

      // The writes that were in flight are stored.
      const check = await db.connect(DB_NAME);
      try {
        assert.equal(await check.db.collection('users').countDocuments({ email: { $in: emails } }), IN_FLIGHT);
      } finally {
        await check.close();
      }
    },
  );
});

describe('graceful shutdown with a drain (SHUTDOWN_DRAIN_MS)', () => {
  const DRAIN_MS = 1000;
  let db: OwnFerretDb;
  let server: ServerProcess;

  before(async () => {
    db = await OwnFerretDb.create();
    await db.start();
    server = await startServerProcess({
      MONGODB_URI: db.uri,
      MONGODB_DB: `${DB_NAME}_drain`,
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
    });
    assert.ok(await waitUntil(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, { timeoutMs: 15_000 }), 'ready at start');
  });
  after(async () => {
    await server?.stop();
    await db?.remove();
  });

  it(
    'when SIGTERM arrives, then during the drain readiness is 503 but new connections are served with Connection: close, idle keep-alive connections stay usable, and only after it new connections are refused',
    { timeout: 60_000 },
    async (t) => {
      const idle = connect({ host: '127.0.0.1', port: server.port });
      await new Promise((resolve) => idle.once('connect', resolve));
      const idleAnswer = receive(idle);
      const ask = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`;
      idle.write(ask('/healthz'));
      assert.ok(await waitUntil(async () => idleAnswer.sofar().endsWith('}'), { timeoutMs: 5000, intervalMs: 20 }), 'the keep-alive connection got its answer');

      const signalledAt = Date.now();
      process.kill(server.pid, 'SIGTERM');
      await sleep(300);

      const readiness = await fetch(`${server.baseUrl}/readyz`);
      await readiness.arrayBuffer();
      const email = `drained.${Date.now().toString(36)}@example.com`;
      const created = await fetch(`${server.baseUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'drained', email }),
      });
      await created.arrayBuffer();
      const answeredWithinDrain = Date.now() - signalledAt < DRAIN_MS;
      idle.write(ask('/healthz'));
      const idleText = await idleAnswer.closed;

      await sleep(Math.max(0, signalledAt + DRAIN_MS + 300 - Date.now()));
      const afterDrain = await tryConnect(server.port);
      const exit = await server.exited;
      const exitedAfterMs = Date.now() - signalledAt;
      t.diagnostic(
        `during the drain: /readyz ${readiness.status}, POST /users ${created.status} (connection: ${created.headers.get('connection')}); after it: ${afterDrain}; exit ${JSON.stringify(exit)} ${exitedAfterMs} ms after SIGTERM`,
      );

      assert.ok(answeredWithinDrain, 'the requests of the drain took longer than the drain');
      assert.equal(readiness.status, 503);
      assert.equal(readiness.headers.get('connection'), 'close');
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('connection'), 'close');
      // The keep-alive connection opened before the signal got a second answer, then was closed.
      assert.equal(idleText.match(/HTTP\/1\.1 200 /g)?.length, 2);
      assert.match(idleText.slice(idleText.lastIndexOf('HTTP/1.1 200')), /\r\nconnection: close\r\n/i);
      assert.equal(afterDrain, 'ECONNREFUSED');
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(exitedAfterMs >= DRAIN_MS && exitedAfterMs < SHUTDOWN_GRACE_MS, `exited ${exitedAfterMs} ms after SIGTERM`);
      const messages = server.logs().map((line) => line.msg);
      assert.ok(messages.indexOf('shutting down') < messages.indexOf('drain over: closing the listening socket'), messages.join(', '));
      assert.ok(messages.includes('stopped'));
    },
  );
});
