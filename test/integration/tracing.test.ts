import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from '../support/http.js';
import { startOtlpReceiver, traceTree, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { startServerProcess, waitUntil, type LogLine } from '../support/server-process.js';
import { testDatabaseTarget } from '../support/test-server.js';

// Traces from the real server process (dist/src/server.js) over the real database, sent to an
// OTLP/HTTP receiver the test runs: spans per request named by operation, database spans under
// them, the caller's traceparent honoured, the trace id in the request's log line.

const SERVER = 2;
const CLIENT = 3;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: OtlpReceiver;
  let logs: LogLine[] = [];
  const traceId = hex(16);
  const callerSpanId = hex(8);
  let userId = '';
  const email = `traced.${hex(4)}@example.com`;
  let getUserSpan: ReceivedSpan | undefined;

  before(async () => {
    receiver = await startOtlpReceiver();
    const server = await startServerProcess(
      { MONGODB_URI: testDatabaseTarget('tracing').uri, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      { startTimeoutMs: 30_000 },
    );
    try {
      assert.ok(
        await waitUntil(async () => (await request(server.baseUrl, 'GET', '/readyz')).status === 200, { timeoutMs: 15_000 }),
        'the server became ready',
      );
      const created = await request(server.baseUrl, 'POST', '/users', { json: { name: 'traced', email } });
      assert.equal(created.status, 201, created.text);
      userId = (created.body as { id: string }).id;
      const read = await request(server.baseUrl, 'GET', `/users/${userId}`, { headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
      assert.equal(read.status, 200, read.text);
      assert.equal((await request(server.baseUrl, 'GET', `/nowhere-${hex(4)}`)).status, 404);
      // The address in the query string, as a client writes it and percent-encoded.
      for (const path of [`/users?email=${email}`, `/user?email=${encodeURIComponent(email)}`]) {
        const found = await request(server.baseUrl, 'GET', path);
        assert.equal(found.status, 200, found.text);
        assert.match(found.text, new RegExp(userId), `${path} found the user`);
      }
    } finally {
      // A graceful stop sends the spans not sent yet.
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      logs = server.logs();
    }
    getUserSpan = receiver.spans.find((span) => span.traceId === traceId && span.kind === SERVER);
  });
  after(async () => {
    await receiver.close();
  });

  it('when a request carries a traceparent, then its server span continues that trace, named by the operation, with its status', () => {
    assert.ok(getUserSpan, `no server span in trace ${traceId}: ${JSON.stringify(receiver.spans.map((span) => span.name))}`);
    assert.equal(getUserSpan.parentSpanId, callerSpanId);
    assert.equal(getUserSpan.name, 'GET /users/{id}');
    assert.equal(getUserSpan.attributes['http.route'], '/users/{id}');
    assert.equal(getUserSpan.attributes['users_api.operation'], 'getUser');
    assert.equal(getUserSpan.attributes['http.response.status_code'], 200);
    assert.equal(getUserSpan.resource['service.name'], 'users-api');
  });

  it('when the request reads the database, then its database span is a child of the request span', (t) => {
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    const database = trace.filter((span) => span.kind === CLIENT && span.attributes['db.system.name'] === 'mongodb');
    assert.ok(database.length >= 1, `no database span in ${JSON.stringify(trace.map((span) => span.name))}`);
    for (const span of database) assert.equal(span.parentSpanId, getUserSpan?.spanId, span.name);
    // The read by _id is a `find` command sent through Db.command: named by its collection all the same.
    assert.ok(
      database.some(
        (span) => span.name === 'find users' && span.attributes['db.operation.name'] === 'find' && span.attributes['db.collection.name'] === 'users',
      ),
    );
    assert.doesNotMatch(JSON.stringify(database), new RegExp(userId), 'no span carries the id it looked for');
    t.diagnostic(`trace ${traceId}: GET /users/{id} under the caller's span ${callerSpanId}:`);
    const describe = (span: ReceivedSpan) =>
      `${span.name} [${span.kind === SERVER ? 'server' : span.kind === CLIENT ? 'client' : 'internal'}, ${span.scope.replace('@opentelemetry/', '')}] ` +
      (span.kind === SERVER
        ? `operation=${String(span.attributes['users_api.operation'])} status=${String(span.attributes['http.response.status_code'])}`
        : `db.operation.name=${String(span.attributes['db.operation.name'])}`);
    for (const line of traceTree(trace, describe)) t.diagnostic(`  ${line}`);
  });

  it('when a registration writes twice, then both writes are spans of its request', () => {
    const post = receiver.spans.find((span) => span.kind === SERVER && span.name === 'POST /users');
    assert.ok(post, 'a POST /users span');
    assert.equal(post.attributes['users_api.operation'], 'createUser');
    assert.equal(post.attributes['http.response.status_code'], 201);
    const writes = receiver.spans.filter((span) => span.parentSpanId === post.spanId && span.attributes['db.operation.name'] === 'insert');
    assert.deepEqual(writes.map((span) => span.attributes['db.collection.name']).sort(), ['emails', 'users']);
  });

  it('when a path matches no operation, then its span is named by the method only, never by the path', () => {
    const unknown = receiver.spans.find((span) => span.kind === SERVER && span.attributes['http.response.status_code'] === 404);
    assert.ok(unknown, 'a span for the 404');
    assert.equal(unknown.name, 'GET');
    assert.equal(unknown.attributes['users_api.operation'], undefined);
  });

  it('when a request carries a query string, then no span holds it nor the address in it, and the path and route are still there', () => {
    const traced = [
      { path: '/users', operation: 'listUsers' },
      { path: '/user', operation: 'legacyListUsers' },
    ].map(({ path, operation }) => {
      const span = receiver.spans.find(
        (candidate) => candidate.kind === SERVER && candidate.attributes['http.request.method'] === 'GET' && candidate.attributes['url.path'] === path,
      );
      assert.ok(span, `a server span for GET ${path}?email=…: ${JSON.stringify(receiver.spans.map((each) => each.name))}`);
      assert.equal(span.name, `GET ${path}`);
      assert.equal(span.attributes['http.route'], path);
      assert.equal(span.attributes['users_api.operation'], operation);
      assert.equal(span.attributes['url.query'], undefined);
      return span;
    });
    // Their database spans record the filter's shape, every value a `?`.
    const lookups = receiver.spans.filter((span) => traced.some((server) => span.parentSpanId === server.spanId) && span.kind === CLIENT);
    assert.ok(lookups.length >= traced.length, `database spans under both requests: ${JSON.stringify(lookups.map((span) => span.name))}`);
    for (const span of lookups) assert.match(String(span.attributes['db.query.text']), /"\?"/, span.name);
    // Every span of the run, whatever it is and whatever it holds the address in.
    const secrets = [email, encodeURIComponent(email), 'email=', '?email'];
    for (const span of receiver.spans) {
      const exported = JSON.stringify(span);
      for (const secret of secrets) assert.ok(!exported.includes(secret), `span "${span.name}" holds ${JSON.stringify(secret)}: ${exported}`);
    }
  });

  it("when the request is logged, then its line carries the trace's id", () => {
    const line = logs.find((entry) => entry.msg === 'request completed' && (entry.req as { path?: string } | undefined)?.path === `/users/${userId}`);
    assert.ok(line, 'the request was logged');
    assert.equal(line.traceId, traceId);
  });
});

describe('which modules the service loads', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'users-api-modules-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the server with a loader hook that writes down every module it resolves; their URLs. */
  async function modulesLoaded(env: Record<string, string>): Promise<string[]> {
    const file = join(dir, `resolved-${hex(4)}.txt`);
    const hook = `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) { const resolved = await next(specifier, context); appendFileSync(file, resolved.url + '\\n'); return resolved; }`;
    const preload = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)}, import.meta.url, { data: { file: ${JSON.stringify(file)} } });`;
    const server = await startServerProcess(
      { MONGODB_URI: testDatabaseTarget('modules').uri, ...env },
      { startTimeoutMs: 30_000, nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(preload)}`] },
    );
    assert.ok(await waitUntil(async () => (await request(server.baseUrl, 'GET', '/healthz')).status === 200, { timeoutMs: 15_000 }), 'the server answers');
    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, JSON.stringify(server.logs()));
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((url) => url !== '');
  }

  it('when OTEL_EXPORTER_OTLP_ENDPOINT is not set, then no OpenTelemetry module is loaded; when it is, they are', async () => {
    const off = await modulesLoaded({});
    assert.ok(
      off.some((url) => url.endsWith('/dist/src/app.js')),
      'the probe saw the service load',
    );
    assert.deepEqual(
      off.filter((url) => /@opentelemetry|telemetry\/tracing\.js|import-in-the-middle/.test(url)),
      [],
    );
    const receiver = await startOtlpReceiver();
    try {
      const on = await modulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      assert.ok(
        on.some((url) => url.includes('/@opentelemetry/sdk-trace-node/')),
        'with an endpoint, the tracer is loaded',
      );
    } finally {
      await receiver.close();
    }
  });
});
