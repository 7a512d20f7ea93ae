import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { enableCompileCache, loadServerModules } from './server-modules.js';

// The process entry point: the only module that reads the environment, listens and handles
// signals. Everything it wires is built by createApp and the modules it imports.

// Compiled code from the build (or an earlier start) is reused: see server-modules.ts.
enableCompileCache();
const { asksForTokens, ConfigError, loadConfig, protectedListenAddress } = await import('./config.js');

async function main(): Promise<void> {
  const config = loadConfig();
  // In protected mode a name is resolved before anything starts, and refused unless it names
  // loopback only; the server then listens on the address that was checked.
  const listenHost = asksForTokens(config) ? config.host : await protectedListenAddress(config.host);
  // Traces only when a collector is configured: set up before the server's modules load, so that
  // the instrumentations see express and the driver load; otherwise no OpenTelemetry module loads.
  const tracing = config.otlpEndpoint
    ? (await import('./telemetry/tracing.js')).startTracing({ endpoint: config.otlpEndpoint, serviceName: config.otelServiceName })
    : undefined;
  const [{ createApp }, , { Database }, { UsersRepository }, { UsersService }, { createLogger }] = await loadServerModules();
  const logger = createLogger(config.logLevel);
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
  database.connectInBackground(() => repository.prepare());

  if (!asksForTokens(config)) {
    const warning = 'PROTECTED MODE: neither API_TOKENS nor a JWT provider (JWT_*) is set, so no operation asks for a token. Listening on loopback only, and answering only requests addressed to it (Host 127.0.0.1, localhost or [::1], with the port); set API_TOKENS or JWT_* to require tokens (and to listen on other addresses).';
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
    ...(tracing ? { traceId: tracing.traceId } : {}),
  });
  const server = app.listen(config.port, listenHost);
  // Graceful shutdown, all within SHUTDOWN_GRACE_MS: readiness turns 503 at once, the listening
  // socket closes (new connections are refused), idle keep-alive connections close, requests in
  // flight finish (their responses say `Connection: close`); then the database client closes and
  // the process exits with 0. Connections still busy when the grace period is nearly over are
  // cut, leaving the database client (and the tracer) a moment to close.
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const startedAt = Date.now();
    const graceMs = config.shutdownGraceMs;
    const closeBudgetMs = Math.min(1000, Math.floor(graceMs / 4));
    logger.info({ signal, graceMs }, 'shutting down');

    setTimeout(() => {
      logger.error({ graceMs }, 'shutdown did not finish within the grace period');
      process.exit(1);
    }, graceMs).unref();
    const cut = setTimeout(() => {
      logger.warn({ afterMs: Date.now() - startedAt }, 'grace period nearly over: cutting the connections still open');
      server.closeAllConnections();
    }, graceMs - closeBudgetMs);

    server.close(() => {
      clearTimeout(cut);
      const budget = Math.max(1, startedAt + graceMs - closeBudgetMs / 2 - Date.now());
      // The spans of the last requests are sent meanwhile (the tracer's shutdown flushes them).
      const closed = Promise.all([database.close(), tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'sending the last spans failed'))]);
      Promise.race([closed.then(() => 'closed' as const), sleep(budget, 'timeout' as const)])
        .then((outcome) => {
          if (outcome === 'timeout') logger.warn({ budgetMs: budget }, 'the database client (or the tracer) did not close in time');
          logger.info({ durationMs: Date.now() - startedAt }, 'stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'closing the database failed');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  // Before the service says it listens: whoever reads that line may stop it at once.
  process.on('SIGTERM', shutdown).on('SIGINT', shutdown);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info({ url, database: database.db.databaseName }, 'listening');
  // A plain line for people and scripts (the test runner reads it to find a port-0 server).
  process.stderr.write(`Users API listening on ${url}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Users API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
