import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { UsersService } from '../../src/domain/users-service.js';
import { createLogger } from '../../src/logger.js';
import { request } from '../support/http.js';
import { connectTestDatabase, testAppConfig } from '../support/test-server.js';
import type { DatabaseConnection } from '../../src/data/mongo-connection.js';
import type { Server } from 'node:http';

/**
 * A real server whose database client has been closed under it: every database call now fails
 * inside the driver, which is the fault a 500 exists for.
 */
describe('when the database fails inside a request', () => {
  let connection: DatabaseConnection;
  let server: Server;
  let baseUrl = '';
  const logged: string[] = [];

  before(async () => {
    connection = await connectTestDatabase('faults');
    const repository = new UsersRepository(connection);
    await repository.prepare();
    // Capture the log lines instead of printing them, to check where the details went.
    const logger = createLogger('error', { write: (line: string) => logged.push(line) });
    const app = createApp({
      users: new UsersService(repository),
      logger,
      config: testAppConfig(),
      database: connection,
      health: { ready: () => connection.ping(), stopping: () => false },
    });
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await connection.db.dropDatabase();
    await connection.close();
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('then the client gets 500 problem+json that discloses nothing, and the log has the cause', async () => {
    const reply = await request(baseUrl, 'POST', '/users', { json: { name: 'x', email: 'fault@example.com' } });
    assert.equal(reply.status, 500);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.deepEqual(reply.body, {
      type: '/problems/internal-error',
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred.',
      instance: '/users',
      code: 'INTERNAL_ERROR',
    });
    const lines = logged.map((text) => JSON.parse(text) as { msg: string; reqId?: string; err?: { message?: string; stack?: string } });
    const failures = lines.filter((entry) => entry.msg === 'request failed');
    assert.equal(failures.length, 1);
    const line = failures[0];
    assert.equal(line?.reqId, reply.headers.get('x-request-id'), 'the log line carries the request id');
    assert.match(line?.err?.message ?? '', /client|closed|topology/i);
    assert.ok(line?.err?.stack, 'the stack trace goes to the log');
  });
});
