import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Collection } from 'mongodb';
import { isDuplicateKey } from '../../src/data/duplicate-key.js';
import { InsertBatches } from '../../src/data/insert-batches.js';
import type { DatabaseConnection } from '../../src/data/mongo-connection.js';
import { failNextWrite } from '../support/fail-once.js';
import { connectTestDatabase } from '../support/test-server.js';

type Doc = { _id: string; n: number };

describe('coalesced inserts against the real database', () => {
  let connection: DatabaseConnection;
  let docs: Collection<Doc>;
  let batches: InsertBatches<Doc>;

  before(async () => {
    connection = await connectTestDatabase('insert_batches');
    docs = connection.db.collection<Doc>('docs');
    await docs.insertOne({ _id: 'existing', n: 0 });
    batches = new InsertBatches(docs);
  });
  after(async () => {
    await connection.db.dropDatabase();
    await connection.close();
  });

  it('when one insert is asked for alone, then it is written at once', async () => {
    await batches.insert({ _id: 'alone', n: 1 });
    assert.equal((await docs.findOne({ _id: 'alone' }))?.n, 1);
  });

  it('when 60 inserts come together and three of them repeat a key, then exactly those three fail with a duplicate key and the rest are written', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => (i === 7 ? 'existing' : i === 30 || i === 31 ? 'twice' : `k${i}`));
    const results = await Promise.allSettled(keys.map((_id, n) => batches.insert({ _id, n })));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    // One of the two 'twice' documents wins, whichever the database wrote first.
    assert.equal(failed.length, 2, `failed: ${failed.join(',')}`);
    assert.ok(failed.includes(7));
    assert.ok(failed.includes(30) !== failed.includes(31));
    for (const r of results) if (r.status === 'rejected') assert.ok(isDuplicateKey(r.reason), String(r.reason));
    assert.equal(await docs.countDocuments({ _id: { $regex: '^k' } }), 57);
    assert.equal((await docs.findOne({ _id: 'existing' }))?.n, 0);
  });

  it('when the command fails as a whole, then every insert in it is rejected, and the next ones go through', async () => {
    // The first insert goes alone (insertOne); the others queue behind it and go as one insertMany.
    const first = batches.insert({ _id: 'lead', n: 0 });
    failNextWrite('docs', 'insertMany');
    const rest = Array.from({ length: 5 }, (_, i) => batches.insert({ _id: `lost${i}`, n: i }));
    await first;
    const settled = await Promise.allSettled(rest);
    assert.ok(settled.every((r) => r.status === 'rejected' && /injected failure/.test(String(r.reason))));
    await batches.insert({ _id: 'after', n: 9 });
    assert.equal(await docs.countDocuments({ _id: { $in: ['lead', 'after'] } }), 2);
  });
});
