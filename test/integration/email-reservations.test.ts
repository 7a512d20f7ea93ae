import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ObjectId, type Collection } from 'mongodb';
import type { DatabaseConnection } from '../../src/data/mongo-connection.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { AppError } from '../../src/errors/app-error.js';
import { failNextWrite } from '../support/fail-once.js';
import { connectTestDatabase } from '../support/test-server.js';

// How an email reaches its user (a reservation in `emails`, keyed by the lower-cased email) and the
// repair rule when a failure falls between a reservation's write and its user's, on the real database.

const STALE_AFTER_MS = 400;
const emailTaken = (error: unknown) => error instanceof AppError && error.code === 'EMAIL_TAKEN';
const injected = (error: unknown) => error instanceof Error && /injected failure/.test(error.message);

describe('email reservations against the real database', () => {
  let connection: DatabaseConnection;
  let repository: UsersRepository;
  let users: Collection;
  let reservations: Collection<{ _id: string; userId: ObjectId; at: Date }>;

  before(async () => {
    connection = await connectTestDatabase('email_reservations');
    repository = new UsersRepository(connection, { staleReservationAfterMs: STALE_AFTER_MS });
    await repository.prepare();
    users = connection.db.collection('users');
    reservations = connection.db.collection('emails');
  });
  after(async () => {
    await connection.db.dropDatabase();
    await connection.close();
  });
  beforeEach(async () => {
    await users.deleteMany({});
    await reservations.deleteMany({});
  });

  /** Found through the email, as GET /user?email= and PATCH /user find a user. */
  const byEmail = async (email: string) => (await repository.list({ limit: 2, email })).map((u) => u.id);

  it('when a user registers, then the reservation of its lower-cased email points to it', async () => {
    const user = await repository.insert({ name: 'a', email: 'Reservation@X.io' });
    const reservation = await reservations.findOne({ _id: 'reservation@x.io' });
    assert.equal(reservation?.userId.toHexString(), user.id);
    assert.deepEqual(await byEmail('RESERVATION@x.IO'), [user.id]);
  });

  it('when a user changes its email, then the new email reaches it and the old one is free at once', async () => {
    const user = await repository.insert({ name: 'a', email: 'old@x.io' });
    await repository.updateById(user.id, { email: 'New@x.io' });
    assert.deepEqual(await byEmail('new@x.io'), [user.id]);
    assert.deepEqual(await byEmail('old@x.io'), []);
    assert.equal(await reservations.countDocuments({}), 1);
    const other = await repository.insert({ name: 'b', email: 'OLD@x.io' });
    assert.deepEqual(await byEmail('old@x.io'), [other.id]);
  });

  it('when a user is deleted, then its reservation goes too and the email can be registered again', async () => {
    const user = await repository.insert({ name: 'a', email: 'gone@x.io' });
    assert.equal(await repository.deleteByEmail('GONE@x.io'), true);
    assert.equal(await reservations.countDocuments({}), 0);
    const again = await repository.insert({ name: 'b', email: 'gone@x.io' });
    assert.notEqual(again.id, user.id);
  });

  it('when a registration fails between its reservation and its user, then the email finds nobody, is refused while the reservation is young, and is free once it is stale', async () => {
    failNextWrite('users', 'insertOne');
    await assert.rejects(repository.insert({ name: 'a', email: 'half@x.io' }), injected);
    assert.equal(await reservations.countDocuments({ _id: 'half@x.io' }), 1, 'the reservation was written');
    assert.equal(await users.countDocuments({}), 0, 'the user was not');
    assert.deepEqual(await byEmail('half@x.io'), []);
    assert.equal(await repository.updateByEmail('half@x.io', { name: 'x' }), null);
    assert.equal(await repository.deleteByEmail('half@x.io'), false);
    // Young: it may belong to a registration still in flight in another process.
    await assert.rejects(repository.insert({ name: 'b', email: 'half@x.io' }), emailTaken);
    await sleep(STALE_AFTER_MS + 50);
    const user = await repository.insert({ name: 'c', email: 'Half@x.io' });
    assert.deepEqual(await byEmail('half@x.io'), [user.id]);
    assert.equal(await users.countDocuments({}), 1);
  });

  it('when a delete fails between the user and its reservation, then the email finds nobody and can be registered again', async () => {
    const user = await repository.insert({ name: 'a', email: 'del@x.io' });
    await sleep(STALE_AFTER_MS + 50);
    failNextWrite('emails', 'deleteOne');
    await assert.rejects(repository.deleteById(user.id), injected);
    assert.equal(await repository.findById(user.id), null);
    assert.equal(await reservations.countDocuments({ _id: 'del@x.io' }), 1, 'a stale reservation is left');
    assert.deepEqual(await byEmail('del@x.io'), []);
    const again = await repository.insert({ name: 'b', email: 'del@x.io' });
    assert.deepEqual(await byEmail('del@x.io'), [again.id]);
  });

  it('when an email change fails after reserving the new email, then the user keeps the old one and the new one is free once stale', async () => {
    const user = await repository.insert({ name: 'a', email: 'keep@x.io' });
    failNextWrite('users', 'findOneAndUpdate');
    await assert.rejects(repository.updateById(user.id, { email: 'next@x.io' }), injected);
    assert.equal((await repository.findById(user.id))?.email, 'keep@x.io');
    assert.deepEqual(await byEmail('keep@x.io'), [user.id]);
    assert.deepEqual(await byEmail('next@x.io'), [], 'a reservation whose user has another email reaches nobody');
    await sleep(STALE_AFTER_MS + 50);
    const other = await repository.insert({ name: 'b', email: 'next@x.io' });
    assert.deepEqual(await byEmail('next@x.io'), [other.id]);
  });

  it("when an email change fails after the user's write, then the new email reaches the user and the old one is free once stale", async () => {
    const user = await repository.insert({ name: 'a', email: 'before@x.io' });
    failNextWrite('emails', 'deleteOne');
    await assert.rejects(repository.updateByEmail('before@x.io', { email: 'after@x.io' }), injected);
    assert.deepEqual(await byEmail('after@x.io'), [user.id]);
    assert.deepEqual(await byEmail('before@x.io'), []);
    await sleep(STALE_AFTER_MS + 50);
    const other = await repository.insert({ name: 'b', email: 'before@x.io' });
    assert.deepEqual(await byEmail('before@x.io'), [other.id]);
  });

  it('when a user has no reservation (written by an earlier version), then registering its email is refused and repairs the reservation', async () => {
    const _id = new ObjectId();
    const now = new Date();
    await users.insertOne({ _id, name: 'legacy', email: 'Legacy@x.io', emailKey: 'legacy@x.io', version: 1, createdAt: now, updatedAt: now });
    await assert.rejects(repository.insert({ name: 'b', email: 'legacy@x.io' }), emailTaken);
    assert.deepEqual(await byEmail('legacy@x.io'), [_id.toHexString()]);
    assert.equal(await users.countDocuments({}), 1);
  });

  it('when a reservation points to a user that lost the email to another (a race between processes), then a lookup finds the holder and repairs the reservation', async () => {
    const holder = await repository.insert({ name: 'holder', email: 'moved@x.io' });
    await reservations.replaceOne({ _id: 'moved@x.io' }, { userId: new ObjectId(), at: new Date() });
    assert.deepEqual(await byEmail('moved@x.io'), [holder.id]);
    assert.equal((await reservations.findOne({ _id: 'moved@x.io' }))?.userId.toHexString(), holder.id);
  });

  describe('when a database written by the previous version is prepared', () => {
    const legacyUsers = (count: number) =>
      Array.from({ length: count }, (_, i) => {
        const now = new Date();
        return { _id: new ObjectId(), name: `u${i}`, email: `Legacy${i}@X.io`, emailKey: `legacy${i}@x.io`, version: 1, createdAt: now, updatedAt: now };
      });

    it('then every user is reachable by email, and preparing again changes nothing', async () => {
      await connection.db.collection('migrations').deleteMany({});
      const docs = legacyUsers(1203);
      await users.insertMany(docs);
      await repository.prepare();
      assert.equal(await reservations.countDocuments({}), docs.length);
      for (const doc of [docs[0], docs[700], docs.at(-1)]) assert.deepEqual(await byEmail(doc?.email ?? ''), [doc?._id.toHexString()]);
      const before = await reservations.find({}).sort({ _id: 1 }).toArray();
      await repository.prepare();
      assert.deepEqual(await reservations.find({}).sort({ _id: 1 }).toArray(), before);
    });

    it('then a run interrupted half-way is completed, and a wrong reservation is corrected', async () => {
      await connection.db.collection('migrations').deleteMany({});
      const docs = legacyUsers(40);
      await users.insertMany(docs);
      // An earlier run wrote some reservations, one of them wrong, and stopped before its marker.
      await reservations.insertMany(docs.slice(0, 10).map((d) => ({ _id: d.emailKey, userId: d._id, at: new Date() })));
      await reservations.replaceOne({ _id: docs[3]?.emailKey ?? '' }, { userId: new ObjectId(), at: new Date() });
      await repository.prepare();
      assert.equal(await reservations.countDocuments({}), 40);
      for (const doc of docs) assert.deepEqual(await byEmail(doc.email), [doc._id.toHexString()]);
    });
  });
});
