import { setTimeout as sleep } from 'node:timers/promises';

// The database-backed rate limits count in windows aligned to the epoch (src/data/fixed-windows.ts),
// so a test that counts to a limit must not straddle two windows.

/** Waits, if need be, for a window of `windowMs` with at least `needMs` left. */
export async function windowWithTimeLeft(windowMs: number, needMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await sleep(left + 10);
}
