import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pickFreePort } from '../../scripts/lib/tcp-port.js';
import { createApp } from '../../src/app.js';
import { Database } from '../../src/data/mongo-connection.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { UsersService } from '../../src/domain/users-service.js';
import { createLogger } from '../../src/logger.js';
import { request, type Reply } from '../support/http.js';
import { connectTestDatabase, testAppConfig } from '../support/test-server.js';

// The health endpoints and the 503s, on the real application with response validation on: an
// undocumented status or a body off the contract would fail the test that got it.

type Running = { baseUrl: string; close(): Promise<void> };

async function serve(database: Database, stopping: () => boolean): Promise<Running> {
  const app = createApp({
    users: new UsersService(new UsersRepository(database)),
    logger: createLogger('silent'),
    config: testAppConfig(),
    database: database,
    health: { ready: () => database.ping(), stopping },
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function assertUnavailable(reply: Reply, instance: string): void {
  assert.equal(reply.status, 503, reply.text);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = reply.body as { type: string; title: string; status: number; code: string; instance: string; detail: string };
  assert.deepEqual(
    { type: problem.type, title: problem.title, status: problem.status, code: problem.code, instance: problem.instance },
    { type: '/problems/service-unavailable', title: 'Service unavailable', status: 503, code: 'SERVICE_UNAVAILABLE', instance },
  );
  assert.match(reply.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
  assert.doesNotMatch(reply.text, /ECONNREFUSED|127\.0\.0\.1|Mongo|stack/);
}

describe('GET /healthz and GET /readyz', () => {
  let database: Database;
  let running: Running;
  let stopping = false;

  before(async () => {
    database = await connectTestDatabase('health');
    running = await serve(database, () => stopping);
  });
  after(async () => {
    await running.close();
    await database.db.dropDatabase();
    await database.close();
  });

  it('when the process runs, then /healthz answers 200 {"status":"ok"}, not cacheable', async () => {
    const reply = await request(running.baseUrl, 'GET', '/healthz');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.deepEqual(reply.body, { status: 'ok' });
  });

  it('when the database answers, then /readyz answers 200 {"status":"ready"}, not cacheable', async () => {
    const reply = await request(running.baseUrl, 'GET', '/readyz');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.deepEqual(reply.body, { status: 'ready' });
  });

  it('when an unknown query parameter is sent, then 400 VALIDATION_FAILED', async () => {
    assert.equal((await request(running.baseUrl, 'GET', '/readyz?verbose=1')).status, 400);
    assert.equal((await request(running.baseUrl, 'GET', '/healthz?verbose=1')).status, 400);
  });

  it('when a shutdown has begun, then /readyz answers 503 with Retry-After, /healthz still 200, and responses close their connection', async () => {
    stopping = true;
    try {
      const ready = await request(running.baseUrl, 'GET', '/readyz');
      assertUnavailable(ready, '/readyz');
      assert.equal((ready.body as { detail: string }).detail, 'The service is shutting down.');
      assert.equal(ready.headers.get('retry-after'), '1');
      const live = await request(running.baseUrl, 'GET', '/healthz');
      assert.equal(live.status, 200);
      assert.equal(live.headers.get('connection'), 'close');
    } finally {
      stopping = false;
    }
    assert.equal((await request(running.baseUrl, 'GET', '/readyz')).status, 200);
  });
});

describe('when the database cannot be reached', () => {
  let database: Database;
  let running: Running;
  const id = '65a1f0c2e4b0a1b2c3d4e5f6';

  before(async () => {
    // Nothing listens there: the service keeps trying to connect in the background.
    database = new Database({ uri: `mongodb://127.0.0.1:${await pickFreePort()}/`, dbName: 'nowhere', timeoutMs: 500, retryMaxMs: 1000 });
    database.connectInBackground();
    running = await serve(database, () => false);
  });
  after(async () => {
    await running.close();
    await database.close();
  });

  it('then /healthz answers 200 and /readyz 503 SERVICE_UNAVAILABLE with Retry-After', async () => {
    assert.equal((await request(running.baseUrl, 'GET', '/healthz')).status, 200);
    assertUnavailable(await request(running.baseUrl, 'GET', '/readyz'), '/readyz');
  });

  const json = { 'content-type': 'application/json' };
  const operations: [string, string, string?][] = [
    ['GET', '/users'],
    ['POST', '/users', JSON.stringify({ name: 'superman', email: 'super@gmail.com' })],
    ['GET', `/users/${id}`],
    ['PATCH', `/users/${id}`, JSON.stringify({ name: 'iron man' })],
    ['DELETE', `/users/${id}`],
    ['GET', '/user'],
    ['POST', '/register', JSON.stringify({ name: 'superman', email: 'super@gmail.com' })],
    ['PATCH', '/user', JSON.stringify({ query: { email: 'super@gmail.com' }, payload: { name: 'iron man' } })],
    ['DELETE', '/delete', JSON.stringify({ email: 'super@gmail.com' })],
  ];
  for (const [method, path, body] of operations) {
    it(`then ${method} ${path} answers 503 SERVICE_UNAVAILABLE with Retry-After at once, as the contract documents`, async () => {
      const started = Date.now();
      const reply = await request(running.baseUrl, method, path, body === undefined ? {} : { body, headers: json });
      assertUnavailable(reply, path);
      assert.ok(Date.now() - started < 400, `answered after ${Date.now() - started} ms`);
    });
  }
});
