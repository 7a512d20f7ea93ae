import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../src/errors/app-error.js';
import { createLogger } from '../../src/logger.js';
import { connectDatabase, type Database } from '../../src/data/mongo-connection.js';
import { OwnFerretDb } from '../support/ferretdb.js';

// A database that stops answering without closing its connections (its process stopped with
// SIGSTOP, as a hung host or a network black hole would look), then resumes (SIGCONT). Nothing is
// mocked: the real FerretDB process and the service's own supervised connection.

const TIMEOUT_MS = 400;
const unavailable = (error: unknown) => error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE';

describe('when the database goes silent', () => {
  let db: OwnFerretDb;
  let database: Database;
  const lines: { msg: string }[] = [];

  before(async () => {
    db = await OwnFerretDb.create();
    await db.start();
    const logger = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) });
    database = await connectDatabase({ uri: db.uri, dbName: 'faults_silent', timeoutMs: TIMEOUT_MS, retryMaxMs: 300, logger });
  });
  after(async () => {
    process.kill(db.pid, 'SIGCONT');
    await database.close();
    await db.remove();
  });

  it('then calls answer 503 at the bound, the database is treated as lost (later calls fail at once), and it is back once the process resumes', async () => {
    assert.deepEqual(await database.run(() => database.db.command({ ping: 1 })), { ok: 1 });
    process.kill(db.pid, 'SIGSTOP');
    const started = Date.now();
    await assert.rejects(
      database.run(() => database.db.collection('users').findOne({})),
      unavailable,
    );
    const waited = Date.now() - started;
    assert.ok(waited >= TIMEOUT_MS - 10 && waited < TIMEOUT_MS + 600, `answered after ${waited} ms`);

    // The ping that follows a timeout goes unanswered too: lost.
    for (let i = 0; i < 40 && database.isUp; i++) await sleep(50);
    assert.equal(database.isUp, false);
    assert.ok(lines.some((line) => line.msg === 'database connection lost; reconnecting'));
    const quick = Date.now();
    await assert.rejects(
      database.run(() => database.db.collection('users').findOne({})),
      unavailable,
    );
    assert.ok(Date.now() - quick < 100, 'a database known to be lost fails at once');

    process.kill(db.pid, 'SIGCONT');
    for (let i = 0; i < 100 && !database.isUp; i++) await sleep(100);
    assert.equal(database.isUp, true, 'back within 10 s of resuming');
    assert.deepEqual(await database.run(() => database.db.command({ ping: 1 })), { ok: 1 });
  });
});
