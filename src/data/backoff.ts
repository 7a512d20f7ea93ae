/** The pause before the first retry; each further failed attempt doubles it, up to the cap. */
export const FIRST_RETRY_DELAY_MS = 250;

/**
 * How long to wait after failed attempt number `attempt` (1, 2, …) before the next one:
 * exponential from FIRST_RETRY_DELAY_MS, with ±20 % jitter (so that several instances do not
 * reconnect in step after a database restart), never more than `maxMs`.
 */
export function retryDelayMs(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const base = Math.min(maxMs, FIRST_RETRY_DELAY_MS * 2 ** exponent);
  return Math.round(Math.min(maxMs, base * (0.8 + 0.4 * random())));
}
