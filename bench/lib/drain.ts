// Between workloads: wait until the server and its database have finished the previous one's
// work (writes acknowledged late, garbage collection, SQLite checkpoints), so that no workload
// pays for the one before it.
import { setTimeout as delay } from 'node:timers/promises';
import { cpuTicks, TICKS_PER_SECOND } from './proc-stats.js';

const POLL_MS = 100;
const IDLE_MS = 300;
/** Below this share of one core over IDLE_MS the processes count as idle (timers, heartbeats). */
const IDLE_SHARE = 0.05;

/**
 * Resolves once the processes (and their descendants) used less than 5 % of a core over 300 ms,
 * or after `maxMs` (then false: the caller says so and carries on).
 */
export async function waitUntilIdle(pids: readonly number[], maxMs = 30_000): Promise<boolean> {
  const budget = Math.max(1, Math.floor((IDLE_MS / 1000) * TICKS_PER_SECOND * IDLE_SHARE));
  const window = IDLE_MS / POLL_MS;
  const samples = [cpuTicks(pids)];
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    await delay(POLL_MS);
    samples.push(cpuTicks(pids));
    if (samples.length > window) {
      const oldest = samples[samples.length - 1 - window] ?? 0;
      const newest = samples[samples.length - 1] ?? 0;
      if (newest - oldest <= budget) return true;
    }
  }
  return false;
}
