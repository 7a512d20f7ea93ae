import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pickFreePort } from '../../scripts/lib/tcp-port.js';
import { Database } from '../../src/data/mongo-connection.js';
import { AppError } from '../../src/errors/app-error.js';
import { createLogger } from '../../src/logger.js';
import { connectTestDatabase, testDatabaseTarget } from '../support/test-server.js';

// The supervised connection (src/data/mongo-connection.ts) against the real database, and
// against an address where nothing listens.

type Line = { level: number; msg: string; attempt?: number; retryInMs?: number };
const unavailable = (error: unknown) => error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE' && (error.retryAfterSeconds ?? 0) >= 1;

function capture(): { logger: ReturnType<typeof createLogger>; lines: Line[] } {
  const lines: Line[] = [];
  return { logger: createLogger('info', { write: (line: string) => lines.push(JSON.parse(line) as Line) }), lines };
}

describe('Database.run against the real database', () => {
  it('when a call outlasts the time bound while the database still answers, then SERVICE_UNAVAILABLE at the bound for that call only', async () => {
    const { logger, lines } = capture();
    const database = await connectTestDatabase('database_bound', { timeoutMs: 300, retryMaxMs: 500, logger });
    try {
      const started = Date.now();
      await assert.rejects(
        database.run(() => new Promise<never>(() => {})),
        unavailable,
      );
      const waited = Date.now() - started;
      assert.ok(waited >= 290 && waited < 1000, `answered after ${waited} ms`);
      // A slow call is not a lost database: the next call goes through.
      assert.deepEqual(await database.run(() => database.db.command({ ping: 1 })), { ok: 1 });
      for (let i = 0; i < 20 && !lines.some((line) => /outlasted the bound/.test(line.msg)); i++) await sleep(50);
      assert.equal(database.isUp, true);
      assert.ok(lines.some((line) => line.msg === 'a database call outlasted the bound, but the database answers'));
      assert.ok(!lines.some((line) => line.msg === 'database connection lost; reconnecting'));
    } finally {
      await database.close();
    }
  });

  it('when a call fails for a reason other than connectivity, then the error passes unchanged and the database stays up', async () => {
    const database = await connectTestDatabase('database_other');
    try {
      const bug = new TypeError('expected a string');
      await assert.rejects(
        database.run(() => Promise.reject(bug)),
        (error) => error === bug,
      );
      assert.equal(database.isUp, true);
    } finally {
      await database.close();
    }
  });

  it('when the client is closed while a call is in flight, then the call completes on the open client first and close() ends after it', async () => {
    const database = await connectTestDatabase('database_close_in_flight');
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // A handler that is still between two steps when the shutdown closes the client.
    const call = database.run(async () => {
      await gate;
      return database.db.command({ ping: 1 });
    });
    let closed = 0;
    // Closed twice meanwhile (the shutdown, and a test's clean-up): both wait.
    const closing = [database.close(), database.close()].map((close) => close.then(() => closed++));
    await sleep(200);
    assert.equal(closed, 0, 'close() waits for the call in flight');
    release();
    assert.deepEqual(await call, { ok: 1 });
    await Promise.all(closing);
    assert.equal(closed, 2);
  });

  it('when a call in flight outlasts its bound at close, then close() waits no longer than the bound', async () => {
    const database = await connectTestDatabase('database_close_bound', { timeoutMs: 300 });
    const stuck = assert.rejects(
      database.run(() => new Promise<never>(() => {})),
      unavailable,
    );
    const started = Date.now();
    await database.close();
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 3000, `close() took ${waited} ms`);
    await stuck;
  });

  it('when connecting in the background to a reachable database, then onConnect runs once and calls go through', async () => {
    const { logger, lines } = capture();
    const database = new Database({ ...testDatabaseTarget('database_background'), timeoutMs: 2000, logger });
    let onConnectCalls = 0;
    try {
      database.connectInBackground(async () => {
        onConnectCalls++;
      });
      for (let i = 0; i < 50 && !database.isUp; i++) await sleep(100);
      assert.equal(database.isUp, true);
      assert.equal(onConnectCalls, 1);
      await database.ping();
      assert.deepEqual(
        lines.map((line) => line.msg),
        ['database connected'],
      );
    } finally {
      await database.close();
    }
  });
});

describe('Database handles for writes and for reads', () => {
  it("when a collection comes from db, then its writes wait for a majority's journal; when it comes from reads, then it carries no write concern and reads what db wrote", async () => {
    const database = await connectTestDatabase('database_concerns');
    try {
      const concern = database.db.collection('probe').writeConcern;
      assert.equal(concern?.w, 'majority');
      assert.equal(concern?.journal, true);
      assert.equal(database.reads.collection('probe').writeConcern, undefined);
      await database.db.collection<{ _id: string; n: number }>('probe').insertOne({ _id: 'a', n: 1 });
      assert.deepEqual(await database.reads.collection<{ _id: string; n: number }>('probe').findOne({ _id: 'a' }), { _id: 'a', n: 1 });
    } finally {
      await database.db.dropDatabase();
      await database.close();
    }
  });
});

describe('Database when nothing listens at its address', () => {
  it('when connecting in the background, then calls fail at once with SERVICE_UNAVAILABLE and every attempt is logged with a growing, capped pause', async () => {
    const port = await pickFreePort();
    const { logger, lines } = capture();
    const database = new Database({ uri: `mongodb://127.0.0.1:${port}/`, dbName: 'nowhere', timeoutMs: 200, retryMaxMs: 600, logger });
    let onConnectCalls = 0;
    database.connectInBackground(async () => {
      onConnectCalls++;
    });
    try {
      const started = Date.now();
      await assert.rejects(
        database.run(() => database.db.command({ ping: 1 })),
        unavailable,
      );
      await assert.rejects(database.ping(), unavailable);
      assert.ok(Date.now() - started < 100, 'no waiting while not connected');

      await sleep(2500);
      const attempts = lines.filter((line) => line.msg === 'database unavailable; retrying');
      assert.ok(attempts.length >= 3, `${attempts.length} attempts logged`);
      assert.deepEqual(
        attempts.map((line) => line.attempt),
        attempts.map((_line, i) => i + 1),
      );
      const pauses = attempts.map((line) => line.retryInMs ?? 0);
      assert.ok(pauses[0]! >= 200 && pauses[0]! <= 300, `first pause ${pauses[0]} ms`);
      assert.ok(
        pauses.every((pause) => pause <= 600),
        `pauses ${pauses.join(', ')} ms stay under the cap`,
      );
      assert.ok(pauses.at(-1)! > pauses[0]!, `pauses ${pauses.join(', ')} ms grow`);
      assert.equal(onConnectCalls, 0);
      assert.equal(database.isUp, false);
    } finally {
      await database.close();
    }
    const logged = lines.length;
    await sleep(800);
    assert.equal(lines.length, logged, 'no attempts after close()');
  });
});
