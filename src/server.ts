import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { Database } from './data/mongo-connection.js';
import { UsersRepository } from './data/users-repository.js';
import { UsersService } from './domain/users-service.js';
import { createLogger } from './logger.js';

// The process entry point: the only module that reads the environment, listens and handles
// signals. Everything it wires is built by createApp and the modules it imports.

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);

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
  database.connectInBackground(() => repository.ensureIndexes());

  const app = createApp({
    users: new UsersService(repository),
    logger,
    validateResponses: config.validateResponses,
    health: { ready: () => database.ping(), stopping: () => false },
  });
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve).once('error', reject);
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info({ url, database: database.db.databaseName }, 'listening');
  // A plain line for people and scripts (the test runner reads it to find a port-0 server).
  process.stderr.write(`Users API listening on ${url}\n`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    // Stop accepting connections, let in-flight requests finish, then close the database.
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      database
        .close()
        .then(() => {
          logger.info('stopped');
          process.exitCode = 0;
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'closing the database failed');
          process.exitCode = 1;
        });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown).on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Users API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
