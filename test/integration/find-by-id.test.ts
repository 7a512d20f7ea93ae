import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId } from 'mongodb';
import { findById } from '../../src/data/find-by-id.js';
import type { DatabaseConnection } from '../../src/data/mongo-connection.js';
import { connectTestDatabase } from '../support/test-server.js';

describe('findById against the real database', () => {
  let connection: DatabaseConnection;

  before(async () => {
    connection = await connectTestDatabase('find-by-id');
  });
  after(async () => {
    await connection.db.dropDatabase();
    await connection.close();
  });

  it('when a document has the _id, then it reads back exactly as findOne reads it (ObjectIds, dates, numbers)', async () => {
    const doc = { _id: new ObjectId(), name: 'a', createdAt: new Date('2026-01-02T03:04:05.678Z'), version: 3 };
    await connection.db.collection('things').insertOne(doc);
    const read = await findById(connection.reads, 'things', doc._id);
    assert.deepEqual(read, await connection.reads.collection('things').findOne({ _id: doc._id }));
    assert.deepEqual(read, doc);
    assert.ok(read?._id instanceof ObjectId && read.createdAt instanceof Date);
  });

  it('when no document has the _id (an ObjectId or a string key), then it answers null', async () => {
    assert.equal(await findById(connection.reads, 'things', new ObjectId()), null);
    assert.equal(await findById(connection.reads, 'things', 'no-such-key'), null);
  });
});
