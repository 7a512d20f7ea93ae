import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { connectDatabase, type Database } from '../../src/data/mongo-connection.js';
import { DatabaseRateLimits } from '../../src/data/rate-limit-store.js';
import { createLogger } from '../../src/logger.js';
import { request, type Reply } from '../support/http.js';
import { IdentityProvider, signingKey } from '../support/identity-provider.js';
import { assertProblem } from '../support/problems.js';
import { windowWithTimeLeft } from '../support/rate-limit-windows.js';
import { startTestServer, testDatabaseTarget, type TestServer } from '../support/test-server.js';

// RATE_LIMIT_STORE=database: several instances of the service (each its own app and connection,
// as separate processes have) on one database count every client against one limit, and a new
// instance finds the counts the old one made. Windows are aligned to the epoch, so each test
// first waits, if need be, for a window with enough time left that none ends in its middle.

const STATIC_TOKEN = 'static-token-shared-0123456789';
const INSTANCES = 3;
/** Long, so that a test seldom has to wait for a fresh one. */
const WINDOW_MS = 600_000;
let seq = 0;
/** A client address of its own (TEST-NET-2), so the limits of one test do not reach another. */
const address = () => `198.51.100.${(++seq % 250) + 1}`;
const from = (ip: string) => ({ 'x-forwarded-for': ip });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const statuses = (replies: Reply[]) =>
  replies.map((reply) => reply.status).reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

describe('rate limits shared by every instance (RATE_LIMIT_STORE=database)', () => {
  const target = testDatabaseTarget('shared_rate_limits');
  let provider: IdentityProvider;
  const servers: TestServer[] = [];
  /** The test's own view of the counters, on a connection of its own. */
  let probe: { connection: Database; limits: DatabaseRateLimits };
  /** Instance i % INSTANCES: requests go round the instances as a load balancer sends them. */
  const at = (i: number) => servers[i % INSTANCES]!;
  const register = (i: number, ip: string, headers: Record<string, string> = {}) =>
    request(at(i).baseUrl, 'POST', '/users', {
      json: { name: 'shared-limit', email: `shared.${Date.now()}.${++seq}@example.com` },
      headers: { ...from(ip), ...headers },
    });
  const list = (i: number, ip: string, token: string) => request(at(i).baseUrl, 'GET', '/users?limit=1', { headers: { ...from(ip), ...bearer(token) } });

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-shared')]);
    const env = {
      ...provider.env('url'),
      API_TOKENS: STATIC_TOKEN,
      RATE_LIMIT_STORE: 'database',
      RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
      REGISTRATION_RATE_LIMIT: '5',
      AUTH_FAILURE_RATE_LIMIT: '3',
    };
    // One after another: the first prepares the database (its collections) for the others.
    for (let i = 0; i < INSTANCES; i++) servers.push(await startTestServer('shared_rate_limits', env, { database: target }));
    const connection = await connectDatabase({ ...target, timeoutMs: 10_000 });
    probe = { connection, limits: new DatabaseRateLimits(connection, createLogger('silent')) };
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await probe.connection.db.dropDatabase();
    await probe.connection.close();
    await provider.stop();
  });

  it('when one client sends 30 registrations at once, spread round the 3 instances, limit 5, then exactly 5 are created and 25 get 429', async () => {
    await windowWithTimeLeft(WINDOW_MS, 20_000);
    const ip = address();
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => register(i, ip)));
    assert.deepEqual(statuses(replies), { 201: 5, 429: 25 });
    for (const reply of replies.filter((r) => r.status === 429)) assertProblem(reply, 429, 'RATE_LIMITED');
    assert.equal(await servers[0]!.db.collection('users').countDocuments({ name: 'shared-limit' }), 5);
    // Another client, another count; a token holder is not counted at all.
    assert.equal((await register(1, address())).status, 201);
    assert.equal((await register(2, ip, bearer(STATIC_TOKEN))).status, 201);
  });

  it('when one client sends 12 wrong tokens at once, spread round the instances, limit 3, then exactly 3 are answered 401 and 9 get 429', async () => {
    await windowWithTimeLeft(WINDOW_MS, 20_000);
    const ip = address();
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => list(i, ip, `wrong-token-${i}-0000000000000`)));
    assert.deepEqual(statuses(replies), { 401: 3, 429: 9 });
    assert.equal((await list(0, ip, STATIC_TOKEN)).status, 200, 'the right token still works from that address');
  });

  it('when fresh valid JWTs are counted on one instance and given back on others, then the count returns to 0 and the client still has its 3 wrong tokens, not one more', async () => {
    await windowWithTimeLeft(WINDOW_MS, 20_000);
    const ip = address();
    // Each is counted before it is verified, then given back once it proves valid (after its response).
    for (let i = 0; i < 6; i++) assert.equal((await list(i, ip, await provider.mint({ claims: { n: `fresh-${i}` } }))).status, 200);
    let count = -1;
    for (let attempt = 0; attempt < 100 && count !== 0; attempt++) {
      count = (await probe.limits.count('auth-failure:', ip, WINDOW_MS)).totalHits;
      if (count !== 0) await sleep(50);
    }
    assert.equal(count, 0, 'every count was given back');
    for (let i = 0; i < 3; i++) assertProblem(await list(i, ip, await provider.mint({ audience: `forged-${i}` })), 401, 'UNAUTHORIZED');
    for (let i = 0; i < INSTANCES; i++) assertProblem(await list(i, ip, await provider.mint({ audience: `more-${i}` })), 429, 'RATE_LIMITED');
    // FerretDB's count holds the requests let through; MongoDB's $inc counts the refused ones too.
    assert.equal((await probe.limits.count('auth-failure:', ip, WINDOW_MS)).totalHits, probe.connection.engine === 'ferretdb' ? 3 : 3 + INSTANCES);
  });
});

describe('rate limits across a restart (RATE_LIMIT_STORE=database)', () => {
  const target = testDatabaseTarget('rate_limits_restart');
  /** Short, so that the test sees it end. */
  const SHORT_WINDOW_MS = 6_000;
  const env = { RATE_LIMIT_STORE: 'database', RATE_LIMIT_WINDOW_MS: String(SHORT_WINDOW_MS), REGISTRATION_RATE_LIMIT: '2' };
  let server: TestServer | undefined;
  const register = (ip: string) =>
    request(server!.baseUrl, 'POST', '/users', { json: { name: 'restart', email: `restart.${Date.now()}.${++seq}@example.com` }, headers: from(ip) });

  after(async () => {
    await server?.close();
    const connection = await connectDatabase({ ...target, timeoutMs: 10_000 });
    await connection.db.dropDatabase();
    await connection.close();
  });

  it('when a client reached the limit and the instance is replaced by a new one on the same database, then the new one refuses it too until the window ends', async () => {
    await windowWithTimeLeft(SHORT_WINDOW_MS, 4_500);
    server = await startTestServer('rate_limits_restart', env, { database: target });
    const ip = address();
    for (let i = 0; i < 2; i++) assert.equal((await register(ip)).status, 201);
    assertProblem(await register(ip), 429, 'RATE_LIMITED');
    await server.close();
    server = await startTestServer('rate_limits_restart', env, { database: target });
    const refused = await register(ip);
    assertProblem(refused, 429, 'RATE_LIMITED');
    const windowEnd = (Math.floor(Date.now() / SHORT_WINDOW_MS) + 1) * SHORT_WINDOW_MS;
    assert.ok(Number(refused.headers.get('retry-after')) * 1000 >= windowEnd - Date.now(), 'Retry-After reaches the end of the window');
    await sleep(windowEnd - Date.now() + 10);
    assert.equal((await register(ip)).status, 201, 'a new window, a new count');
  });
});

describe('rate limits: the documents of ended windows go (RATE_LIMIT_STORE=database)', () => {
  const WINDOW = 1_000;
  let server: TestServer;
  before(async () => {
    server = await startTestServer('rate_limits_sweep', { RATE_LIMIT_STORE: 'database', RATE_LIMIT_WINDOW_MS: String(WINDOW), REGISTRATION_RATE_LIMIT: '3' });
  });
  after(() => server.close());

  it("when windows end, then their counters are removed: on FerretDB by each instance's sweep within a window or two, on MongoDB by a TTL index on expiresAt", async () => {
    const counters = server.db.collection<{ expiresAt: Date }>('rate_limits');
    const ip = address();
    for (let i = 0; i < 4; i++)
      await request(server.baseUrl, 'POST', '/users', { json: { name: 'swept', email: `swept.${Date.now()}.${++seq}@example.com` }, headers: from(ip) });
    assert.ok((await counters.countDocuments({})) > 0, 'the requests were counted in the database');
    const engine = (await server.db.admin().command({ buildInfo: 1 })) as { ferretdbVersion?: string };
    if (engine.ferretdbVersion === undefined) {
      const ttl = (await counters.indexes()).find((index) => index.key.expiresAt === 1);
      assert.equal(ttl?.expireAfterSeconds, 0);
      return;
    }
    // Each sweep, once per window, removes the windows ended by then: within two windows of the
    // end of theirs, the counters of these requests (all of one window or two) are gone.
    const lastEnd = Math.max(...(await counters.find({}).toArray()).map((counter) => counter.expiresAt.getTime()));
    await sleep(lastEnd + 2 * WINDOW + 300 - Date.now());
    assert.equal(await counters.countDocuments({}), 0, 'counters of ended windows are left');
  });
});
