import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MongoClient, ObjectId } from 'mongodb';
import { ensureFerretDbBuilt } from '../../scripts/lib/database.js';
import { waitUntil } from '../support/server-process.js';

// The embedded FerretDB (tools/ferretdb) keeps an index on the exact expression FerretDB's own
// `{_id: …}` queries use, so that every lookup, update and delete by _id is an index search
// rather than a scan of the table. This reads the SQL FerretDB really runs (from its debug log)
// and asks SQLite for that query's plan, so an upgrade that changes either side is noticed.

const execFileAsync = promisify(execFile);

describe('the embedded FerretDB serves lookups by _id from an index', () => {
  let binary = '';
  let dataDir = '';
  let ferretdb: ChildProcessWithoutNullStreams;
  let client: MongoClient;
  let log = '';

  before(async () => {
    binary = await ensureFerretDbBuilt();
    dataDir = await mkdtemp(join(tmpdir(), 'users-api-id-index-'));
    ferretdb = spawn(binary, ['--data-dir', dataDir, '--log-level', 'debug']);
    ferretdb.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
    });
    const uri = await new Promise<string>((resolve, reject) => {
      let out = '';
      ferretdb.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const ready = /"uri":"([^"]+)"/.exec(out);
        if (ready?.[1]) resolve(ready[1]);
      });
      ferretdb.once('exit', (code) => reject(new Error(`FerretDB exited with ${code}:\n${log.slice(-2000)}`)));
    });
    client = await new MongoClient(uri).connect();
  });
  after(async () => {
    await client?.close();
    ferretdb?.stdin.end();
    ferretdb?.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The SQL statements FerretDB has run so far, from its JSON debug log (">>> " marks a start). */
  const sqlLogged = () =>
    log.split('\n').flatMap((line) => {
      try {
        const msg = (JSON.parse(line) as { msg?: unknown }).msg;
        return typeof msg === 'string' && msg.startsWith('>>> ') ? [msg.slice(4)] : [];
      } catch {
        return [];
      }
    });

  /**
   * The SQL FerretDB logged for the last lookup by _id on a table of `collection`. Its log comes
   * through a pipe that Node reads on its own schedule, so under load the lines can arrive after
   * the query's answer: wait for them a moment rather than read the log once.
   */
  const lastIdLookupOn = async (collection: string) => {
    const find = () =>
      sqlLogged().findLast((sql) => sql.startsWith('SELECT') && sql.includes('WHERE') && new RegExp(`FROM "${collection}_[0-9a-f]{8}"`).test(sql));
    await waitUntil(async () => find() !== undefined, { timeoutMs: 5000, intervalMs: 50 });
    return find();
  };

  /** The last lookup by _id FerretDB ran on `collection` is, or within a moment becomes, an index search. */
  const assertLastIdLookupIndexed = async (collection: string) => {
    const query = await lastIdLookupOn(collection);
    assert.ok(query, `FerretDB's debug log shows its SQL for the lookup by _id on ${collection}`);
    assert.match(query, /WHERE _ferretdb_sjson->'\$\._id' = \?/);
    // The index is added within a moment of the table's creation.
    let detail = '';
    const indexed = await waitUntil(
      async () => {
        detail = await plan(query);
        return /USING INDEX/.test(detail);
      },
      { timeoutMs: 5000, intervalMs: 100 },
    );
    assert.ok(indexed, `plan: ${detail}`);
    assert.match(detail, /^SEARCH \S+ USING INDEX \S+__id_lookup \(<expr>=\?\)$/m);
    assert.doesNotMatch(detail, /^SCAN/m);
  };

  /** SQLite's plan for a query on the database's file, as `EXPLAIN QUERY PLAN` prints it. */
  const plan = async (sql: string) => (await execFileAsync(binary, ['--explain', sql, '--explain-file', join(dataDir, 'id_index.sqlite')])).stdout;

  it("when a collection is created after start, then FerretDB's own _id query on it is an index search", async () => {
    const users = client.db('id_index').collection<{ _id: ObjectId; n: number }>('users');
    const docs = Array.from({ length: 200 }, (_, n) => ({ _id: new ObjectId(), n }));
    await users.insertMany(docs);
    const probe = docs[123];
    assert.ok(probe);
    assert.equal((await users.findOne({ _id: probe._id }))?.n, 123);

    await assertLastIdLookupIndexed('users');
  });

  it('when another field is the filter, then the plan is a scan (the limit this design works around)', async () => {
    const table = /FROM "(users_[0-9a-f]{8})"/.exec((await lastIdLookupOn('users')) ?? '')?.[1];
    assert.ok(table, "FerretDB's debug log names the users collection's table");
    assert.match(await plan(`SELECT _ferretdb_sjson FROM "${table}" WHERE _ferretdb_sjson->'$.n' = ?`), /^SCAN/m);
  });

  it('when FerretDB updates and deletes by _id, then those writes keep their results (inserts, 11000, updates, deletes)', async () => {
    const users = client.db('id_index').collection<{ _id: string; v: number }>('plain');
    await users.insertOne({ _id: 'a', v: 1 });
    await assert.rejects(users.insertOne({ _id: 'a', v: 2 }), (error: { code?: number }) => error.code === 11000);
    assert.equal((await users.updateOne({ _id: 'a' }, { $inc: { v: 1 } })).modifiedCount, 1);
    assert.equal((await users.findOne({ _id: 'a' }))?.v, 2);
    assert.equal((await users.deleteOne({ _id: 'a' })).deletedCount, 1);
    assert.equal(await users.findOne({ _id: 'a' }), null);
  });

  it('when the database is dropped and created again, then its new tables get the index too', async () => {
    await client.db('id_index').dropDatabase();
    const users = client.db('id_index').collection<{ _id: ObjectId; n: number }>('again');
    const _id = new ObjectId();
    await users.insertOne({ _id, n: 1 });
    assert.equal((await users.findOne({ _id }))?.n, 1);
    await assertLastIdLookupIndexed('again');
  });
});
