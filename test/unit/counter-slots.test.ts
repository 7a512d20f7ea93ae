import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { CounterSlots, creditId, slotId, type SlotTable } from '../../src/data/counter-slots.js';
import { fixedWindow } from '../../src/data/fixed-windows.js';

/**
 * What FerretDB offers the counter, in memory: an insert refused when the id exists, decided
 * atomically, each call answered after a turn of the event loop so that processes interleave.
 * `calls` counts the round trips.
 */
function sharedTable() {
  const ids = new Set<string>();
  const calls = { insert: 0, has: 0 };
  const table: SlotTable = {
    async insert(id) {
      calls.insert++;
      await turn();
      if (ids.has(id)) return false;
      ids.add(id);
      return true;
    },
    async has(id) {
      calls.has++;
      await turn();
      return ids.has(id);
    },
  };
  return { table, ids, calls };
}

const BASE = 'auth-failure:42:';
const KEY = '2001:db8::/56';
const RESET = new Date(43_000);

describe('fixed windows', () => {
  it('when two instances ask at any two moments of one stretch of windowMs since the epoch, then they get the same window, ending at its end', () => {
    assert.deepEqual(fixedWindow(60_000, 60_000), { index: 1, resetTime: new Date(120_000) });
    assert.deepEqual(fixedWindow(119_999, 60_000), { index: 1, resetTime: new Date(120_000) });
  });

  it('when the window ends, then that very millisecond belongs to the next one', () => {
    assert.deepEqual(fixedWindow(120_000, 60_000), { index: 2, resetTime: new Date(180_000) });
  });
});

describe('counter slots (FerretDB: a count made of inserts)', () => {
  it('when 30 requests of one key arrive at once spread over three processes, limit 5, then exactly 5 are counted within it and only their 5 slots are written', async () => {
    const { table, ids } = sharedTable();
    const processes = [new CounterSlots(table), new CounterSlots(table), new CounterSlots(table)];
    const counts = await Promise.all(Array.from({ length: 30 }, (_, i) => processes[i % 3]!.hit(BASE, KEY, RESET, 5, false)));
    assert.equal(counts.filter((count) => count <= 5).length, 5);
    assert.deepEqual(counts.filter((count) => count <= 5).sort(), [1, 2, 3, 4, 5]);
    assert.ok(counts.every((count) => count >= 1));
    assert.deepEqual([...ids].sort(), [1, 2, 3, 4, 5].map((slot) => slotId(BASE, KEY, slot)).sort());
  });

  it('when nothing is ever given back and a process saw the limit reached, then it refuses without a database call', async () => {
    const { table, calls } = sharedTable();
    const slots = new CounterSlots(table);
    for (let i = 1; i <= 3; i++) assert.equal(await slots.hit(BASE, KEY, RESET, 3, false), i);
    assert.equal(slots.refusedAtOnce(BASE, KEY, 3, false), 4);
    assert.equal(slots.refusedAtOnce(BASE, KEY, 3, true), undefined, 'a count that may be given back must be looked at');
    assert.equal(slots.refusedAtOnce(BASE, 'another key', 3, false), undefined);
    const before = { ...calls };
    assert.equal(await slots.hit(BASE, KEY, RESET, 3, false), 4);
    assert.deepEqual(calls, before);
    slots.forgetEnded(RESET.getTime() - 1);
    assert.equal(slots.refusedAtOnce(BASE, KEY, 3, false), 4, 'the window has not ended: still known');
    slots.forgetEnded(RESET.getTime());
    assert.equal(slots.refusedAtOnce(BASE, KEY, 3, false), undefined, 'the window ended: forgotten');
  });

  it('when counts are given back in other processes, then each one makes room for one more request, and no more', async () => {
    const { table, ids } = sharedTable();
    const [a, b, c] = [new CounterSlots(table), new CounterSlots(table), new CounterSlots(table)];
    for (const slots of [a, b, c]) assert.ok((await slots.hit(BASE, KEY, RESET, 3, true)) <= 3);
    assert.equal(await a.hit(BASE, KEY, RESET, 3, true), 4, 'past the limit');
    await Promise.all([b.giveBack(BASE, KEY, RESET), c.giveBack(BASE, KEY, RESET)]);
    assert.deepEqual([...ids].filter((id) => id.includes(':c')).sort(), [creditId(BASE, KEY, 1), creditId(BASE, KEY, 2)].sort());
    const counts = await Promise.all([a, b, c, a, b, c].map((slots) => slots.hit(BASE, KEY, RESET, 3, true)));
    assert.equal(counts.filter((count) => count <= 3).length, 2, `counts ${counts.join(', ')}`);
    assert.equal(await c.count(BASE, KEY, RESET), 3);
    assert.equal(await new CounterSlots(table).count(BASE, KEY, RESET), 3, 'a process that knows nothing finds the same count');
  });

  it('when a refused request is counted, then it writes nothing: under a flood the slots stay at the limit', async () => {
    const { table, ids } = sharedTable();
    const [a, b] = [new CounterSlots(table), new CounterSlots(table)];
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).hit(BASE, KEY, RESET, 10, true)));
    assert.equal(ids.size, 10);
    assert.equal(await a.count(BASE, KEY, RESET), 10);
  });

  it('when more keys are seen than it may remember, then the oldest is forgotten, and its count is still exact from the database', async () => {
    const { table } = sharedTable();
    const slots = new CounterSlots(table, 2);
    for (let i = 1; i <= 3; i++) await slots.hit(BASE, 'first', RESET, 3, false);
    assert.equal(slots.refusedAtOnce(BASE, 'first', 3, false), 4, 'remembered while within the bound');
    await slots.hit(BASE, 'second', RESET, 3, false);
    await slots.hit(BASE, 'third', RESET, 3, false);
    assert.equal(slots.refusedAtOnce(BASE, 'first', 3, false), undefined, 'the oldest key was forgotten');
    assert.equal(slots.refusedAtOnce(BASE, 'third', 3, false), undefined, 'the newest is remembered, still under its limit');
    assert.equal(await slots.hit(BASE, 'first', RESET, 3, false), 4, 'learnt again from its slots: still past the limit');
  });
});
