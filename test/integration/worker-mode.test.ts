import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';
import { testDatabaseTarget } from '../support/test-server.js';

// WORKERS=2 as an operator runs it: the compiled server as a process, a supervisor and two
// workers on one port and one real database.

const TOKEN = 'worker-mode-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

/** The workers that logged answering a request: the `worker` field of the request log lines. */
const answeringWorkers = (server: ServerProcess) =>
  new Set(server.logs().flatMap((line) => (typeof line.worker === 'number' && typeof line.res === 'object' ? [line.worker] : [])));
const connectedWorkers = (server: ServerProcess) =>
  new Set(server.logs().flatMap((line) => (line.msg === 'database connected' && typeof line.worker === 'number' ? [line.worker] : [])));
const workerPids = (server: ServerProcess) =>
  new Set(server.logs().flatMap((line) => (line.msg === 'listening' && typeof line.pid === 'number' ? [line.pid] : [])));

describe('worker mode (WORKERS=2)', () => {
  let server: ServerProcess;
  const target = testDatabaseTarget('worker_mode');

  before(async () => {
    server = await startServerProcess({ MONGODB_URI: target.uri, MONGODB_DB: target.dbName, API_TOKENS: TOKEN, WORKERS: '2' });
    // Each worker connects to the database on its own, after it listens (503 until then, as one
    // process does): the tests start once both say they are connected.
    const connected = await waitUntil(async () => connectedWorkers(server).size === 2, { timeoutMs: 15_000 });
    assert.ok(connected, `connected workers: ${[...connectedWorkers(server)].join(', ')}`);
  });
  after(async () => {
    await server?.stop();
  });

  it('when it says it listens, then both workers answer on the one port, in turn', async () => {
    const created = await fetch(`${server.baseUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Worker Mode', email: `worker.mode.${Date.now()}@example.com` }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    for (let i = 0; i < 10; i++) {
      // A new connection each time: node:cluster hands out connections, not requests.
      const read = await fetch(`${server.baseUrl}/users/${id}`, { headers: { ...auth, connection: 'close' } });
      assert.equal(read.status, 200, 'a user written through one worker reads back through the other');
      await read.arrayBuffer();
    }
    assert.ok(
      await waitUntil(async () => answeringWorkers(server).size === 2, { timeoutMs: 3_000 }),
      `answered by workers ${[...answeringWorkers(server)].join(', ')}`,
    );
  });

  it('when the rate limits count in memory (the default), then the supervisor warns that each worker counts on its own', () => {
    const warning = server.logs().find((line) => line.component === 'supervisor' && line.level === 40);
    assert.match(String(warning?.msg), /each worker counts the rate limits on its own/);
  });

  it('when a worker dies, then the supervisor starts another and the service keeps answering', async () => {
    const logged = server.logs().find((line) => line.msg === 'listening' && typeof line.worker === 'number');
    assert.ok(logged, 'a worker logged that it listens');
    const pids = await waitUntil(async () => workerPids(server).size >= 2, { timeoutMs: 3_000 });
    assert.ok(pids, 'both workers logged their pid');
    const victim = [...workerPids(server)][0]!;
    process.kill(victim, 'SIGKILL');
    assert.ok(
      await waitUntil(async () => server.logs().some((line) => line.msg === 'a worker stopped unexpectedly: starting another'), { timeoutMs: 5_000 }),
      'the supervisor noticed',
    );
    assert.ok(await waitUntil(async () => workerPids(server).size >= 3, { timeoutMs: 10_000 }), 'a third worker started');
    for (let i = 0; i < 6; i++) {
      const health = await fetch(`${server.baseUrl}/healthz`, { headers: { connection: 'close' } });
      assert.equal(health.status, 200);
      await health.arrayBuffer();
    }
  });

  it('when the supervisor gets SIGTERM, then every worker shuts down gracefully and it exits with 0', async () => {
    const exit = await server.stop(15_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    const stopped = server.logs().filter((line) => line.msg === 'stopped' && typeof line.worker === 'number');
    assert.equal(stopped.length, 2, 'both workers logged their graceful stop');
  });
});

describe('worker mode when a worker cannot start', () => {
  let taken: Server;
  before(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  });
  after(() => {
    taken.close();
  });

  it('when the port is in use, then the service stops with exit code 1 instead of starting workers again and again', async () => {
    const port = (taken.address() as { port: number }).port;
    await assert.rejects(
      startServerProcess({ MONGODB_URI: testDatabaseTarget('worker_mode_refused').uri, API_TOKENS: TOKEN, WORKERS: '2', PORT: String(port) }),
      /exited before listening \(\{"code":1,/,
    );
  });
});
