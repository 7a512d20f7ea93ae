import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDatabase, type DatabaseConnection, type DatabaseOptions } from '../../src/data/mongo-connection.js';
import { DatabaseRateLimits } from '../../src/data/rate-limit-store.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { UsersService } from '../../src/domain/users-service.js';
import { createLogger } from '../../src/logger.js';

export type TestServer = {
  baseUrl: string;
  db: Db;
  repository: UsersRepository;
  close(): Promise<void>;
};

/** The database the test runner started (scripts/run-tests.ts) or the one the caller points at. */
export function testDatabaseUri(): string {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: run the tests with `npm test`, which starts a database.');
  return uri;
}

/** A database name of its own for one test file, so files can run in parallel, and its URI. */
export function testDatabaseTarget(label: string): { uri: string; dbName: string } {
  const dbName = `test_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  const uri = new URL(testDatabaseUri());
  uri.pathname = `/${dbName}`;
  return { uri: uri.toString(), dbName };
}

/** A fresh database of its own for one test file, connected. */
export async function connectTestDatabase(label: string, options: Partial<DatabaseOptions> = {}): Promise<DatabaseConnection> {
  return connectDatabase({ ...testDatabaseTarget(label), timeoutMs: 10_000, ...options });
}

/**
 * The application's settings for a test, read by the service's own configuration code from
 * these variables. Registrations are not rate-limited unless a test asks for it (the suites
 * register many users from one address).
 */
export function testAppConfig(env: Record<string, string> = {}) {
  return loadConfig({ MONGODB_URI: testDatabaseUri(), VALIDATE_RESPONSES: 'true', REGISTRATION_RATE_LIMIT: '1000000', ...env });
}

/**
 * The real application on a real HTTP port (0: a free one) over the real database, with
 * response validation on, so any response that breaks the contract fails the test that got it.
 * `env` sets more of the service's variables (e.g. API_TOKENS); by default it runs in local
 * mode (no tokens), as `npm start` does.
 */
export async function startTestServer(
  label: string,
  env: Record<string, string> = {},
  options: {
    logLines?: (line: string) => void;
    /**
     * A database to share with other servers (testDatabaseTarget), each on a connection of its own
     * as separate instances are; left in place by close(). Default: a fresh one, dropped by close().
     */
    database?: { uri: string; dbName: string };
  } = {},
): Promise<TestServer> {
  const shared = options.database;
  const connection = shared ? await connectDatabase({ ...shared, timeoutMs: 10_000 }) : await connectTestDatabase(label);
  const repository = new UsersRepository(connection);
  const logLines = options.logLines;
  const logger = logLines ? createLogger('trace', { write: logLines }) : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const config = testAppConfig(env);
  const rateLimitCounters = config.rateLimits.store === 'database' ? new DatabaseRateLimits(connection, logger) : undefined;
  await Promise.all([repository.prepare(), rateLimitCounters?.prepare()]);
  const app = createApp({
    users: new UsersService(repository),
    logger,
    config,
    database: connection,
    health: { ready: () => connection.ping(), stopping: () => false },
    ...(rateLimitCounters ? { rateLimitCounters } : {}),
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    db: connection.db,
    repository,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A database shared with other servers is the caller's to drop.
      if (!shared) await connection.db.dropDatabase();
      await connection.close();
    },
  };
}
