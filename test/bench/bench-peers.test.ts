import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type autocannon from 'autocannon';
import { seedPeerDatabase } from '../../bench/lib/seed.js';
import { startBare, startFastify, type RunningServer } from '../../bench/lib/servers.js';
import { createTarget, WORKLOADS, type ServerKind, type WorkloadId, type WorkloadTarget } from '../../bench/lib/workloads.js';
import { testDatabaseTarget } from '../support/test-server.js';

// The bench's two Node peers, each started as the bench starts it on a database of its own with
// the same seeded users, asked each workload's requests as the workload itself makes them (its
// plan, its setupRequest and onResponse): the fastify peer must answer every one as the bare peer
// does (status, the headers the workloads read, the body's shape), or the bench would compare
// different work. Its schemas (validation and serialization) are what it adds.

const USERS = 45;
/** Requests per workload: enough for DELETE to have users the POSTs created. */
const REQUESTS = 3;
const PEERS = ['bare', 'fastify'] as const;

type Answer = { status: number; headers: Record<string, string>; body: unknown };

/** The body with every value replaced by its type, arrays by their first item's shape. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value === null) return null;
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .map(([key, child]) => [key, shape(child)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return typeof value;
}

/** The headers the workloads and their users read, with the parts that differ per user replaced. */
function headersOf(response: Response): Record<string, string> {
  const seen: Record<string, string> = {};
  const etag = response.headers.get('etag');
  // Express adds a weak ETag of the body to every answer of its own accord; no workload reads it.
  if (etag !== null && !etag.startsWith('W/')) seen.etag = etag.replace(/^"\d+"$/, '"<version>"');
  const location = response.headers.get('location');
  if (location !== null) seen.location = location.replace(/^\/users\/[0-9a-f]{24}$/, '/users/<id>');
  const type = response.headers.get('content-type');
  if (type !== null) seen['content-type'] = type;
  return seen;
}

/** One request as autocannon would make it from the workload's request description. */
async function send(target: WorkloadTarget, request: autocannon.Request): Promise<Answer> {
  const base: autocannon.Request = { method: request.method ?? 'GET', path: request.path ?? '/', headers: { ...target.headers, ...request.headers } };
  const made = typeof request.setupRequest === 'function' ? request.setupRequest(base, {}) : { ...base, ...request };
  const response = await fetch(target.baseUrl + (made.path ?? '/'), {
    method: made.method ?? 'GET',
    headers: made.headers as Record<string, string>,
    ...(made.body === undefined ? {} : { body: String(made.body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (typeof request.onResponse === 'function') request.onResponse(response.status, text, {}, Object.fromEntries(response.headers));
  return { status: response.status, headers: headersOf(response), body: text === '' ? undefined : shape(JSON.parse(text)) };
}

async function startPeer(kind: (typeof PEERS)[number], uri: string, logFile: string): Promise<RunningServer> {
  const options = { node: process.execPath, dbUri: uri, logFile };
  return kind === 'bare' ? startBare(options) : startFastify(options);
}

describe('when the bench asks its Node peers each workload', () => {
  let logDir: string;
  const servers: RunningServer[] = [];
  const targets = new Map<ServerKind, WorkloadTarget>();
  const answers = new Map<ServerKind, Map<WorkloadId, Answer[]>>();

  before(
    async () => {
      logDir = await mkdtemp(join(tmpdir(), 'users-api-bench-peers-'));
      for (const kind of PEERS) {
        const { uri } = testDatabaseTarget(`bench_peers_${kind}`);
        const seeded = await seedPeerDatabase(uri, USERS);
        const server = await startPeer(kind, uri, join(logDir, `${kind}.log`));
        servers.push(server);
        const target = createTarget({ kind, baseUrl: server.baseUrl, headers: {}, seeded, connections: 1, seed: 42 });
        targets.set(kind, target);
        // The bench's order: reads on the seeded users first, then the writes, DELETE last.
        const byWorkload = new Map<WorkloadId, Answer[]>();
        for (const workload of WORKLOADS.filter((candidate) => candidate.servers.includes(kind))) {
          const plan = await workload.plan(target, 'measure');
          const results: Answer[] = [];
          for (let i = 0; i < Math.min(REQUESTS, plan.maxRequests ?? REQUESTS); i++) {
            for (const request of plan.requests) results.push(await send(target, request));
          }
          byWorkload.set(workload.id, results);
        }
        answers.set(kind, byWorkload);
      }
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(logDir, { recursive: true, force: true });
  });

  it('then both peers are asked the same workloads, every Node workload', () => {
    const asked = (kind: ServerKind) => [...(answers.get(kind)?.keys() ?? [])];
    assert.deepEqual(asked('fastify'), asked('bare'));
    assert.deepEqual(
      asked('fastify'),
      WORKLOADS.filter((workload) => workload.servers.includes('bare')).map((workload) => workload.id),
    );
  });

  it('then the fastify peer answers every request with a 2xx, as the bench requires', () => {
    for (const [workload, results] of answers.get('fastify') ?? []) {
      assert.equal(results.length, REQUESTS, `${workload}: ${REQUESTS} requests`);
      for (const result of results) assert.match(String(result.status), /^2\d\d$/, `${workload}: ${JSON.stringify(result)}`);
    }
  });

  it("then the fastify peer answers each workload with the bare peer's statuses, headers and body shapes", () => {
    for (const [workload, results] of answers.get('bare') ?? []) {
      assert.deepEqual(answers.get('fastify')?.get(workload), results, workload);
    }
  });

  it('then PATCH /users/{id} (If-Match) moved each edited user to a new version on both peers', () => {
    for (const kind of PEERS) {
      const versions = [...(targets.get(kind)?.versions.values() ?? [])];
      assert.ok(
        versions.some((version) => version > 1),
        `${kind}: versions ${versions.join(', ')}`,
      );
    }
  });

  it('when a request breaks the contract, then the fastify peer refuses it with 400 where the bare peer does not look', async () => {
    const ask = async (kind: ServerKind, path: string, init: RequestInit = {}) => {
      const response = await fetch(`${targets.get(kind)?.baseUrl}${path}`, init);
      return { status: response.status, body: await response.json() };
    };
    const badEmail = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bad', email: 'no-at-sign' }) };
    assert.equal((await ask('bare', '/users', badEmail)).status, 201);
    const refused = await ask('fastify', '/users', badEmail);
    assert.equal(refused.status, 400);
    assert.match((refused.body as { error: string }).error, /body\/email must match format "idn-email"/);

    assert.equal((await ask('bare', '/users/not-an-id')).status, 500);
    assert.equal((await ask('fastify', '/users/not-an-id')).status, 400);
    assert.equal((await ask('fastify', '/users?limit=101')).status, 400, 'limit is at most 100');
  });
});
