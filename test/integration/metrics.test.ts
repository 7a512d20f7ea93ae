import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pickFreePort } from '../../scripts/lib/tcp-port.js';
import { Database } from '../../src/data/mongo-connection.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { request } from '../support/http.js';
import { parseMetrics, scrape, valueOf, type Sample } from '../support/metrics.js';
import { assertProblem } from '../support/problems.js';
import { connectTestDatabase, startTestServer, type TestServer } from '../support/test-server.js';

// GET /metrics on the real application over the real database: what requests, database calls,
// rejected tokens and rate limits leave in it, and who may read it.

const REQUESTS = 'users_api_http_request_duration_seconds';
let seq = 0;
const email = () => `metrics.${Date.now().toString(36)}.${++seq}@example.com`;
/** A client address of its own (TEST-NET-3), honoured because the test's peer is loopback. */
const client = () => ({ 'x-forwarded-for': `203.0.113.${(++seq % 250) + 1}` });

/** Each sample's value minus its value in `before` (0 when it was not there). */
function growth(samples: Sample[], before: Sample[], name: string, labels: Record<string, string> = {}): number {
  return (valueOf(samples, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);
}

describe('GET /metrics in local mode (no tokens)', () => {
  let server: TestServer;
  let userId = '';
  before(async () => {
    server = await startTestServer('metrics');
    const created = await request(server.baseUrl, 'POST', '/users', { json: { name: 'counted', email: email() } });
    userId = (created.body as { id: string }).id;
  });
  after(async () => {
    await server.close();
  });

  it('when it is asked, then 200 in the Prometheus text format, not cacheable, with the process metrics', async () => {
    const reply = await request(server.baseUrl, 'GET', '/metrics');
    assert.equal(reply.status, 200, reply.text);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    const samples = parseMetrics(reply.text);
    assert.ok((valueOf(samples, 'users_api_process_cpu_user_seconds_total') ?? -1) > 0);
    assert.ok((valueOf(samples, 'users_api_process_resident_memory_bytes') ?? -1) > 0);
    assert.ok(
      samples.every((sample) => sample.name.startsWith('users_api_')),
      'every metric is prefixed users_api_',
    );
  });

  it('when a user is read twice and once unchanged (304), then getUser counts two 2xx and one 3xx, with durations', async () => {
    const { samples: before } = await scrape(server.baseUrl);
    const first = await request(server.baseUrl, 'GET', `/users/${userId}`);
    assert.equal(first.status, 200);
    assert.equal((await request(server.baseUrl, 'GET', `/users/${userId}`)).status, 200);
    assert.equal((await request(server.baseUrl, 'GET', `/users/${userId}`, { headers: { 'if-none-match': first.headers.get('etag') ?? '' } })).status, 304);
    const { samples, text } = await scrape(server.baseUrl);

    const ok = { operation: 'getUser', status_class: '2xx' };
    assert.equal(growth(samples, before, `${REQUESTS}_count`, ok), 2);
    assert.equal(growth(samples, before, `${REQUESTS}_count`, { operation: 'getUser', status_class: '3xx' }), 1);
    assert.equal(growth(samples, before, `${REQUESTS}_bucket`, { ...ok, le: '+Inf' }), 2);
    assert.ok(growth(samples, before, `${REQUESTS}_sum`, ok) > 0, 'the durations add up to more than nothing');
    assert.ok((valueOf(samples, `${REQUESTS}_bucket`, { ...ok, le: '10' }) ?? 0) >= 2, 'a read takes less than 10 s');
    assert.doesNotMatch(text, new RegExp(userId), 'no label holds a path or an id');
  });

  it('when unknown paths are requested, then they count under operation="unknown", never under their paths', async () => {
    const { samples: before } = await scrape(server.baseUrl);
    const paths = [`/nowhere-${randomBytes(4).toString('hex')}`, `/users/${userId}/nowhere`];
    for (const path of paths) assertProblem(await request(server.baseUrl, 'GET', path), 404, 'ROUTE_NOT_FOUND');
    assertProblem(await request(server.baseUrl, 'PUT', `/users/${userId}`, { json: {} }), 405, 'METHOD_NOT_ALLOWED');
    const { samples, text } = await scrape(server.baseUrl);

    assert.equal(growth(samples, before, `${REQUESTS}_count`, { operation: 'unknown', status_class: '4xx' }), 3);
    for (const path of paths) assert.doesNotMatch(text, new RegExp(path.slice(1)));
    const operations = new Set(samples.filter((sample) => sample.name === `${REQUESTS}_count`).map((sample) => sample.labels.operation));
    assert.ok(
      [...operations].every((operation) => /^[a-zA-Z]+$/.test(operation ?? '')),
      [...operations].join(', '),
    );
  });

  it('when a request is refused before the validator (a body over 16 KiB), then it counts under its operation', async () => {
    const { samples: before } = await scrape(server.baseUrl);
    assertProblem(await request(server.baseUrl, 'POST', '/users', { json: { name: 'x'.repeat(17_000), email: email() } }), 413, 'PAYLOAD_TOO_LARGE');
    const { samples } = await scrape(server.baseUrl);
    assert.equal(growth(samples, before, `${REQUESTS}_count`, { operation: 'createUser', status_class: '4xx' }), 1);
  });

  it('when users are read and registered, then the database calls are timed by operation, the database is up and the pool is open and idle', async () => {
    const { samples: before } = await scrape(server.baseUrl);
    assert.equal((await request(server.baseUrl, 'GET', `/users/${userId}`)).status, 200);
    assert.equal((await request(server.baseUrl, 'POST', '/users', { json: { name: 'timed', email: email() } })).status, 201);
    const { samples } = await scrape(server.baseUrl);

    assert.equal(growth(samples, before, 'users_api_db_call_duration_seconds_count', { operation: 'findById' }), 1);
    assert.equal(growth(samples, before, 'users_api_db_call_duration_seconds_count', { operation: 'insert' }), 1);
    assert.ok(growth(samples, before, 'users_api_db_call_duration_seconds_sum', { operation: 'insert' }) > 0);
    assert.equal(valueOf(samples, 'users_api_db_call_errors_total', { operation: 'insert' }), undefined, 'no insert failed');
    assert.equal(valueOf(samples, 'users_api_db_up'), 1);
    assert.ok((valueOf(samples, 'users_api_db_pool_connections') ?? 0) >= 1, 'the pool holds a connection');
    assert.equal(valueOf(samples, 'users_api_db_pool_connections_in_use'), 0, 'no call is in flight while /metrics answers');
  });
});

describe('the database metrics of one Database', () => {
  it('when a call holds a pooled connection, then db_pool_connections_in_use counts it, and not once it is back', async () => {
    const database = await connectTestDatabase('metrics_pool');
    try {
      const metrics = new Metrics(() => undefined);
      metrics.watchDatabase(database);
      // Registered after the Database's own listener: runs right after it, while the connection is out.
      let during: number | undefined;
      database.client.once('connectionCheckedOut', () => {
        void metrics.registry
          .getSingleMetric('users_api_db_pool_connections_in_use')
          ?.get()
          .then((metric) => {
            during = metric.values[0]?.value;
          });
      });
      await database.run(() => database.db.command({ ping: 1 }), 'ping');
      const samples = parseMetrics(await metrics.registry.metrics());
      assert.equal(during, 1);
      assert.equal(valueOf(samples, 'users_api_db_pool_connections_in_use'), 0);
      assert.equal(valueOf(samples, 'users_api_db_call_duration_seconds_count', { operation: 'ping' }), 1);
    } finally {
      await database.db.dropDatabase();
      await database.close();
    }
  });

  it('when a call fails, then db_call_errors_total counts it by operation and reason; a domain answer is no error', async () => {
    const database = await connectTestDatabase('metrics_errors');
    try {
      const metrics = new Metrics(() => undefined);
      metrics.watchDatabase(database);
      await assert.rejects(database.run(() => Promise.reject(new Error('a bug')), 'findById'));
      await assert.rejects(database.run(() => database.db.command({ noSuchCommand: 1 }), 'list'));
      const samples = parseMetrics(await metrics.registry.metrics());
      assert.equal(valueOf(samples, 'users_api_db_call_errors_total', { operation: 'findById', reason: 'error' }), 1);
      assert.equal(valueOf(samples, 'users_api_db_call_errors_total', { operation: 'list', reason: 'error' }), 1);
      assert.equal(valueOf(samples, 'users_api_db_call_duration_seconds_count', { operation: 'findById' }), 1);
      assert.equal(valueOf(samples, 'users_api_db_up'), 1);
    } finally {
      await database.db.dropDatabase();
      await database.close();
    }
  });

  it('when the database cannot be reached, then db_up is 0 and refused calls count as unavailable', async () => {
    const database = new Database({ uri: `mongodb://127.0.0.1:${await pickFreePort()}/`, dbName: 'nowhere', timeoutMs: 300, retryMaxMs: 600 });
    try {
      const metrics = new Metrics(() => undefined);
      metrics.watchDatabase(database);
      database.connectInBackground();
      await assert.rejects(database.run(() => database.db.command({ ping: 1 }), 'findById'));
      const samples = parseMetrics(await metrics.registry.metrics());
      assert.equal(valueOf(samples, 'users_api_db_up'), 0);
      assert.equal(valueOf(samples, 'users_api_db_call_errors_total', { operation: 'findById', reason: 'unavailable' }), 1);
      assert.equal(valueOf(samples, 'users_api_db_call_duration_seconds_count', { operation: 'findById' }), undefined, 'a refused call is not timed');
    } finally {
      await database.close();
    }
  });
});

describe('GET /metrics with API_TOKENS set', () => {
  const TOKEN = 'metrics-token-0123456789';
  const bearer = { authorization: `Bearer ${TOKEN}` };
  let server: TestServer;
  before(async () => {
    server = await startTestServer('metrics_auth', { API_TOKENS: TOKEN, AUTH_FAILURE_RATE_LIMIT: '2', REGISTRATION_RATE_LIMIT: '1' });
  });
  after(async () => {
    await server.close();
  });

  it('when no token or a wrong one is sent, then 401 problem+json with WWW-Authenticate, and no metric in the body', async () => {
    const missing = await request(server.baseUrl, 'GET', '/metrics');
    assertProblem(missing, 401, 'UNAUTHORIZED');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="users-api"');
    assert.doesNotMatch(missing.text, /users_api_/);
    const wrong = await request(server.baseUrl, 'GET', '/metrics', { headers: { authorization: 'Bearer not-the-token-00000000', ...client() } });
    assertProblem(wrong, 401, 'UNAUTHORIZED');
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('when requests are refused with 401, then auth_rejections_total counts them by reason and getMetrics counts its own 401s', async () => {
    const { samples: before } = await scrape(server.baseUrl, bearer);
    assertProblem(await request(server.baseUrl, 'GET', '/users'), 401, 'UNAUTHORIZED');
    assertProblem(await request(server.baseUrl, 'GET', '/metrics'), 401, 'UNAUTHORIZED');
    assertProblem(
      await request(server.baseUrl, 'GET', '/users', { headers: { authorization: 'Bearer not-the-token-00000000', ...client() } }),
      401,
      'UNAUTHORIZED',
    );
    const { samples } = await scrape(server.baseUrl, bearer);

    assert.equal(growth(samples, before, 'users_api_auth_rejections_total', { reason: 'missing_token' }), 2);
    assert.equal(growth(samples, before, 'users_api_auth_rejections_total', { reason: 'invalid_token' }), 1);
    assert.equal(growth(samples, before, `${REQUESTS}_count`, { operation: 'getMetrics', status_class: '4xx' }), 1);
    assert.equal(growth(samples, before, `${REQUESTS}_count`, { operation: 'listUsers', status_class: '4xx' }), 2);
  });

  it('when a client is over a rate limit, then rate_limit_rejections_total counts each 429 by limit', async () => {
    const { samples: before } = await scrape(server.baseUrl, bearer);
    const guesser = client();
    const wrong = { authorization: 'Bearer not-the-token-00000000', ...guesser };
    for (let i = 0; i < 2; i++) assertProblem(await request(server.baseUrl, 'GET', '/metrics', { headers: wrong }), 401, 'UNAUTHORIZED');
    assertProblem(await request(server.baseUrl, 'GET', '/metrics', { headers: wrong }), 429, 'RATE_LIMITED');
    const registrant = client();
    assert.equal((await request(server.baseUrl, 'POST', '/users', { json: { name: 'n', email: email() }, headers: registrant })).status, 201);
    assertProblem(await request(server.baseUrl, 'POST', '/users', { json: { name: 'n', email: email() }, headers: registrant }), 429, 'RATE_LIMITED');
    const { samples } = await scrape(server.baseUrl, bearer);

    assert.equal(growth(samples, before, 'users_api_rate_limit_rejections_total', { limit: 'auth_failure' }), 1);
    assert.equal(growth(samples, before, 'users_api_rate_limit_rejections_total', { limit: 'registration' }), 1);
    assert.equal(growth(samples, before, `${REQUESTS}_count`, { operation: 'createUser', status_class: '4xx' }), 1);
    assert.equal(growth(samples, before, `${REQUESTS}_count`, { operation: 'getMetrics', status_class: '4xx' }), 3);
  });
});
