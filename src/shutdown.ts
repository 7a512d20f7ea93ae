import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';

/** What a graceful shutdown stops, and how long it may take. */
export type ShutdownOptions = {
  server: Server;
  logger: Logger;
  /** SHUTDOWN_GRACE_MS: everything happens within it, or the process exits with 1. */
  graceMs: number;
  /**
   * SHUTDOWN_DRAIN_MS (0 by default): how long, within `graceMs`, requests are still accepted
   * after readiness turned 503, before the listening socket closes.
   */
  drainMs?: number;
  /** Called once, first: readiness turns 503 from then on. */
  onStopping(): void;
  /** What closes after the last connection: the database client, the tracer. */
  close(): Promise<unknown>;
  /** process.exit, replaceable for tests. */
  exit?: (code: number) => void;
};

/**
 * The signal handler of a graceful shutdown, all within `graceMs`: readiness turns 503 at once;
 * for `drainMs` new connections and requests are still served (every response says
 * `Connection: close`), so that a load balancer that sends traffic here until its next health
 * check meets no refused connection and no keep-alive connection closed under it. Then the
 * listening socket closes (new connections are refused), idle keep-alive connections close,
 * requests in flight finish; then `close()` runs and the process exits with 0. Connections still
 * busy when the grace period is nearly over are cut, leaving `close()` a moment. A second signal
 * changes nothing.
 */
export function gracefulShutdown(options: ShutdownOptions): (signal: NodeJS.Signals) => void {
  const { server, logger, graceMs } = options;
  const drainMs = options.drainMs ?? 0;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  return (signal) => {
    if (stopping) return;
    stopping = true;
    options.onStopping();
    const startedAt = Date.now();
    const closeBudgetMs = Math.min(1000, Math.floor(graceMs / 4));
    logger.info({ signal, graceMs, drainMs }, 'shutting down');

    setTimeout(() => {
      logger.error({ graceMs }, 'shutdown did not finish within the grace period');
      exit(1);
    }, graceMs).unref();
    const cut = setTimeout(() => {
      logger.warn({ afterMs: Date.now() - startedAt }, 'grace period nearly over: cutting the connections still open');
      server.closeAllConnections();
    }, graceMs - closeBudgetMs);

    const stopListening = () => {
      if (drainMs > 0) logger.info({ drainMs }, 'drain over: closing the listening socket');
      server.close(closed);
      server.closeIdleConnections();
    };
    const closed = () => {
      clearTimeout(cut);
      const budget = Math.max(1, startedAt + graceMs - closeBudgetMs / 2 - Date.now());
      Promise.race([options.close().then(() => 'closed' as const), sleep(budget, 'timeout' as const)])
        .then((outcome) => {
          if (outcome === 'timeout') logger.warn({ budgetMs: budget }, 'the database client (or the tracer) did not close in time');
          logger.info({ durationMs: Date.now() - startedAt }, 'stopped');
          exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'closing the database failed');
          exit(1);
        });
    };
    // Idle keep-alive connections stay open while draining too: closing one as the balancer sends
    // a request on it would fail that request. Each closes after its next response instead.
    if (drainMs > 0) setTimeout(stopListening, drainMs);
    else stopListening();
  };
}
