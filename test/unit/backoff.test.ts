import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIRST_RETRY_DELAY_MS, retryDelayMs } from '../../src/data/backoff.js';

describe('reconnection backoff', () => {
  it('when attempts keep failing, then the pause doubles from 250 ms up to the cap (without jitter)', () => {
    const middle = () => 0.5; // no jitter
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 50].map((attempt) => retryDelayMs(attempt, 5000, middle)),
      [FIRST_RETRY_DELAY_MS, 500, 1000, 2000, 4000, 5000, 5000, 5000],
    );
  });

  it('when jitter applies, then the pause stays within ±20 % and never exceeds the cap', () => {
    for (const random of [0, 0.999999]) {
      assert.equal(
        retryDelayMs(1, 5000, () => random),
        random === 0 ? 200 : 300,
      );
      assert.ok(retryDelayMs(10, 5000, () => random) <= 5000);
    }
  });
});
