import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pickFreePort } from '../../scripts/lib/tcp-port.js';
import { request } from '../support/http.js';
import { OwnFerretDb } from '../support/ferretdb.js';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';

// The real server process is started while nothing listens at its database's address; the
// database (a real FerretDB process) is started later on that address.

const DB_TIMEOUT_MS = 1000;
const DB_RETRY_MAX_MS = 1000;
const DB_NAME = 'faults_down_at_start';

describe('when the database is down at start', () => {
  let db: OwnFerretDb;
  let server: ServerProcess;

  before(async () => {
    db = await OwnFerretDb.create(`127.0.0.1:${await pickFreePort()}`);
    server = await startServerProcess({
      MONGODB_URI: db.uri,
      MONGODB_DB: DB_NAME,
      DB_TIMEOUT_MS: String(DB_TIMEOUT_MS),
      DB_RETRY_MAX_MS: String(DB_RETRY_MAX_MS),
    });
  });
  after(async () => {
    await server?.stop();
    await db?.remove();
  });

  it('then the service starts and listens, and /healthz answers 200', async () => {
    const reply = await request(server.baseUrl, 'GET', '/healthz');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { status: 'ok' });
  });

  it('then /readyz and the operations that need the database answer 503 SERVICE_UNAVAILABLE with Retry-After, within the bound', async (t) => {
    for (const [method, path, json] of [
      ['GET', '/readyz', undefined],
      ['GET', '/users', undefined],
      ['POST', '/users', { name: 'early', email: 'early@example.com' }],
      ['GET', '/user', undefined],
    ] as const) {
      const started = Date.now();
      const reply = await request(server.baseUrl, method, path, json === undefined ? {} : { json });
      const ms = Date.now() - started;
      t.diagnostic(`${method} ${path}: ${reply.status} in ${ms} ms, Retry-After ${reply.headers.get('retry-after')}`);
      assert.equal(reply.status, 503, `${method} ${path}`);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal((reply.body as { code: string }).code, 'SERVICE_UNAVAILABLE');
      assert.match(reply.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      // Not connected yet: refused without waiting for the database (the margin is for a busy machine).
      assert.ok(ms < DB_TIMEOUT_MS + 1000, `${method} ${path} took ${ms} ms`);
    }
  });

  it('then it keeps trying to connect, logging every attempt, with pauses that grow up to the cap', async (t) => {
    // Attempts take up to DB_TIMEOUT_MS each, plus their pauses (0.25, 0.5, 1 s…): wait for three.
    await waitUntil(async () => server.logs().filter((line) => line.msg === 'database unavailable; retrying').length >= 3, { timeoutMs: 15_000 });
    const attempts = server.logs().filter((line) => line.msg === 'database unavailable; retrying');
    t.diagnostic(`attempts: ${attempts.map((line) => `#${String(line.attempt)} then ${String(line.retryInMs)} ms`).join(', ')}`);
    assert.ok(attempts.length >= 3);
    assert.deepEqual(
      attempts.map((line) => line.attempt),
      attempts.map((_line, i) => i + 1),
    );
    const pauses = attempts.map((line) => Number(line.retryInMs));
    assert.ok(
      pauses.every((pause) => pause > 0 && pause <= DB_RETRY_MAX_MS),
      `pauses ${pauses.join(', ')}`,
    );
    // 250, 500, then 1000 ms (the cap), each ±20 %.
    assert.ok(pauses[0]! <= 300 && pauses[2]! >= 800, `pauses ${pauses.join(', ')} grow to the cap`);
    assert.equal((await request(server.baseUrl, 'GET', '/readyz')).status, 503);
  });

  it('when the database starts on that address, then the service becomes ready by itself, with its indexes', async (t) => {
    const startedAt = Date.now();
    await db.start();
    const ready = await waitUntil(async () => (await request(server.baseUrl, 'GET', '/readyz')).status === 200, { timeoutMs: 20_000, intervalMs: 50 });
    t.diagnostic(`ready ${Date.now() - startedAt} ms after the database started (retry cap ${DB_RETRY_MAX_MS} ms, bound ${DB_TIMEOUT_MS} ms)`);
    assert.ok(ready, 'ready within 20 s');
    assert.ok(server.logs().some((line) => line.msg === 'database connected'));

    const created = await request(server.baseUrl, 'POST', '/users', { json: { name: 'late', email: 'Late@Example.com' } });
    assert.equal(created.status, 201, created.text);
    // The unique index on the lower-cased email was created once the database answered.
    const duplicate = await request(server.baseUrl, 'POST', '/users', { json: { name: 'late again', email: 'late@example.com' } });
    assert.equal(duplicate.status, 409, duplicate.text);
    const check = await db.connect(DB_NAME);
    try {
      const indexes = await check.db.collection('users').indexes();
      assert.equal(indexes.find((index) => index.name === 'emailKey_unique')?.unique, true);
    } finally {
      await check.close();
    }
  });
});
