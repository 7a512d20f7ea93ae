import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedReads } from '../../src/data/shared-reads.js';

/** A read whose answer the test releases, recording when it started. */
function controlledReads() {
  const started: { answer: (value: number) => void; fail: (error: Error) => void }[] = [];
  const read = () =>
    new Promise<number>((resolve, reject) => {
      started.push({ answer: resolve, fail: reject });
    });
  return { started, read };
}

describe('shared reads', () => {
  it('when identical reads come while one runs, then they share one read queued after it, never the running one', async () => {
    const reads = new SharedReads<number>();
    const { started, read } = controlledReads();
    const first = reads.run('page', read);
    const later = [reads.run('page', read), reads.run('page', read), reads.run('page', read)];
    assert.equal(started.length, 1, 'the others wait for the running read to end');
    started[0]?.answer(1);
    assert.equal(await first, 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(started.length, 2, 'one read for all three');
    started[1]?.answer(2);
    assert.deepEqual(await Promise.all(later), [2, 2, 2]);
    assert.equal(reads.size, 0);
  });

  it('when different keys are read, then each has its own read', async () => {
    const reads = new SharedReads<number>();
    const { started, read } = controlledReads();
    const a = reads.run('a', read);
    const b = reads.run('b', read);
    assert.equal(started.length, 2);
    started[0]?.answer(1);
    started[1]?.answer(2);
    assert.deepEqual(await Promise.all([a, b]), [1, 2]);
  });

  it('when the running read fails, then its callers get the error and the queued read still runs', async () => {
    const reads = new SharedReads<number>();
    const { started, read } = controlledReads();
    const first = reads.run('page', read);
    const second = reads.run('page', read);
    started[0]?.fail(new Error('database gone'));
    await assert.rejects(first, /database gone/);
    await new Promise((resolve) => setImmediate(resolve));
    started[1]?.answer(7);
    assert.equal(await second, 7);
    assert.equal(reads.size, 0);
  });
});
