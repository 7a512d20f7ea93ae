import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { User } from '../../src/contract.js';
import { connectDatabase } from '../../src/data/mongo-connection.js';
import { loadSpec } from '../../src/spec.js';
import { request, type Reply } from '../support/http.js';
import { IdentityProvider, signingKey } from '../support/identity-provider.js';
import { BALANCER_SOURCE_ADDRESS, CHECK, freePort, startLoadBalancer, type LoadBalancer } from '../support/load-balancer.js';
import { assertProblem } from '../support/problems.js';
import { windowWithTimeLeft } from '../support/rate-limit-windows.js';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';
import { testDatabaseTarget } from '../support/test-server.js';

// Three real service processes (`node dist/src/server.js`) on one database, behind a real HAProxy
// (test/support/load-balancer.ts): every request goes through the balancer, as clients' do,
// unless a case says it reads from an instance directly. Which instance answered a request is
// read from the instances' own log lines, by the X-Request-Id the test sends.

const INSTANCES = 3;
/** Well above what the balancer takes to see a 503 on /readyz (one check: CHECK.interMs, plus the check itself; up to about 370 ms measured on a busy machine). */
const DRAIN_MS = 1000;
const GRACE_MS = 5000;
const STATIC_TOKEN = 'several-instances-token-0123456789';
const WRONG_TOKEN = 'not-a-token-of-this-service-0123456789';
/** Wrong tokens a client may send per window, counted by every instance together (RATE_LIMIT_STORE=database). */
const AUTH_FAILURE_LIMIT = 2;
/** Registrations without a token a client may make per window, counted by every instance together. */
const REGISTRATION_LIMIT = 5;
/** The limits' window: long, so that a case counting to a limit seldom waits for a fresh one. */
const RATE_LIMIT_WINDOW_MS = 600_000;

type Named = { name: string; port: number; process: ServerProcess };

/** The statuses the spec documents for each operation the load uses. */
function documentedStatuses(path: string, method: string): Set<number> {
  const paths = (loadSpec().document as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }).paths;
  return new Set(Object.keys(paths[path]?.[method]?.responses ?? {}).map(Number));
}

describe('several instances behind a load balancer', () => {
  let provider: IdentityProvider;
  let target: { uri: string; dbName: string };
  let instances: Named[];
  let balancer: LoadBalancer;

  const envFor = (port: number): Record<string, string> => ({
    MONGODB_URI: target.uri,
    PORT: String(port),
    API_TOKENS: STATIC_TOKEN,
    ...provider.env('url'),
    // Only the balancer's address may say who the client is (it connects from that address).
    TRUST_PROXY: BALANCER_SOURCE_ADDRESS,
    RATE_LIMIT_STORE: 'database',
    RATE_LIMIT_WINDOW_MS: String(RATE_LIMIT_WINDOW_MS),
    AUTH_FAILURE_RATE_LIMIT: String(AUTH_FAILURE_LIMIT),
    REGISTRATION_RATE_LIMIT: String(REGISTRATION_LIMIT),
    SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
  });
  const startInstance = async (port: number): Promise<ServerProcess> => {
    const started = await startServerProcess(envFor(port));
    assert.ok(
      await waitUntil(async () => (await fetch(`${started.baseUrl}/readyz`)).status === 200, { timeoutMs: 15_000 }),
      `the instance on ${port} became ready`,
    );
    return started;
  };

  /** A request with an X-Request-Id of its own, through the balancer unless `baseUrl` says otherwise. */
  const call = async (
    method: string,
    path: string,
    options: { json?: unknown; headers?: Record<string, string>; baseUrl?: string; token?: string } = {},
  ): Promise<Reply & { requestId: string }> => {
    const requestId = randomUUID();
    const headers = { 'x-request-id': requestId, authorization: `Bearer ${options.token ?? STATIC_TOKEN}`, ...options.headers };
    const reply = await request(options.baseUrl ?? balancer.baseUrl, method, path, { headers, ...(options.json === undefined ? {} : { json: options.json }) });
    return { ...reply, requestId };
  };

  /** The instance whose log has each request id (waiting for lines still being written). */
  const answeredBy = async (requestIds: string[]): Promise<string[]> => {
    const find = () => {
      const byId = new Map<string, string>();
      for (const { name, process: server } of instances) {
        for (const line of server.logs()) if (typeof line.reqId === 'string') byId.set(line.reqId, name);
      }
      return requestIds.map((id) => byId.get(id) ?? '');
    };
    await waitUntil(async () => find().every((name) => name !== ''), { timeoutMs: 5000, intervalMs: 50 });
    return find();
  };

  let seq = 0;
  const uniqueEmail = (label: string) => `${label.replace(/[^a-z0-9]/gi, '')}.${++seq}.${Date.now().toString(36)}@example.com`;
  const register = async (label: string): Promise<User & { etag: string }> => {
    const reply = await call('POST', '/users', { json: { name: label, email: uniqueEmail(label) } });
    assert.equal(reply.status, 201, reply.text);
    return { ...(reply.body as User), etag: reply.headers.get('etag') ?? '' };
  };

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('ES256', 'es-1')]);
    target = testDatabaseTarget('several_instances');
    // Ports chosen up front: a restarted instance listens on its port again.
    const ports = new Set<number>();
    while (ports.size < INSTANCES) ports.add(await freePort());
    instances = await Promise.all([...ports].map(async (port, i) => ({ name: `instance${i + 1}`, port, process: await startInstance(port) })));
    balancer = await startLoadBalancer(instances);
    for (const { name } of instances) await balancer.waitFor(name, 'UP');
  });
  after(async () => {
    await balancer?.stop();
    await Promise.all((instances ?? []).map(({ process: server }) => server.stop()));
    const connection = await connectDatabase({ ...target, timeoutMs: 10_000 });
    await connection.db.dropDatabase();
    await connection.close();
    await provider?.stop();
  });

  it('when 50 registrations of one email arrive at once through the balancer, then exactly one is 201 and 49 are 409 problems, answered by every instance', async () => {
    const email = uniqueEmail('contended');
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => call('POST', '/users', { json: { name: `racer ${i}`, email } })));
    const statuses = replies.map((reply) => reply.status);
    assert.equal(statuses.filter((status) => status === 201).length, 1, statuses.join(' '));
    assert.equal(statuses.filter((status) => status === 409).length, 49, statuses.join(' '));
    for (const reply of replies.filter((reply) => reply.status === 409)) assertProblem(reply, 409, 'EMAIL_TAKEN');
    assert.equal(new Set(await answeredBy(replies.map((reply) => reply.requestId))).size, INSTANCES);
  });

  it('when 20 PATCHes with the same If-Match arrive at once through the balancer, then exactly one is 200 and 19 are 412, from at least two instances', async () => {
    const user = await register('patched');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call('PATCH', `/users/${user.id}`, { json: { name: `writer ${i}` }, headers: { 'if-match': user.etag } })),
    );
    const statuses = replies.map((reply) => reply.status);
    assert.equal(statuses.filter((status) => status === 200).length, 1, statuses.join(' '));
    assert.equal(statuses.filter((status) => status === 412).length, 19, statuses.join(' '));
    for (const reply of replies.filter((reply) => reply.status === 412)) assertProblem(reply, 412, 'PRECONDITION_FAILED');
    const winner = replies.find((reply) => reply.status === 200)!.body as User;
    assert.ok(new Set(await answeredBy(replies.map((reply) => reply.requestId))).size >= 2, 'the PATCHes were spread over the instances');
    const stored = await call('GET', `/users/${user.id}`);
    assert.equal(stored.headers.get('etag'), `"${Number(JSON.parse(user.etag)) + 1}"`, 'the version counts the one write that applied');
    assert.equal((stored.body as User).name, winner.name);
  });

  it("when a users:self caller reads, changes or deletes another user's record through any instance, then 404 USER_NOT_FOUND every time, and nothing changes", async () => {
    const own = await register('own');
    const other = await register('other');
    const token = await provider.mint({ claims: { scope: 'users:self', email: own.email, email_verified: true } });
    for (const [method, json] of [
      ['GET', undefined],
      ['PATCH', { name: 'taken over' }],
      ['DELETE', undefined],
    ] as const) {
      // One after another: round robin sends each of the three to another instance.
      const replies: (Reply & { requestId: string })[] = [];
      for (let i = 0; i < INSTANCES; i++) replies.push(await call(method, `/users/${other.id}`, { token, ...(json === undefined ? {} : { json }) }));
      for (const reply of replies) assertProblem(reply, 404, 'USER_NOT_FOUND');
      assert.deepEqual(new Set(await answeredBy(replies.map((reply) => reply.requestId))).size, INSTANCES, `${method}: every instance answered once`);
    }
    const stored = await call('GET', `/users/${other.id}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('etag'), other.etag);
    assert.equal((stored.body as User).name, other.name);
    assert.equal((await call('GET', `/users/${own.id}`, { token })).status, 200, 'the token reaches its own record');
  });

  it('when a user is written on one instance, then every other instance, and the balancer, reads it back at once: same body, same ETag', async () => {
    for (const writer of instances) {
      const created = await call('POST', '/users', { baseUrl: writer.process.baseUrl, json: { name: 'written', email: uniqueEmail(writer.name) } });
      assert.equal(created.status, 201, created.text);
      const id = (created.body as User).id;
      const changed = await call('PATCH', `/users/${id}`, { baseUrl: writer.process.baseUrl, json: { name: `renamed on ${writer.name}` } });
      assert.equal(changed.status, 200, changed.text);
      const readers = [
        ...instances.filter((instance) => instance !== writer).map((instance) => instance.process.baseUrl),
        ...Array<string>(INSTANCES).fill(balancer.baseUrl),
      ];
      for (const baseUrl of readers) {
        const read = await call('GET', `/users/${id}`, { baseUrl });
        assert.equal(read.status, 200, `${baseUrl}: ${read.text}`);
        assert.deepEqual(read.body, changed.body, `${baseUrl} read what ${writer.name} wrote`);
        assert.equal(read.headers.get('etag'), changed.headers.get('etag'));
      }
    }
  });

  it('when one client sends 30 registrations without a token at once through the balancer, limit 5, then exactly 5 are created and 25 get 429, answered by every instance', async () => {
    await windowWithTimeLeft(RATE_LIMIT_WINDOW_MS, 20_000);
    const replies = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const requestId = randomUUID();
        const reply = await request(balancer.baseUrl, 'POST', '/users', {
          headers: { 'x-request-id': requestId },
          json: { name: 'anonymous', email: uniqueEmail('anonymous') },
        });
        return { ...reply, requestId };
      }),
    );
    const statuses = replies.map((reply) => reply.status);
    assert.equal(statuses.filter((status) => status === 201).length, REGISTRATION_LIMIT, statuses.join(' '));
    assert.equal(statuses.filter((status) => status === 429).length, 30 - REGISTRATION_LIMIT, statuses.join(' '));
    for (const reply of replies.filter((reply) => reply.status === 429)) assertProblem(reply, 429, 'RATE_LIMITED');
    assert.equal(new Set(await answeredBy(replies.map((reply) => reply.requestId))).size, INSTANCES);
  });

  it('when clients behind the balancer send wrong tokens, then the instances count them together, by the address the balancer saw, not by an X-Forwarded-For the client wrote', async () => {
    await windowWithTimeLeft(RATE_LIMIT_WINDOW_MS, 20_000);
    // From 127.0.0.1, each request claiming another address: were those believed, none would be limited.
    const statuses: number[] = [];
    for (let i = 0; i < INSTANCES * (AUTH_FAILURE_LIMIT + 1); i++) {
      statuses.push((await call('GET', '/users', { token: WRONG_TOKEN, headers: { 'x-forwarded-for': `198.51.100.${i + 1}` } })).status);
    }
    // One count for all instances: the limit's wrong tokens get 401, every one after it 429.
    const expected = [...Array<number>(AUTH_FAILURE_LIMIT).fill(401), ...Array<number>(INSTANCES * (AUTH_FAILURE_LIMIT + 1) - AUTH_FAILURE_LIMIT).fill(429)];
    assert.deepEqual(statuses, expected);
    // Another client (another loopback address) behind the same balancer has its own count.
    const other: number[] = [];
    for (let i = 0; i <= AUTH_FAILURE_LIMIT; i++) other.push(await statusFrom('127.0.0.3', `${balancer.baseUrl}/users`, WRONG_TOKEN));
    assert.deepEqual(other, [...Array<number>(AUTH_FAILURE_LIMIT).fill(401), 429]);
  });

  it(
    'when every instance in turn is restarted (SIGTERM, drain, exit, start, ready) under a steady mix of reads and writes, then no request fails: no connection error, no 5xx, only documented statuses',
    { timeout: 120_000 },
    async (t) => {
      const statuses = {
        'GET /users/{id}': documentedStatuses('/users/{id}', 'get'),
        'PATCH /users/{id}': documentedStatuses('/users/{id}', 'patch'),
        'POST /users': documentedStatuses('/users', 'post'),
      };
      type Operation = keyof typeof statuses;
      // Clients that send their next request as soon as one is answered: enough that, without the
      // drain (SHUTDOWN_DRAIN_MS=0), 3 runs of 4 failed here: connections the balancer had just
      // opened were still open, unused, when the grace period ended (and were cut), and in one run
      // 2 POSTs sent on connections the instance was closing got no answer at all.
      const WORKERS = 16;
      const own = await Promise.all(Array.from({ length: WORKERS }, (_, i) => register(`load ${i}`)));
      const counts = new Map<string, number>();
      const failures: string[] = [];
      let sent = 0;
      let running = true;
      const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

      const worker = async (w: number) => {
        for (let i = 0; running; i++) {
          // A steady mix: half reads (anyone's user), three in ten renames (its own), two in ten registrations.
          const slot = i % 10;
          const operation: Operation = slot < 5 ? 'GET /users/{id}' : slot < 8 ? 'PATCH /users/{id}' : 'POST /users';
          sent++;
          try {
            const reply =
              operation === 'GET /users/{id}'
                ? await call('GET', `/users/${own[(w + i) % WORKERS]!.id}`)
                : operation === 'PATCH /users/{id}'
                  ? await call('PATCH', `/users/${own[w]!.id}`, { json: { name: `worker ${w} step ${i}` } })
                  : await call('POST', '/users', { json: { name: `new ${w}.${i}`, email: uniqueEmail(`load${w}`) } });
            count(`${operation} ${reply.status}`);
            if (reply.status >= 500 || !statuses[operation].has(reply.status)) failures.push(`${operation}: ${reply.status} ${reply.text.slice(0, 200)}`);
          } catch (error) {
            count(`${operation} connection error`);
            failures.push(`${operation}: ${error instanceof Error ? `${error.message} (${String((error as { cause?: unknown }).cause)})` : String(error)}`);
          }
        }
      };
      const load = Array.from({ length: WORKERS }, (_, w) => worker(w));
      const startedAt = Date.now();
      const restarts: string[] = [];
      try {
        await sleep(1000);
        for (const instance of instances) {
          const stoppingAt = Date.now();
          process.kill(instance.process.pid, 'SIGTERM');
          await balancer.waitFor(instance.name, 'DOWN', DRAIN_MS);
          const outOfRotationMs = Date.now() - stoppingAt;
          const exit = await instance.process.exited;
          assert.deepEqual(exit, { code: 0, signal: null }, `${instance.name} exited`);
          const messages = instance.process.logs().map((line) => line.msg);
          assert.ok(!messages.includes('grace period nearly over: cutting the connections still open'), `${instance.name} cut connections`);
          instance.process = await startInstance(instance.port);
          await balancer.waitFor(instance.name, 'UP');
          restarts.push(`${instance.name}: out of the balancer's rotation ${outOfRotationMs} ms after SIGTERM, back ${Date.now() - stoppingAt} ms after it`);
          // Steady traffic reaches it again before the next one goes.
          const restarted = instance.process;
          assert.ok(
            await waitUntil(
              async () => restarted.logs().some((line) => typeof line.reqId === 'string' && (line.req as { path?: string } | undefined)?.path !== '/readyz'),
              { timeoutMs: 5000, intervalMs: 50 },
            ),
            `${instance.name} serves traffic again`,
          );
          await sleep(500);
        }
      } finally {
        running = false;
        await Promise.all(load);
      }

      const totals = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${key}: ${n}`);
      t.diagnostic(
        `rolling restart of ${INSTANCES} instances under load: ${sent} requests in ${((Date.now() - startedAt) / 1000).toFixed(1)} s from ${WORKERS} clients through HAProxy (checks every ${CHECK.interMs} ms, fall ${CHECK.fall}, rise ${CHECK.rise}; SHUTDOWN_DRAIN_MS ${DRAIN_MS})`,
      );
      for (const line of [...restarts, ...totals]) t.diagnostic(line);
      assert.deepEqual(failures, [], balancer.output());
      assert.ok(sent >= 100, `only ${sent} requests were sent`);
    },
  );
});

/** The status of a GET with a bearer token sent from `localAddress` (a loopback address of the client's choosing). */
function statusFrom(localAddress: string, url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}
