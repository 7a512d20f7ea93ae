// One load run with autocannon's programmatic API: a fixed number of connections for a fixed
// time (or until a request budget is spent), every response's status and latency recorded.
import autocannon from 'autocannon';
import type { LoadPlan } from './workloads.js';

export type Latency = { p50: number; p90: number; p99: number; max: number; mean: number };

export type LoadResult = {
  /** Responses received (any status). */
  requests: number;
  durationSec: number;
  /** Responses per second. */
  rps: number;
  /** Milliseconds, over every response. */
  latencyMs: Latency;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** Connection errors and timeouts (requests that got no response at all). */
  errors: number;
  timeouts: number;
};

/** Autocannon's per-request timeout, in seconds: a request slower than this counts as an error. */
const REQUEST_TIMEOUT_SEC = 10;

function percentile(sorted: Float64Array, share: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

export function summarise(latencies: readonly number[]): Latency {
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((total, value) => total + value, 0);
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] ?? 0),
    mean: latencies.length === 0 ? 0 : sum / latencies.length,
  };
}

export function runLoad(options: {
  baseUrl: string;
  headers: Record<string, string>;
  plan: LoadPlan;
  connections: number;
  durationSec: number;
}): Promise<LoadResult> {
  const { plan } = options;
  // autocannon refuses fewer requests than connections.
  const connections = plan.maxRequests === undefined ? options.connections : Math.max(1, Math.min(options.connections, plan.maxRequests));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const instance = autocannon(
      {
        url: options.baseUrl,
        connections,
        headers: options.headers,
        requests: plan.requests,
        timeout: REQUEST_TIMEOUT_SEC,
        // With a budget autocannon ignores the duration; the timer below stops it instead.
        ...(plan.maxRequests === undefined ? { duration: options.durationSec } : { amount: plan.maxRequests }),
        // Its stop check runs once per sample: finer samples end a run on time.
        sampleInt: 100,
      },
      (error: unknown, result) => {
        clearTimeout(timer);
        if (error) {
          reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
          return;
        }
        const durationSec = Math.max(result.duration, 0.001);
        resolve({
          requests: latencies.length,
          durationSec,
          rps: latencies.length / durationSec,
          latencyMs: summarise(latencies),
          statuses,
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
    if (plan.maxRequests !== undefined) timer = setTimeout(() => instance.stop(), options.durationSec * 1000);
  });
}
