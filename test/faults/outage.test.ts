import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OwnFerretDb } from '../support/ferretdb.js';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';

// The database process is killed (SIGKILL) in the middle of a load of writes and reads against
// the real server process, stays down for a while, and is started again on the same port and
// data directory. Nothing is mocked.

const DB_TIMEOUT_MS = 1500;
const DB_RETRY_MAX_MS = 1000;
/**
 * No answer may take longer: the server's bound on a database call plus a margin for HTTP and
 * for scheduling on a busy machine (the server, the database and this load share the CPUs).
 */
const LATENCY_LIMIT_MS = DB_TIMEOUT_MS + 1500;
const WORKERS = 8;
const MAX_REQUESTS = 20_000;
const BEFORE_MS = 1000;
const OUTAGE_MS = 3000;
const AFTER_MS = 1000;
const DB_NAME = 'faults_outage';

type Sample = { op: 'write' | 'read'; status: number; startedAt: number; endedAt: number; code?: string; retryAfter?: string | null; error?: string };
type Ack = { id: string; email: string };

describe('when the database is lost while serving', () => {
  let db: OwnFerretDb;
  let server: ServerProcess;

  before(async () => {
    db = await OwnFerretDb.create();
    await db.start();
    server = await startServerProcess({
      MONGODB_URI: db.uri,
      MONGODB_DB: DB_NAME,
      DB_TIMEOUT_MS: String(DB_TIMEOUT_MS),
      DB_RETRY_MAX_MS: String(DB_RETRY_MAX_MS),
    });
    assert.ok(await waitUntil(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, { timeoutMs: 15_000 }), 'ready at start');
  });
  after(async () => {
    await server?.stop();
    await db?.remove();
  });

  it(
    'when it is killed mid-load and restarted, then every answer is 2xx or 503 within the bound, readiness follows, the service recovers by itself and every acknowledged write is kept',
    { timeout: 90_000 },
    async (t) => {
      const samples: Sample[] = [];
      const acknowledged: Ack[] = [];
      const refusedWrites: string[] = [];
      let stop = false;
      let sequence = 0;
      const runId = Date.now().toString(36);

      const call = async (op: Sample['op'], method: string, path: string, body?: unknown): Promise<{ sample: Sample; json: unknown }> => {
        const startedAt = Date.now();
        try {
          const response = await fetch(server.baseUrl + path, {
            method,
            ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
            // A guard for the test only: the assertions below want far less.
            signal: AbortSignal.timeout(LATENCY_LIMIT_MS + 5000),
          });
          const text = await response.text();
          const json: unknown = text && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined;
          const sample: Sample = { op, status: response.status, startedAt, endedAt: Date.now() };
          if (response.status >= 400) {
            sample.code = (json as { code?: string } | undefined)?.code ?? `(${response.headers.get('content-type')})`;
            sample.retryAfter = response.headers.get('retry-after');
          }
          samples.push(sample);
          return { sample, json };
        } catch (error) {
          const sample: Sample = { op, status: 0, startedAt, endedAt: Date.now(), error: String(error) };
          samples.push(sample);
          return { sample, json: undefined };
        }
      };

      const worker = async (n: number) => {
        for (let i = 0; !stop && samples.length < MAX_REQUESTS; i++) {
          if (i % 2 === 0 || acknowledged.length === 0) {
            const email = `load.${n}.${i}.${runId}.${++sequence}@example.com`;
            const { sample, json } = await call('write', 'POST', '/users', { name: `load ${n}`, email });
            if (sample.status === 201) acknowledged.push({ id: (json as { id: string }).id, email });
            else refusedWrites.push(email);
          } else {
            const user = acknowledged[(i * 7919 + n) % acknowledged.length]!;
            await call('read', 'GET', `/users/${user.id}`);
          }
        }
      };

      // 1. Load against a healthy database.
      const load = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));
      await sleep(BEFORE_MS);

      // 2. Kill the database process; readiness must say so while it is down.
      const killedAt = Date.now();
      await db.kill();
      await sleep(OUTAGE_MS / 4);
      const readyDuring = await fetch(`${server.baseUrl}/readyz`);
      const readyDuringBody = (await readyDuring.json()) as { code?: string };
      await sleep(OUTAGE_MS - OUTAGE_MS / 4);

      // 3. Start it again on the same port and data directory; the service must notice by itself.
      const restartedAt = Date.now();
      await db.start();
      const ready = await waitUntil(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, { timeoutMs: 20_000, intervalMs: 50 });
      const readyAt = Date.now();
      await sleep(AFTER_MS);
      stop = true;
      await load;
      const last = await call('write', 'POST', '/users', { name: 'after', email: `after.${runId}@example.com` });

      // Figures.
      const during = samples.filter((s) => s.startedAt >= killedAt && s.startedAt < restartedAt);
      const byStatus = (list: Sample[]) =>
        Object.entries(
          list.reduce<Record<string, number>>((counts, s) => ({ ...counts, [`${s.op} ${s.status}`]: (counts[`${s.op} ${s.status}`] ?? 0) + 1 }), {}),
        )
          .sort()
          .map(([key, count]) => `${key}: ${count}`)
          .join(', ');
      const slowest = Math.max(...samples.map((s) => s.endedAt - s.startedAt));
      const duringSlowest = Math.max(0, ...during.map((s) => s.endedAt - s.startedAt));
      const duringFast = during.filter((s) => s.endedAt - s.startedAt < 100).length;
      t.diagnostic(`${samples.length} requests by ${WORKERS} workers; slowest answer ${slowest} ms (limit ${LATENCY_LIMIT_MS} ms)`);
      t.diagnostic(`before the kill: ${byStatus(samples.filter((s) => s.endedAt < killedAt))}`);
      t.diagnostic(`during the outage (${restartedAt - killedAt} ms): ${byStatus(during)}; slowest ${duringSlowest} ms, ${duringFast} answered in < 100 ms`);
      t.diagnostic(`readiness 200 again ${readyAt - restartedAt} ms after the database restarted`);
      t.diagnostic(`after readiness: ${byStatus(samples.filter((s) => s.startedAt >= readyAt))}`);

      // Every answer is a success or a 503 problem with Retry-After; never a 500, a reset or a hang.
      const statuses = [...new Set(samples.map((s) => s.status))].sort();
      const failures = server
        .logs()
        .filter((line) => line.msg === 'request failed')
        .map((line) => JSON.stringify(line.err).slice(0, 3000));
      const resets = samples.filter((s) => s.status === 0).map((s) => s.error);
      assert.ok(
        statuses.every((status) => [200, 201, 503].includes(status)),
        `statuses seen: ${statuses.join(', ')}\n${[...failures, ...resets].slice(0, 3).join('\n')}`,
      );
      const unavailable = samples.filter((s) => s.status === 503);
      assert.ok(
        unavailable.every((s) => s.code === 'SERVICE_UNAVAILABLE' && /^[1-9]\d*$/.test(s.retryAfter ?? '')),
        'every 503 is SERVICE_UNAVAILABLE with Retry-After',
      );
      assert.ok(slowest <= LATENCY_LIMIT_MS, `slowest answer ${slowest} ms`);

      // The outage was seen, by readiness as by requests, and only around it.
      assert.ok(
        during.some((s) => s.status === 503),
        'requests during the outage got 503',
      );
      assert.equal(readyDuring.status, 503);
      assert.equal(readyDuringBody.code, 'SERVICE_UNAVAILABLE');
      assert.match(readyDuring.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.deepEqual(
        samples.filter((s) => s.endedAt < killedAt && s.status >= 300),
        [],
        'all 2xx before the kill',
      );

      // Recovered by itself: ready again, and everything after that succeeds.
      assert.ok(ready, 'ready again within 20 s of the restart');
      const afterReady = samples.filter((s) => s.startedAt >= readyAt);
      assert.ok(afterReady.length > 0);
      assert.deepEqual(
        afterReady.filter((s) => s.status >= 300),
        [],
        'all 2xx once ready again',
      );
      assert.equal(last.sample.status, 201);

      // Durability: every write that was acknowledged with 201 is in the database.
      const check = await db.connect(DB_NAME);
      try {
        const users = check.db.collection<{ email: string }>('users');
        const found = await users.find({ email: { $in: acknowledged.map((a) => a.email) } }, { projection: { email: 1 } }).toArray();
        const storedAnyway = await users.countDocuments({ email: { $in: refusedWrites } });
        t.diagnostic(`writes acknowledged (201): ${acknowledged.length}, found afterwards: ${found.length}`);
        t.diagnostic(`writes answered 503: ${refusedWrites.length}, of which stored anyway (outcome unknown to the client): ${storedAnyway}`);
        const missing = new Set(acknowledged.map((a) => a.email));
        for (const user of found) missing.delete(user.email);
        assert.deepEqual([...missing], [], 'acknowledged writes missing after the restart');
        assert.ok(acknowledged.length > 0 && refusedWrites.length > 0);
      } finally {
        await check.close();
      }

      // The server logged the loss, each reconnection attempt (pauses within the cap) and the recovery.
      const logs = server.logs();
      const attempts = logs.filter((line) => line.msg === 'database unavailable; retrying');
      t.diagnostic(
        `server log: ${logs.filter((line) => line.msg === 'database connection lost; reconnecting').length} loss, ${attempts.length} reconnection attempts logged, pauses ${attempts.map((line) => line.retryInMs).join(', ')} ms`,
      );
      assert.ok(logs.some((line) => line.msg === 'database connection lost; reconnecting'));
      assert.ok(attempts.length >= 1 && attempts.every((line) => Number(line.retryInMs) <= DB_RETRY_MAX_MS));
      assert.ok(logs.some((line) => line.msg === 'database connected' && Number(line.unavailableMs) > 0));
      assert.ok(!logs.some((line) => line.msg === 'request failed'), 'no 500 was logged');
    },
  );
});
