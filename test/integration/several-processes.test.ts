import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connectDatabase, type DatabaseConnection } from '../../src/data/mongo-connection.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { AppError } from '../../src/errors/app-error.js';
import { delayNextWrite } from '../support/fail-once.js';
import { testDatabaseTarget } from '../support/test-server.js';

// The data layer of several service processes on one database, each with its own connection
// and its own in-process locks (what a second instance has), on the real database: the
// conditional writes must stay exact between them, not only within one process. The suite's
// multi-instance test checks the same through real processes behind a load balancer.

const PROCESSES = 3;
const WRITERS = 20;

describe('several processes on one database', () => {
  let connections: DatabaseConnection[];
  let repositories: UsersRepository[];

  before(async () => {
    const target = testDatabaseTarget('several_processes');
    connections = await Promise.all(Array.from({ length: PROCESSES }, () => connectDatabase({ ...target, timeoutMs: 10_000 })));
    repositories = connections.map((connection) => new UsersRepository(connection));
    await repositories[0]!.prepare();
  });
  after(async () => {
    await connections[0]?.db.dropDatabase();
    await Promise.all(connections.map((connection) => connection.close()));
  });

  const spread = <T>(count: number, run: (repository: UsersRepository, i: number) => Promise<T>) =>
    Promise.allSettled(Array.from({ length: count }, (_, i) => run(repositories[i % PROCESSES]!, i)));

  it(`when ${WRITERS} updates with the same If-Match run across the processes, then exactly one applies and the version counts it once`, async () => {
    const user = await repositories[0]!.insert({ name: 'contended', email: `contended.${Date.now()}@example.com` });
    const results = await spread(WRITERS, (repository, i) => repository.updateById(user.id, { name: `writer ${i}` }, { versions: [user.version] }));
    const applied = results.filter((result) => result.status === 'fulfilled' && result.value !== null);
    const refused = results.filter((result) => result.status === 'fulfilled' && result.value === null);
    assert.deepEqual(
      results.filter((result) => result.status === 'rejected').map((result) => String(result.reason)),
      [],
    );
    assert.equal(applied.length, 1, `${applied.length} of ${WRITERS} writes with If-Match "${user.version}" applied`);
    assert.equal(refused.length, WRITERS - 1);
    const stored = await repositories[1]!.findById(user.id);
    assert.equal(stored?.version, user.version + 1);
    assert.equal(stored?.name, (applied[0] as PromiseFulfilledResult<{ name: string }>).value.name);
  });

  it(`when ${WRITERS} unconditional updates run across the processes, then each one counts: the version rises by ${WRITERS}`, async () => {
    const user = await repositories[0]!.insert({ name: 'counted', email: `counted.${Date.now()}@example.com` });
    const results = await spread(WRITERS, (repository, i) => repository.updateById(user.id, { name: `writer ${i}` }));
    assert.deepEqual(
      results.map((result) => (result.status === 'fulfilled' ? (result.value === null ? 'null' : 'ok') : String(result.reason))),
      Array(WRITERS).fill('ok'),
    );
    const versions = results.map((result) => (result as PromiseFulfilledResult<{ version: number }>).value.version).sort((a, b) => a - b);
    assert.deepEqual(
      versions,
      Array.from({ length: WRITERS }, (_, i) => user.version + 1 + i),
      'every write got a version of its own',
    );
    assert.equal((await repositories[2]!.findById(user.id))?.version, user.version + WRITERS);
  });

  it('when a delete with If-Match races updates with the same If-Match across the processes, then exactly one of them applies', async () => {
    const user = await repositories[0]!.insert({ name: 'deleted', email: `deleted.${Date.now()}@example.com` });
    const results = await spread(WRITERS, async (repository, i): Promise<boolean> =>
      i === 0
        ? repository.deleteById(user.id, { versions: [user.version] })
        : (await repository.updateById(user.id, { name: `writer ${i}` }, { versions: [user.version] })) !== null,
    );
    const applied = results.filter((result) => result.status === 'fulfilled' && result.value);
    assert.equal(applied.length, 1, `${applied.length} of ${WRITERS} writes applied`);
  });

  // Claims are FerretDB's: on MongoDB the version is in the write's filter, and a claim left in
  // `transitions` changes nothing.
  const onFerretDb = () => connections[0]!.engine === 'ferretdb';

  it('when a writer died between its claim and its write, then once the claim is stale the next write steps over it and removes it', async () => {
    const user = await repositories[0]!.insert({ name: 'stranded', email: `stranded.${Date.now()}@example.com` });
    const transitions = connections[0]!.db.collection<{ _id: string; at: Date }>('transitions');
    const stranded = `user:${user.id}:${user.version + 1}`;
    // Older than the grace period (twice the call bound of these connections: 20 s).
    await transitions.insertOne({ _id: stranded, at: new Date(Date.now() - 60_000) });
    const updated = await repositories[1]!.updateById(user.id, { name: 'moved on' }, { versions: [user.version] });
    if (onFerretDb()) {
      assert.equal(updated?.version, user.version + 2, 'the version skips the stranded one');
      assert.equal(await transitions.countDocuments({ _id: stranded }), 0, 'the stranded claim is gone');
    } else {
      assert.equal(updated?.version, user.version + 1);
    }
  });

  it('when another writer holds a fresh claim, then a write waits for it and, if it never completes, answers 503 within the bound', async () => {
    const target = testDatabaseTarget('several_processes_fresh');
    const quick = await connectDatabase({ ...target, timeoutMs: 300 });
    try {
      const repository = new UsersRepository(quick);
      await repository.prepare();
      const user = await repository.insert({ name: 'held', email: `held.${Date.now()}@example.com` });
      await quick.db.collection<{ _id: string; at: Date }>('transitions').insertOne({ _id: `user:${user.id}:${user.version + 1}`, at: new Date() });
      if (!onFerretDb()) {
        assert.equal((await repository.updateById(user.id, { name: 'not blocked' }))?.version, user.version + 1);
        return;
      }
      const started = Date.now();
      await assert.rejects(
        repository.updateById(user.id, { name: 'blocked' }),
        (error: unknown) => error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE',
      );
      assert.ok(Date.now() - started < 2_000, `answered after ${Date.now() - started} ms`);
      // Once the bound has passed nothing behind the answer writes either.
      await sleep(400);
      assert.equal((await repository.findById(user.id))?.name, 'held', 'nothing was written');
    } finally {
      await quick.db.dropDatabase();
      await quick.close();
    }
  });

  it('when a write has moved a user on, then its claim stays only until the sweep removes it, once stale', async () => {
    const target = testDatabaseTarget('several_processes_sweep');
    // A call bound of 150 ms: claims are stale after 300 ms, and swept every 300 ms.
    const quick = await connectDatabase({ ...target, timeoutMs: 150 });
    try {
      const repository = new UsersRepository(quick);
      await repository.prepare();
      const user = await repository.insert({ name: 'swept', email: `swept.${Date.now()}@example.com` });
      const updated = await repository.updateById(user.id, { name: 'moved on' });
      const claims = quick.db.collection<{ _id: string; at: Date }>('transitions');
      const claim = `user:${user.id}:${user.version + 1}`;
      if (!onFerretDb()) {
        assert.equal(updated?.version, user.version + 1);
        assert.equal(await claims.countDocuments({ _id: claim }), 0, 'MongoDB claims nothing');
        return;
      }
      assert.equal(await claims.countDocuments({ _id: claim }), 1, 'the claim is left for the sweep, not removed by the write');
      assert.equal((await repository.updateById(user.id, { name: 'and on' }))?.version, user.version + 2, 'a claim left behind keeps no later write out');
      const deadline = Date.now() + 5_000;
      while ((await claims.countDocuments({})) > 0 && Date.now() < deadline) await sleep(100);
      assert.equal(await claims.countDocuments({}), 0, 'the sweep removed the stale claims');
    } finally {
      await quick.db.dropDatabase();
      await quick.close();
    }
  });

  it('when users move between a few emails in every process at once, then every email reaches exactly the user that has it', async () => {
    // Reservations go stale at once here, so that takeovers race the releases of other processes.
    const eager = connections.map((connection) => new UsersRepository(connection, { staleReservationAfterMs: 1 }));
    const stamp = Date.now();
    const pool = Array.from({ length: 6 }, (_, i) => `pool.${i}.${stamp}@example.com`);
    const movers = await Promise.all(pool.slice(0, 4).map((email, i) => eager[0]!.insert({ name: `mover ${i}`, email })));
    for (let round = 0; round < 5; round++) {
      await Promise.allSettled(
        Array.from({ length: 24 }, (_, i) => eager[i % PROCESSES]!.updateById(movers[i % movers.length]!.id, { email: pool[(i * 7 + round) % pool.length]! })),
      );
    }
    for (const mover of movers) {
      const now = await eager[0]!.findById(mover.id);
      assert.ok(now);
      assert.deepEqual(
        (await eager[1]!.list({ limit: 2, email: now.email })).map((user) => user.id),
        [mover.id],
        `${now.email} reaches its user`,
      );
    }
    const held = new Set(await Promise.all(movers.map(async (mover) => (await eager[0]!.findById(mover.id))!.email)));
    for (const email of pool.filter((email) => !held.has(email))) {
      assert.deepEqual(await eager[2]!.list({ limit: 2, email }), [], `${email} is free`);
    }
  });

  it('when a user moves off an email and, through another process, back onto it while the first is still letting it go, then the email reaches the user', async () => {
    const stamp = Date.now();
    const [home, away] = [`home.${stamp}@example.com`, `away.${stamp}@example.com`];
    const user = await repositories[0]!.insert({ name: 'returner', email: home });
    // The first process's removal of the reservation of home is held up on its way to the
    // database; meanwhile the second process moves the user back to home.
    const held = delayNextWrite('emails', 'deleteOne', 200);
    const leaving = repositories[0]!.updateById(user.id, { email: away });
    await held.reached;
    const back = await repositories[1]!.updateById(user.id, { email: home });
    assert.equal((await leaving)?.email, away);
    held.restore();
    assert.equal(back?.email, home);
    assert.deepEqual(
      (await repositories[2]!.list({ limit: 2, email: home })).map((found) => found.id),
      [user.id],
      `${home} reaches its user`,
    );
    assert.deepEqual(await repositories[2]!.list({ limit: 2, email: away }), [], `${away} is free`);
  });

  it('when one process lets an email go while another takes its reservation over, then the email still reaches whoever has it', async () => {
    const eager = connections.map((connection) => new UsersRepository(connection, { staleReservationAfterMs: 1 }));
    const stamp = Date.now();
    const [old, next] = [`let.go.${stamp}@example.com`, `moved.to.${stamp}@example.com`];
    const mover = await eager[0]!.insert({ name: 'mover', email: old });
    await sleep(5); // its reservation is now stale, as far as a takeover is concerned
    // The first process's removal of the old email's reservation is held up on its way to the
    // database; meanwhile the second process registers the old email.
    const held = delayNextWrite('emails', 'deleteOne', 300);
    const moving = eager[0]!.updateById(mover.id, { email: next });
    await held.reached;
    const registering = eager[1]!.insert({ name: 'newcomer', email: old }).then(
      (user) => user.id,
      (error: unknown) => (error instanceof AppError ? error.code : String(error)),
    );
    const [moved, registered] = await Promise.all([moving, registering]);
    held.restore();
    assert.equal(moved?.email, next);
    const holder = registered === 'EMAIL_TAKEN' ? [] : [registered];
    assert.deepEqual(
      (await eager[2]!.list({ limit: 2, email: old })).map((user) => user.id),
      holder,
      `${old} reaches ${holder.length ? 'the newcomer' : 'nobody'}`,
    );
    assert.deepEqual(
      (await eager[2]!.list({ limit: 2, email: next })).map((user) => user.id),
      [mover.id],
    );
  });

  it('when the same email is registered in every process at once, then exactly one registration succeeds and the rest are EMAIL_TAKEN', async () => {
    const email = `one.email.${Date.now()}@example.com`;
    const results = await spread(50, (repository, i) => repository.insert({ name: `registrant ${i}`, email: i % 2 ? email.toUpperCase() : email }));
    const created = results.filter((result) => result.status === 'fulfilled');
    const taken = results.filter((result) => result.status === 'rejected' && result.reason instanceof AppError && result.reason.code === 'EMAIL_TAKEN');
    assert.equal(created.length, 1);
    assert.equal(taken.length, 49);
  });
});
