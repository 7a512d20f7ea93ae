import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteGate } from '../../src/data/write-gate.js';

describe('the write gate', () => {
  it('when more writes come than it lets through, then at most that many run at once, and the others run in the order they came', async () => {
    const gate = new WriteGate(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const write = (n: number) =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(n);
        running--;
        return n;
      });
    assert.deepEqual(await Promise.all([1, 2, 3, 4, 5, 6].map(write)), [1, 2, 3, 4, 5, 6]);
    assert.equal(most, 2);
    assert.deepEqual(order, [1, 2, 3, 4, 5, 6]);
  });

  it('when a write fails, then its error reaches its caller and the next write still runs', async () => {
    const gate = new WriteGate(1);
    const failing = gate.run(() => Promise.reject(new Error('refused')));
    const next = gate.run(async () => 'done');
    await assert.rejects(failing, /refused/);
    assert.equal(await next, 'done');
  });
});
