import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './logger.js';

/** What the supervisor of worker mode (WORKERS > 1) runs, and how long a shutdown may take. */
export type WorkersOptions = {
  count: number;
  logger: Logger;
  /** SHUTDOWN_GRACE_MS: each worker's own shutdown bound; the supervisor waits a little longer. */
  graceMs: number;
  /** process.exit, replaceable for tests. */
  exit?: (code: number) => void;
};

/** A worker that stopped sooner than this after it started is restarted later and later. */
const STEADY_AFTER_MS = 10_000;
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Worker mode's supervisor, in the process `npm run serve` started: it forks `count` workers (each
 * runs the whole service, on one database) that share the listening port through node:cluster,
 * which hands connections to them in turn. It never serves a request itself.
 *
 * - It says "Users API listening on …" once every worker listens (workers do not), so whoever
 *   waits for that line finds the whole service up.
 * - A worker that exits before it listens (a port in use, a refused local-mode address) stops the
 *   service with exit code 1: starting it again would only fail again.
 * - A worker that dies later is replaced; one that keeps dying soon after starting is replaced
 *   after a delay doubling up to 30 s, so a crash loop does not spin the machine.
 * - SIGTERM or SIGINT is passed to every worker, which shuts down gracefully on its own
 *   (src/shutdown.ts); the supervisor exits once all have, with 0 if all exited with 0. Workers
 *   still running a second after their grace period are killed, and the exit code is 1.
 */
export function superviseWorkers(options: WorkersOptions): void {
  const { count, logger, graceMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const running = new Set<Worker>();
  let listening = 0;
  let announced = false;
  let stopping = false;
  let failed = false;
  let restartDelay = FIRST_RESTART_DELAY_MS;

  const stop = (code: number) => {
    if (code !== 0) failed = true;
    if (stopping) return;
    stopping = true;
    for (const worker of running) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of running) worker.process.kill('SIGKILL');
      logger.error({ graceMs }, 'workers still running after the grace period were killed');
      exit(1);
    }, graceMs + 1000).unref();
    if (running.size === 0) exit(failed ? 1 : 0);
  };

  const fork = () => {
    const startedAt = Date.now();
    const worker = cluster.fork();
    let up = false;
    running.add(worker);
    worker.once('listening', (address) => {
      up = true;
      listening++;
      if (!announced && listening >= count) {
        announced = true;
        const host = address.address ?? '127.0.0.1';
        const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
        logger.info({ url, workers: count }, 'listening');
        process.stderr.write(`Users API listening on ${url} (${count} workers)\n`);
      }
    });
    worker.once('exit', (code, signal) => {
      running.delete(worker);
      if (up) listening--;
      if (stopping) {
        if (code !== 0) failed = true;
        if (running.size === 0) exit(failed ? 1 : 0);
        return;
      }
      if (!up) {
        logger.fatal({ worker: worker.id, code, signal }, 'a worker stopped before it listened: stopping the service');
        stop(1);
        return;
      }
      restartDelay = Date.now() - startedAt >= STEADY_AFTER_MS ? FIRST_RESTART_DELAY_MS : Math.min(MAX_RESTART_DELAY_MS, restartDelay * 2);
      logger.error({ worker: worker.id, code, signal, restartInMs: restartDelay }, 'a worker stopped unexpectedly: starting another');
      setTimeout(() => {
        if (!stopping) fork();
      }, restartDelay);
    });
  };

  logger.info({ workers: count }, 'worker mode: starting the workers');
  for (let i = 0; i < count; i++) fork();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down the workers');
    stop(0);
  };
  process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
}
