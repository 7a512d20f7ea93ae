/**
 * A rate-limit window: the `index`-th stretch of `windowMs` since the epoch, ending at `resetTime`.
 * Aligned to the epoch, not to a client's first request, so that every instance agrees, without
 * asking anyone, which window a request falls in and when it ends (clocks within a window's
 * jitter of each other: NTP keeps them within milliseconds).
 */
export type FixedWindow = { index: number; resetTime: Date };

export function fixedWindow(now: number, windowMs: number): FixedWindow {
  const index = Math.floor(now / windowMs);
  return { index, resetTime: new Date((index + 1) * windowMs) };
}
