import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { DatabaseConnection } from '../../src/data/mongo-connection.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { AppError } from '../../src/errors/app-error.js';
import { connectTestDatabase } from '../support/test-server.js';

const emailTaken = (error: unknown) => error instanceof AppError && error.code === 'EMAIL_TAKEN';

describe('UsersRepository against the real database', () => {
  let connection: DatabaseConnection;
  let repository: UsersRepository;

  before(async () => {
    connection = await connectTestDatabase('repository');
    repository = new UsersRepository(connection);
    await repository.prepare();
  });
  after(async () => {
    await connection.db.dropDatabase();
    await connection.close();
  });
  beforeEach(async () => {
    await connection.db.collection('users').deleteMany({});
    await connection.db.collection('emails').deleteMany({});
  });

  it('when storage is prepared again, then the indexes stay as they are (idempotent)', async () => {
    await repository.prepare();
    const indexes = await connection.db.collection('users').indexes();
    assert.equal(indexes.filter((index) => index.name === 'emailKey_unique').length, 1);
    assert.equal(indexes.find((index) => index.name === 'emailKey_unique')?.unique, true);
  });

  it('when a user is inserted, then it reads back as a plain record with version 1', async () => {
    const created = await repository.insert({ name: 'superman', email: 'Super@Gmail.com' });
    assert.match(created.id, /^[0-9a-f]{24}$/);
    assert.deepEqual(await repository.findById(created.id), created);
    assert.equal(created.version, 1);
    assert.equal(created.email, 'Super@Gmail.com');
  });

  it('when an email is registered again in another letter case, then EMAIL_TAKEN and one document', async () => {
    await repository.insert({ name: 'a', email: 'Super@Gmail.com' });
    await assert.rejects(repository.insert({ name: 'b', email: 'super@gmail.com' }), emailTaken);
    assert.equal(await connection.db.collection('users').countDocuments({}), 1);
  });

  it('when 20 registrations of one email race, then exactly one succeeds and one document exists', async () => {
    const attempts = Array.from({ length: 20 }, (_, i) => repository.insert({ name: `racer ${i}`, email: i % 2 ? 'RACE@x.io' : 'race@X.io' }));
    const results = await Promise.allSettled(attempts);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(fulfilled.length, 1);
    assert.equal(rejected.length, 19);
    assert.ok(rejected.every((r) => emailTaken(r.reason)));
    assert.equal(await connection.db.collection('users').countDocuments({}), 1);
  });

  it("when an update takes another user's email, then EMAIL_TAKEN and nothing changes", async () => {
    await repository.insert({ name: 'a', email: 'a@x.io' });
    const b = await repository.insert({ name: 'b', email: 'b@x.io' });
    await assert.rejects(repository.updateById(b.id, { name: 'changed', email: 'A@X.IO' }), emailTaken);
    assert.deepEqual(await repository.findById(b.id), b);
  });

  it('when a user changes the letter case of its own email, then it is allowed', async () => {
    const a = await repository.insert({ name: 'a', email: 'a@x.io' });
    const updated = await repository.updateById(a.id, { email: 'A@X.io' });
    assert.equal(updated?.email, 'A@X.io');
    assert.equal(updated?.version, 2);
  });

  it('when 10 updates race with the same expected version, then exactly one applies', async () => {
    const a = await repository.insert({ name: 'a', email: 'a@x.io' });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => repository.updateById(a.id, { name: `n${i}` }, { versions: [1] })));
    const applied = results.filter((r) => r !== null);
    assert.equal(applied.length, 1);
    const stored = await repository.findById(a.id);
    assert.equal(stored?.version, 2);
    assert.equal(stored?.name, applied[0]?.name);
  });

  it('when a delete expects another version, then nothing is deleted', async () => {
    const a = await repository.insert({ name: 'a', email: 'a@x.io' });
    assert.equal(await repository.deleteById(a.id, { versions: [2] }), false);
    assert.equal(await repository.deleteById(a.id, { versions: [1] }), true);
    assert.equal(await repository.findById(a.id), null);
  });

  it('when listing, then users come oldest first, after the given id, filtered by email and name prefix', async () => {
    const names = ['Alpha', 'alphabet', 'beta', 'a.b*c', 'a.x'];
    const users = [];
    for (const name of names) users.push(await repository.insert({ name, email: `${name.replace(/\W/g, '')}@x.io` }));
    assert.deepEqual(
      (await repository.list({ limit: 10 })).map((u) => u.name),
      names,
    );
    assert.deepEqual(
      (await repository.list({ limit: 2, afterId: users[0]?.id ?? '' })).map((u) => u.name),
      ['alphabet', 'beta'],
    );
    assert.deepEqual(
      (await repository.list({ limit: 10, namePrefix: 'ALPHA' })).map((u) => u.name),
      ['Alpha', 'alphabet'],
    );
    // Regular-expression syntax in a prefix is literal text.
    assert.deepEqual(
      (await repository.list({ limit: 10, namePrefix: 'a.b*' })).map((u) => u.name),
      ['a.b*c'],
    );
    assert.deepEqual(
      (await repository.list({ limit: 10, email: 'BETA@X.IO' })).map((u) => u.name),
      ['beta'],
    );
  });

  it('when text looks like a MongoDB operator, then it is stored and matched as plain text', async () => {
    const odd = await repository.insert({ name: '$where', email: '$ne@x.io' });
    assert.equal((await repository.findById(odd.id))?.name, '$where');
    assert.equal((await repository.updateByEmail('$NE@x.io', { name: '{"$gt":""}' }))?.name, '{"$gt":""}');
    assert.equal(await repository.deleteByEmail('$gt@x.io'), false);
    assert.equal(await repository.deleteByEmail('$ne@x.io'), true);
  });

  it('when an id is not an ObjectId, then nothing matches and nothing throws', async () => {
    assert.equal(await repository.findById('not-an-id'), null);
    assert.equal(await repository.updateById('not-an-id', { name: 'x' }), null);
    assert.equal(await repository.deleteById('not-an-id'), false);
  });

  it('when a value that is not a string slipped past validation, then no query is sent', async () => {
    await repository.insert({ name: 'a', email: 'a@x.io' });
    const operator = { $ne: null } as unknown as string;
    await assert.rejects(repository.deleteByEmail(operator), TypeError);
    await assert.rejects(repository.updateByEmail(operator, { name: 'x' }), TypeError);
    assert.equal(await connection.db.collection('users').countDocuments({ name: 'a' }), 1);
  });
});
