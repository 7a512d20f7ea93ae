import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { EVERY_USER, ownRecordOf } from '../../src/domain/access.js';
import { decodeCursor } from '../../src/domain/cursor.js';
import { emailKey } from '../../src/domain/email-address.js';
import { LEGACY_LIST_LIMIT, UsersService } from '../../src/domain/users-service.js';
import type { UserChanges, UserRecord, UsersStore, WriteCondition } from '../../src/domain/users-store.js';
import { AppError } from '../../src/errors/app-error.js';

/**
 * An in-memory store for the service's rules alone. The real repository and its database are
 * exercised by the integration tests; this fake only keeps records and versions.
 */
class MemoryStore implements UsersStore {
  records: UserRecord[] = [];
  private next = 0;

  async insert(user: { name: string; email: string }): Promise<UserRecord> {
    const id = (++this.next).toString(16).padStart(24, '0');
    const record = { id, ...user, createdAt: 't0', updatedAt: 't0', version: 1 };
    this.records.push(record);
    return record;
  }
  async findById(id: string) {
    return this.records.find((r) => r.id === id) ?? null;
  }
  async list(query: { afterId?: string; limit: number; email?: string }) {
    const email = query.email;
    return this.records
      .filter((r) => (query.afterId === undefined || r.id > query.afterId) && (email === undefined || emailKey(r.email) === emailKey(email)))
      .slice(0, query.limit);
  }
  private meets(record: UserRecord, condition: WriteCondition | undefined) {
    const email = condition?.email;
    return (!condition?.versions || condition.versions.includes(record.version)) && (email === undefined || emailKey(record.email) === emailKey(email));
  }
  async updateById(id: string, changes: UserChanges, condition?: WriteCondition) {
    const record = this.records.find((r) => r.id === id && this.meets(r, condition));
    if (!record) return null;
    Object.assign(record, changes, { version: record.version + 1 });
    return record;
  }
  async updateByEmail(email: string, changes: UserChanges) {
    const record = this.records.find((r) => r.email === email);
    return record ? this.updateById(record.id, changes) : null;
  }
  async deleteById(id: string, condition?: WriteCondition) {
    const before = this.records.length;
    this.records = this.records.filter((r) => !(r.id === id && this.meets(r, condition)));
    return this.records.length < before;
  }
  async deleteByEmail(email: string) {
    const record = this.records.find((r) => r.email === email);
    return record ? this.deleteById(record.id) : false;
  }
}

const rejectsWith = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

describe('UsersService', () => {
  let store: MemoryStore;
  let service: UsersService;
  beforeEach(() => {
    store = new MemoryStore();
    service = new UsersService(store);
  });

  it('when a user registers with a padded name, then the name is stored trimmed', async () => {
    const user = await service.register({ name: '  superman  ', email: 'super@gmail.com' });
    assert.equal(user.name, 'superman');
  });

  describe('list', () => {
    it('when more users exist than the limit, then a cursor leads to exactly the rest', async () => {
      for (let i = 0; i < 5; i++) await service.register({ name: `u${i}`, email: `u${i}@x.io` });
      const first = await service.list(EVERY_USER, { limit: 2 });
      assert.deepEqual(
        first.items.map((u) => u.name),
        ['u0', 'u1'],
      );
      assert.ok(first.nextCursor);
      assert.equal(decodeCursor(first.nextCursor), first.items[1]?.id);
      const second = await service.list(EVERY_USER, { limit: 2, cursor: first.nextCursor });
      const third = await service.list(EVERY_USER, { limit: 2, cursor: second.nextCursor ?? '' });
      assert.deepEqual(
        [...second.items, ...third.items].map((u) => u.name),
        ['u2', 'u3', 'u4'],
      );
      assert.equal(third.nextCursor, null);
    });

    it('when the users fill the last page exactly, then nextCursor is null', async () => {
      for (let i = 0; i < 2; i++) await service.register({ name: `u${i}`, email: `u${i}@x.io` });
      assert.equal((await service.list(EVERY_USER, { limit: 2 })).nextCursor, null);
    });

    it(`when the legacy list is asked for, then at most ${LEGACY_LIST_LIMIT} users come back`, async () => {
      for (let i = 0; i < LEGACY_LIST_LIMIT + 3; i++) await service.register({ name: `u${i}`, email: `u${i}@x.io` });
      assert.equal((await service.legacyList(EVERY_USER)).length, LEGACY_LIST_LIMIT);
    });
  });

  describe('update', () => {
    it('when the patch is empty, then nothing changes and the version stays', async () => {
      const user = await service.register({ name: 'a', email: 'a@x.io' });
      const same = await service.update(EVERY_USER, user.id, {});
      assert.equal(same.version, 1);
    });

    it('when the patch is empty and If-Match is stale, then PRECONDITION_FAILED', async () => {
      const user = await service.register({ name: 'a', email: 'a@x.io' });
      await assert.rejects(service.update(EVERY_USER, user.id, {}, { versions: [9] }), rejectsWith('PRECONDITION_FAILED'));
    });

    it('when If-Match is stale, then PRECONDITION_FAILED and nothing changes', async () => {
      const user = await service.register({ name: 'a', email: 'a@x.io' });
      await assert.rejects(service.update(EVERY_USER, user.id, { name: 'b' }, { versions: [2] }), rejectsWith('PRECONDITION_FAILED'));
      assert.equal((await service.get(EVERY_USER, user.id)).name, 'a');
    });

    it('when If-Match is current, then the change applies and the version grows', async () => {
      const user = await service.register({ name: 'a', email: 'a@x.io' });
      const updated = await service.update(EVERY_USER, user.id, { name: ' b ' }, { versions: [1] });
      assert.equal(updated.name, 'b');
      assert.equal(updated.version, 2);
    });

    it('when the user does not exist, then USER_NOT_FOUND even with If-Match', async () => {
      await assert.rejects(service.update(EVERY_USER, 'f'.repeat(24), { name: 'b' }, { versions: [1] }), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.update(EVERY_USER, 'f'.repeat(24), {}), rejectsWith('USER_NOT_FOUND'));
    });
  });

  describe('remove', () => {
    it('when If-Match is stale, then PRECONDITION_FAILED and the user stays', async () => {
      const user = await service.register({ name: 'a', email: 'a@x.io' });
      await assert.rejects(service.remove(EVERY_USER, user.id, { versions: [5] }), rejectsWith('PRECONDITION_FAILED'));
      assert.equal(store.records.length, 1);
    });

    it('when the user does not exist, then USER_NOT_FOUND', async () => {
      await assert.rejects(service.remove(EVERY_USER, 'f'.repeat(24)), rejectsWith('USER_NOT_FOUND'));
    });
  });

  describe('legacy routes', () => {
    it('when no user has the email, then update and delete say USER_NOT_FOUND', async () => {
      await assert.rejects(service.legacyUpdate(EVERY_USER, { query: { email: 'no@x.io' }, payload: { name: 'x' } }), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.legacyRemove(EVERY_USER, 'no@x.io'), rejectsWith('USER_NOT_FOUND'));
    });
  });

  describe('own record only (users:self)', () => {
    let own: UserRecord;
    let other: UserRecord;
    const mine = ownRecordOf('Rahim@Example.com');
    beforeEach(async () => {
      other = await service.register({ name: 'other', email: 'other@x.io' });
      own = await service.register({ name: 'rahim', email: 'rahim@example.com' });
    });

    it('when the caller reads its own record (its email in another letter case), then it gets it', async () => {
      assert.equal((await service.get(mine, own.id)).id, own.id);
    });

    it('when the caller reads, changes or deletes another user, then USER_NOT_FOUND and nothing changes', async () => {
      await assert.rejects(service.get(mine, other.id), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.update(mine, other.id, { name: 'taken over' }), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.update(mine, other.id, {}), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.update(mine, other.id, { name: 'x' }, { versions: [5] }), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.remove(mine, other.id), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.legacyUpdate(mine, { query: { email: 'other@x.io' }, payload: { name: 'x' } }), rejectsWith('USER_NOT_FOUND'));
      await assert.rejects(service.legacyRemove(mine, 'other@x.io'), rejectsWith('USER_NOT_FOUND'));
      assert.deepEqual(await service.get(EVERY_USER, other.id), { ...other, name: 'other', version: 1 });
    });

    it('when the caller lists users, then only its own record is listed, whatever the filter', async () => {
      assert.deepEqual(
        (await service.list(mine, { limit: 20 })).items.map((u) => u.id),
        [own.id],
      );
      assert.deepEqual(
        (await service.list(mine, { limit: 20, email: 'RAHIM@example.com' })).items.map((u) => u.id),
        [own.id],
      );
      assert.deepEqual((await service.list(mine, { limit: 20, email: 'other@x.io' })).items, []);
      assert.deepEqual(
        (await service.legacyList(mine)).map((u) => u.id),
        [own.id],
      );
      assert.deepEqual(await service.legacyList(mine, 'other@x.io'), []);
    });

    it('when the caller moves its own record to another email, then INSUFFICIENT_SCOPE (users:write) and nothing changes; the same address otherwise written is allowed', async () => {
      await assert.rejects(service.update(mine, own.id, { email: 'rahim@new.example' }), rejectsWith('INSUFFICIENT_SCOPE'));
      await assert.rejects(
        service.legacyUpdate(mine, { query: { email: own.email }, payload: { email: 'rahim@new.example' } }),
        rejectsWith('INSUFFICIENT_SCOPE'),
      );
      assert.equal((await store.findById(own.id))?.email, 'rahim@example.com');
      assert.equal((await service.update(mine, own.id, { email: 'RAHIM@example.com' })).email, 'RAHIM@example.com');
      assert.equal((await service.get(mine, own.id)).id, own.id);
    });

    it('when the caller changes its own record with a stale If-Match, then PRECONDITION_FAILED (the record is its own to know about)', async () => {
      await assert.rejects(service.update(mine, own.id, { name: 'x' }, { versions: [7] }), rejectsWith('PRECONDITION_FAILED'));
      await service.remove(mine, own.id, { versions: [1] });
      assert.equal(await store.findById(own.id), null);
    });

    it('when the token has no verified email, then the caller owns no record', async () => {
      const nobody = ownRecordOf(undefined);
      await assert.rejects(service.get(nobody, own.id), rejectsWith('USER_NOT_FOUND'));
      assert.deepEqual((await service.list(nobody, { limit: 20 })).items, []);
      await assert.rejects(service.update(nobody, own.id, { name: 'x' }), rejectsWith('USER_NOT_FOUND'));
      assert.equal((await store.findById(own.id))?.name, 'rahim');
    });
  });
});
