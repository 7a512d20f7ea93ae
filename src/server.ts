import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { enableCompileCache, loadServerModules } from './server-modules.js';
import { gracefulShutdown } from './shutdown.js';

// The process entry point: the only module that reads the environment, listens and handles
// signals. Everything it wires is built by createApp and the modules it imports.

// Compiled code from the build (or an earlier start) is reused: see server-modules.ts.
enableCompileCache();
const { asksForTokens, ConfigError, loadConfig, localModeListenAddress } = await import('./config.js');

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.workers > 1 && cluster.isPrimary) {
    // Worker mode: this process only supervises; each worker runs everything below.
    const [{ superviseWorkers }, { createLogger }] = await Promise.all([import('./workers.js'), import('./logger.js')]);
    const logger = createLogger(config.logLevel).child({ component: 'supervisor' });
    // Not refused: one machine's operator may accept it, but should know.
    if (config.rateLimits.store === 'memory')
      logger.warn(
        { workers: config.workers },
        'RATE_LIMIT_STORE=memory: each worker counts the rate limits on its own, so a client may make WORKERS times each limit',
      );
    superviseWorkers({ count: config.workers, logger, graceMs: config.shutdownGraceMs });
    return;
  }
  // In local mode a name is resolved before anything starts, and refused unless it names
  // loopback only; the server then listens on the address that was checked.
  const listenHost = asksForTokens(config) ? config.host : await localModeListenAddress(config.host);
  // Traces only when a collector is configured: set up before the server's modules load, so that
  // the instrumentations see express and the driver load; otherwise no OpenTelemetry module loads.
  const tracing = config.otlpEndpoint
    ? (await import('./telemetry/tracing.js')).startTracing({ endpoint: config.otlpEndpoint, serviceName: config.otelServiceName })
    : undefined;
  const [{ createApp }, , { Database }, { UsersRepository }, { UsersService }, { createLogger }] = await loadServerModules();
  const logger = cluster.isWorker ? createLogger(config.logLevel).child({ worker: cluster.worker?.id, pid: process.pid }) : createLogger(config.logLevel);
  if (tracing) logger.info({ endpoint: config.otlpEndpoint, serviceName: config.otelServiceName }, 'tracing: sending spans by OTLP');

  // The database is connected in the background, retried with backoff until it answers (then the
  // indexes are created): the service listens even while it is down, answering /healthz, 503 on
  // /readyz and on every operation that needs the database.
  const database = new Database({
    uri: config.mongodbUri,
    dbName: config.mongodbDb,
    timeoutMs: config.dbTimeoutMs,
    retryMaxMs: config.dbRetryMaxMs,
    logger: logger.child({ component: 'database' }),
  });
  const repository = new UsersRepository(database);
  // RATE_LIMIT_STORE=database: the limits count in the database, one count for every instance.
  const rateLimitCounters =
    config.rateLimits.store === 'database'
      ? new (await import('./data/rate-limit-store.js')).DatabaseRateLimits(database, logger.child({ component: 'rate-limits' }))
      : undefined;
  database.connectInBackground(async () => {
    await Promise.all([repository.prepare(), rateLimitCounters?.prepare()]);
  });

  if (!asksForTokens(config)) {
    const warning =
      'LOCAL MODE: neither API_TOKENS nor a JWT provider (JWT_*) is set, so no operation asks for a token. Listening on loopback only, and answering only requests addressed to it (Host 127.0.0.1, localhost or [::1], with the port); set API_TOKENS or JWT_* to require tokens (and to listen on other addresses).';
    logger.warn(warning);
    process.stderr.write(`\n*** ${warning}\n\n`);
  }
  let stopping = false;
  const app = createApp({
    users: new UsersService(repository),
    logger,
    config,
    health: { ready: () => database.ping(), stopping: () => stopping },
    database,
    ...(rateLimitCounters ? { rateLimitCounters } : {}),
    ...(tracing ? { traceId: tracing.traceId } : {}),
  });
  const server = app.listen(config.port, listenHost);
  const shutdown = gracefulShutdown({
    server,
    logger,
    graceMs: config.shutdownGraceMs,
    drainMs: config.shutdownDrainMs,
    onStopping: () => (stopping = true),
    // The spans of the last requests are sent meanwhile (the tracer's shutdown flushes them).
    close: () => Promise.all([database.close(), tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'sending the last spans failed'))]),
  });
  // Before the service says it listens: whoever reads that line may stop it at once.
  process.on('SIGTERM', shutdown).on('SIGINT', shutdown);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info({ url, database: database.db.databaseName }, 'listening');
  // A plain line for people and scripts (the test runner reads it to find a port-0 server); in
  // worker mode the supervisor writes it once every worker listens.
  if (!cluster.isWorker) process.stderr.write(`Users API listening on ${url}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Users API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
