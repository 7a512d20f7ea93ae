import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ObjectId, type Document } from 'mongodb';
import type { DatabaseConnection } from '../../src/data/mongo-connection.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { connectTestDatabase } from '../support/test-server.js';

// How the database answers the repository's queries, from its own explain(). MongoDB must serve
// a page (`_id` after a cursor, sorted by `_id`, limited) and an email's claim from the `_id`
// index, with no in-memory sort. FerretDB v1 (the embedded database) serves only the reservation
// lookup by `_id` in SQL; the page is read and sorted in full (docs/database.md states its cost), and
// if an upgrade starts pushing it down, this test says so.

describe('query plans on the database in use', () => {
  let connection: DatabaseConnection;
  let afterId: ObjectId;

  before(async () => {
    connection = await connectTestDatabase('query_plans');
    const repository = new UsersRepository(connection);
    await repository.prepare();
    const created = [];
    for (let i = 0; i < 30; i++) created.push(await repository.insert({ name: `u${i}`, email: `plan${i}@x.io` }));
    afterId = new ObjectId(created[10]?.id);
  });
  after(async () => {
    await connection.db.dropDatabase();
    await connection.close();
  });

  const page = () =>
    connection.db
      .collection('users')
      .find({ _id: { $gt: afterId } })
      .sort({ _id: 1 })
      .limit(21)
      .explain('queryPlanner');
  const claim = () => connection.db.collection<{ _id: string }>('emails').find({ _id: 'plan3@x.io' }).explain('queryPlanner');

  /** Every stage name in a MongoDB winning plan. */
  const stages = (plan: Document): string[] => {
    const winning = (plan.queryPlanner as Document | undefined)?.winningPlan as Document | undefined;
    const names: string[] = [];
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const stage = (node as Record<string, unknown>).stage;
      if (typeof stage === 'string') names.push(stage);
      for (const value of Object.values(node)) walk(value);
    };
    walk(winning?.queryPlan ?? winning);
    return names;
  };

  it('when a page of users is read, then MongoDB walks the _id index without sorting, and FerretDB reads the collection', async () => {
    const plan = await page();
    if (connection.engine === 'mongodb') {
      const names = stages(plan);
      assert.ok(
        names.some((s) => /IXSCAN/.test(s)),
        `stages: ${names.join(' > ')}`,
      );
      assert.ok(!names.includes('SORT') && !names.includes('COLLSCAN'), `stages: ${names.join(' > ')}`);
      assert.match(JSON.stringify(plan.queryPlanner), /"indexName":"_id_"|"keyPattern":\{"_id":1\}/);
    } else {
      assert.equal(plan.filterPushdown, false);
      assert.equal(plan.sortPushdown, false);
      assert.equal(plan.limitPushdown, false);
    }
  });

  it("when an email's claim is read, then MongoDB answers it from the _id index and FerretDB sends it to SQL as a lookup by _id", async () => {
    const plan = await claim();
    if (connection.engine === 'mongodb') {
      const names = stages(plan);
      assert.ok(
        names.some((s) => /IDHACK|IXSCAN/.test(s)),
        `stages: ${names.join(' > ')}`,
      );
      assert.ok(!names.includes('COLLSCAN'), `stages: ${names.join(' > ')}`);
    } else {
      // Pushed down to SQL as FerretDB's lookup by _id, the query the embedded database's own
      // index serves (test/integration/ferretdb-id-index.test.ts checks SQLite's plan for it on
      // the data file; FerretDB's pooled connections can report a plan that predates the index).
      assert.equal(plan.filterPushdown, true);
      assert.match(JSON.stringify(plan.queryPlanner), /emails_[0-9a-f]{8}/);
    }
  });
});
