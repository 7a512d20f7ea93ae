import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoNetworkError, MongoServerError, ObjectId, ReadConcern, ReadPreference, type Document } from 'mongodb';
import { findById, type PointReadDb } from '../../src/data/find-by-id.js';

type Call = { command: Document; options: Document | undefined };

/** A database handle that answers each command with the next of `answers` (a batch, or an error to throw). */
function handle(answers: (Document[] | Error)[], settings: { readPreference?: ReadPreference; readConcern?: ReadConcern } = {}) {
  const calls: Call[] = [];
  const db = {
    readPreference: settings.readPreference ?? ReadPreference.primary,
    readConcern: settings.readConcern,
    command: async (command: Document, options?: Document) => {
      calls.push({ command, options });
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return { cursor: { firstBatch: answer, id: 0, ns: 'test.users' }, ok: 1 };
    },
  } as unknown as PointReadDb;
  return { db, calls };
}

const closed = () => new MongoNetworkError('connection 5 to 127.0.0.1:40718 closed');

describe('findById', () => {
  it('when called, then it sends the find command findOne sends: the _id filter, one document, one batch', async () => {
    const _id = new ObjectId();
    const { db, calls } = handle([[{ _id, name: 'a' }]]);
    assert.deepEqual(await findById(db, 'users', _id), { _id, name: 'a' });
    assert.deepEqual(calls[0]?.command, { find: 'users', filter: { _id }, limit: 1, singleBatch: true, batchSize: 1 });
  });

  it('when the handle has a read preference and a read concern (from the URI), then the read carries both', async () => {
    const { db, calls } = handle([[]], { readPreference: ReadPreference.fromString('secondaryPreferred'), readConcern: new ReadConcern('majority') });
    await findById(db, 'emails', 'a@b.io');
    assert.equal((calls[0]?.options?.readPreference as ReadPreference).mode, 'secondaryPreferred');
    assert.deepEqual(calls[0]?.command.readConcern, { level: 'majority' });
  });

  it('when no document has the _id, then it answers null', async () => {
    const { db } = handle([[]]);
    assert.equal(await findById(db, 'users', new ObjectId()), null);
  });

  it('when the first attempt meets a closed connection, then it reads once more and answers what that read found', async () => {
    const { db, calls } = handle([closed(), [{ _id: 'k', userId: 1 }]]);
    assert.deepEqual(await findById(db, 'emails', 'k'), { _id: 'k', userId: 1 });
    assert.equal(calls.length, 2);
  });

  it('when the retry fails too, then it rejects with that error after two attempts', async () => {
    const second = closed();
    const { db, calls } = handle([closed(), second, [{ _id: 'never' }]]);
    await assert.rejects(findById(db, 'users', 'k'), (error) => error === second);
    assert.equal(calls.length, 2);
  });

  it('when the error is not about connectivity (a bad query), then it is not retried', async () => {
    const bad = new MongoServerError({ message: 'unknown operator', code: 2 });
    const { db, calls } = handle([bad, [{ _id: 'k' }]]);
    await assert.rejects(findById(db, 'users', 'k'), (error) => error === bad);
    assert.equal(calls.length, 1);
  });
});
