// Captures the reference collection's saved examples from real runs: the real application on a
// real database, driven to every status the contract documents for each operation, each request
// and response recorded (status, headers, body). Three servers:
// - the ordinary one (static token, a test identity provider for the scope examples, low rate
//   limits so the 429s come quickly);
// - the same with a fault injected for one request (the database driver throws, or for the
//   health endpoints an internal check throws): the 500s;
// - a server process whose database process is then killed: the 503s (a real outage).
// Used by scripts/capture-reference-examples.ts (which writes postman/src/reference/examples.json)
// and by test/conformance/reference-examples.test.ts (which checks the committed examples against a
// fresh capture). Needs MONGODB_URI (a database for the ordinary servers).
import { Collection, Db } from 'mongodb';
import { OwnFerretDb } from '../../test/support/ferretdb.js';
import { IdentityProvider, signingKey } from '../../test/support/identity-provider.js';
import { startServerProcess, waitUntil } from '../../test/support/server-process.js';
import { connectTestDatabase, startTestServer, testAppConfig } from '../../test/support/test-server.js';
import { createApp } from '../../src/app.js';
import { UsersRepository } from '../../src/data/users-repository.js';
import { UsersService } from '../../src/domain/users-service.js';
import { createLogger } from '../../src/logger.js';

export const CAPTURE_TOKEN = 'reference-capture-token-0123456789';

export type CapturedRequest = { method: string; path: string; headers: Record<string, string>; body?: string };
export type CapturedExample = {
  operationId: string;
  status: number;
  /** What the example shows, e.g. "404 — when no user has the id". */
  name: string;
  request: CapturedRequest;
  response: { status: number; headers: [string, string][]; body: string };
};

type Send = (request: CapturedRequest) => Promise<CapturedExample['response']>;
type Ctx = { send: Send; token: string; scopeless: string; createUser(tag: string): Promise<{ id: string; email: string; etag: string }> };
type Scenario = { operationId: string; status: number; when: string; request(ctx: Ctx): Promise<CapturedRequest> | CapturedRequest; repeat?: boolean };

/** Response headers kept in the examples: what a client reads (no Date, no connection handling). */
const KEPT_HEADERS = /^(content-type|location|etag|cache-control|retry-after|www-authenticate|ratelimit.*|deprecation|link|sunset|allow)$/i;

function sender(baseUrl: string): Send {
  return async (request) => {
    const init: RequestInit = { method: request.method, headers: request.headers, redirect: 'manual' };
    if (request.body !== undefined) init.body = request.body;
    const response = await fetch(baseUrl + request.path, init);
    const headers = [...response.headers].filter(([key]) => KEPT_HEADERS.test(key));
    return { status: response.status, headers, body: await response.text() };
  };
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
let sequence = 0;
const unique = (tag: string) => `${tag}.${Date.now().toString(36)}${(sequence++).toString(36)}@example.com`;
const clientAddress = () => `2001:db8:${Math.floor(Math.random() * 0x10000).toString(16)}:${Math.floor(Math.random() * 0x10000).toString(16)}::1`;
const UNKNOWN_ID = '65a1f0c2e4b0a1b2c3d4e5f6';
const BIG = 'x'.repeat(17 * 1024);

/** The secured operations, with a request each that the scope and token examples reuse. */
const SECURED: { operationId: string; request(ctx: Ctx): Promise<CapturedRequest> }[] = [
  { operationId: 'listUsers', request: async () => ({ method: 'GET', path: '/users?limit=2', headers: {} }) },
  { operationId: 'getUser', request: async (ctx) => ({ method: 'GET', path: `/users/${(await ctx.createUser('get')).id}`, headers: {} }) },
  {
    operationId: 'updateUser',
    request: async (ctx) => ({
      method: 'PATCH',
      path: `/users/${(await ctx.createUser('patch')).id}`,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: json({ name: 'iron man' }),
    }),
  },
  { operationId: 'deleteUser', request: async (ctx) => ({ method: 'DELETE', path: `/users/${(await ctx.createUser('delete')).id}`, headers: {} }) },
  { operationId: 'legacyListUsers', request: async () => ({ method: 'GET', path: '/user', headers: {} }) },
  {
    operationId: 'legacyUpdateUser',
    request: async (ctx) => ({
      method: 'PATCH',
      path: '/user',
      headers: { 'Content-Type': 'application/json' },
      body: json({ query: { email: (await ctx.createUser('lpatch')).email }, payload: { name: 'iron man' } }),
    }),
  },
  {
    operationId: 'legacyDeleteUser',
    request: async (ctx) => ({
      method: 'DELETE',
      path: '/delete',
      headers: { 'Content-Type': 'application/json' },
      body: json({ email: (await ctx.createUser('ldelete')).email }),
    }),
  },
  { operationId: 'getMetrics', request: async () => ({ method: 'GET', path: '/metrics', headers: {} }) },
];

/** Every operation with a request that touches nothing but reads (the 400s add a query parameter to it). */
const PATHS: Record<string, { method: string; path: string }> = {
  listUsers: { method: 'GET', path: '/users' },
  createUser: { method: 'POST', path: '/users' },
  getUser: { method: 'GET', path: `/users/${UNKNOWN_ID}` },
  updateUser: { method: 'PATCH', path: `/users/${UNKNOWN_ID}` },
  deleteUser: { method: 'DELETE', path: `/users/${UNKNOWN_ID}` },
  legacyListUsers: { method: 'GET', path: '/user' },
  legacyUpdateUser: { method: 'PATCH', path: '/user' },
  legacyRegister: { method: 'POST', path: '/register' },
  legacyDeleteUser: { method: 'DELETE', path: '/delete' },
  getLiveness: { method: 'GET', path: '/healthz' },
  getReadiness: { method: 'GET', path: '/readyz' },
  getMetrics: { method: 'GET', path: '/metrics' },
};

const withToken = (ctx: Ctx, request: CapturedRequest): CapturedRequest => ({ ...request, headers: { ...bearer(ctx.token), ...request.headers } });

function ordinaryScenarios(): Scenario[] {
  const s: Scenario[] = [];
  const add = (operationId: string, status: number, when: string, request: Scenario['request'], repeat = false) =>
    s.push({ operationId, status, when, request, repeat });
  const register =
    (path: string) =>
    (tag: string, ctx: Ctx, email = unique(tag)): CapturedRequest =>
      withToken(ctx, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: json({ name: 'superman', email }) });
  for (const [operationId, path] of [
    ['createUser', '/users'],
    ['legacyRegister', '/register'],
  ] as const) {
    add(operationId, 201, 'when name and email are valid', (ctx) => register(path)('new', ctx));
    add(operationId, 409, 'when the email is taken, in any letter case', async (ctx) =>
      register(path)('', ctx, (await ctx.createUser('taken')).email.toUpperCase()),
    );
    add(operationId, 400, 'when a property is missing', (ctx) =>
      withToken(ctx, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: json({ name: 'superman' }) }),
    );
    add(operationId, 413, 'when the body is over 16 KiB', (ctx) =>
      withToken(ctx, { method: 'POST', path, headers: { 'Content-Type': 'application/json' }, body: json({ name: BIG, email: unique('big') }) }),
    );
    add(operationId, 415, 'when the body is not JSON', (ctx) =>
      withToken(ctx, { method: 'POST', path, headers: { 'Content-Type': 'text/plain' }, body: 'superman super@gmail.com' }),
    );
    add(
      operationId,
      429,
      'when a client without a token registers too often',
      () => ({
        method: 'POST',
        path,
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': clientAddress() },
        body: json({ name: 'visitor', email: unique('visitor') }),
      }),
      true,
    );
  }
  add(
    'listUsers',
    200,
    'a page of users, oldest first',
    async (ctx) => (await ctx.createUser('list'), withToken(ctx, { method: 'GET', path: '/users?limit=2', headers: {} })),
  );
  add('getUser', 200, 'when the user exists', async (ctx) =>
    withToken(ctx, { method: 'GET', path: `/users/${(await ctx.createUser('get')).id}`, headers: {} }),
  );
  add('getUser', 304, 'when If-None-Match has the current ETag', async (ctx) => {
    const user = await ctx.createUser('etag');
    return withToken(ctx, { method: 'GET', path: `/users/${user.id}`, headers: { 'If-None-Match': user.etag } });
  });
  for (const [operationId, method] of [
    ['getUser', 'GET'],
    ['updateUser', 'PATCH'],
    ['deleteUser', 'DELETE'],
  ] as const) {
    add(operationId, 404, 'when no user has the id', (ctx) =>
      withToken(ctx, {
        method,
        path: `/users/${UNKNOWN_ID}`,
        headers: method === 'PATCH' ? { 'Content-Type': 'application/merge-patch+json' } : {},
        ...(method === 'PATCH' ? { body: json({ name: 'iron man' }) } : {}),
      }),
    );
  }
  add('updateUser', 200, 'when If-Match has the current ETag', async (ctx) => {
    const user = await ctx.createUser('patch');
    return withToken(ctx, {
      method: 'PATCH',
      path: `/users/${user.id}`,
      headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': user.etag },
      body: json({ name: 'iron man' }),
    });
  });
  add('updateUser', 409, "when the new email is another user's", async (ctx) => {
    const [user, other] = [await ctx.createUser('patch'), await ctx.createUser('other')];
    return withToken(ctx, {
      method: 'PATCH',
      path: `/users/${user.id}`,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: json({ email: other.email }),
    });
  });
  add('updateUser', 412, 'when If-Match has a stale ETag', async (ctx) =>
    withToken(ctx, {
      method: 'PATCH',
      path: `/users/${(await ctx.createUser('stale')).id}`,
      headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"7"' },
      body: json({ name: 'iron man' }),
    }),
  );
  add('updateUser', 413, 'when the body is over 16 KiB', async (ctx) =>
    withToken(ctx, {
      method: 'PATCH',
      path: `/users/${(await ctx.createUser('big')).id}`,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: json({ name: BIG }),
    }),
  );
  add('updateUser', 415, 'when the body is not JSON', async (ctx) =>
    withToken(ctx, { method: 'PATCH', path: `/users/${(await ctx.createUser('text')).id}`, headers: { 'Content-Type': 'text/plain' }, body: 'iron man' }),
  );
  add('deleteUser', 204, 'when the user exists', async (ctx) =>
    withToken(ctx, { method: 'DELETE', path: `/users/${(await ctx.createUser('delete')).id}`, headers: {} }),
  );
  add('deleteUser', 412, 'when If-Match has a stale ETag', async (ctx) =>
    withToken(ctx, { method: 'DELETE', path: `/users/${(await ctx.createUser('stale')).id}`, headers: { 'If-Match': '"7"' } }),
  );
  add('legacyListUsers', 200, 'the users, oldest first', async (ctx) =>
    withToken(ctx, { method: 'GET', path: `/user?email=${encodeURIComponent((await ctx.createUser('llist')).email)}`, headers: {} }),
  );
  const legacyPatch =
    (body: unknown, contentType = 'application/json'): Scenario['request'] =>
    (ctx) =>
      withToken(ctx, { method: 'PATCH', path: '/user', headers: { 'Content-Type': contentType }, body: typeof body === 'string' ? body : json(body) });
  add('legacyUpdateUser', 200, 'when a user has the email', async (ctx) =>
    legacyPatch({ query: { email: (await ctx.createUser('lpatch')).email }, payload: { name: 'iron man' } })(ctx),
  );
  add('legacyUpdateUser', 404, 'when no user has the email', legacyPatch({ query: { email: 'nobody@example.com' }, payload: { name: 'iron man' } }));
  add('legacyUpdateUser', 409, "when the new email is another user's", async (ctx) =>
    legacyPatch({ query: { email: (await ctx.createUser('lpatch')).email }, payload: { email: (await ctx.createUser('lother')).email } })(ctx),
  );
  add('legacyUpdateUser', 413, 'when the body is over 16 KiB', legacyPatch({ query: { email: 'nobody@example.com' }, payload: { name: BIG } }));
  add('legacyUpdateUser', 415, 'when the body is not JSON', legacyPatch('iron man', 'text/plain'));
  const legacyDelete =
    (body: unknown, contentType = 'application/json'): Scenario['request'] =>
    (ctx) =>
      withToken(ctx, { method: 'DELETE', path: '/delete', headers: { 'Content-Type': contentType }, body: typeof body === 'string' ? body : json(body) });
  add('legacyDeleteUser', 204, 'when a user has the email', async (ctx) => legacyDelete({ email: (await ctx.createUser('ldelete')).email })(ctx));
  add('legacyDeleteUser', 404, 'when no user has the email', legacyDelete({ email: 'nobody@example.com' }));
  add('legacyDeleteUser', 413, 'when the body is over 16 KiB', legacyDelete({ email: `${BIG}@example.com` }));
  add('legacyDeleteUser', 415, 'when the body is not JSON', legacyDelete('super@gmail.com', 'text/plain'));
  add('getLiveness', 200, 'when the process runs', () => ({ method: 'GET', path: '/healthz', headers: {} }));
  add('getReadiness', 200, 'when the database answers', () => ({ method: 'GET', path: '/readyz', headers: {} }));
  add('getMetrics', 200, 'the metrics, in the Prometheus text format', (ctx) => withToken(ctx, { method: 'GET', path: '/metrics', headers: {} }));
  for (const [operationId, { method, path }] of Object.entries(PATHS)) {
    if (operationId === 'createUser' || operationId === 'legacyRegister') continue;
    add(operationId, 400, 'when an unknown query parameter is sent', (ctx) =>
      withToken(ctx, { method, path: `${path}${path.includes('?') ? '&' : '?'}verbose=1`, headers: {} }),
    );
  }
  for (const secured of SECURED) {
    add(secured.operationId, 401, 'when no token is sent', async (ctx) => secured.request(ctx));
    add(secured.operationId, 403, "when the token grants none of the operation's scopes", async (ctx) => ({
      ...(await secured.request(ctx)),
      ...{},
      headers: { ...(await secured.request(ctx)).headers, ...bearer(ctx.scopeless) },
    }));
    add(
      secured.operationId,
      429,
      'when a client sends wrong tokens too often',
      async (ctx) => {
        const request = await secured.request(ctx);
        return { ...request, headers: { ...request.headers, ...bearer('not-a-valid-token-0000000000000000'), 'X-Forwarded-For': clientAddress() } };
      },
      true,
    );
  }
  return s;
}

async function runScenario(ctx: Ctx, scenario: Scenario): Promise<CapturedExample> {
  let request = await scenario.request(ctx);
  let response = await ctx.send(request);
  // The 429s: the same client again until the service says so (the limits are low here).
  for (let attempt = 0; scenario.repeat && response.status !== 429 && attempt < 20; attempt++) {
    if (request.headers['X-Forwarded-For'] === undefined) break;
    const address = request.headers['X-Forwarded-For'];
    request = { ...(await scenario.request(ctx)), headers: { ...(await scenario.request(ctx)).headers, 'X-Forwarded-For': address } };
    response = await ctx.send(request);
  }
  return { operationId: scenario.operationId, status: scenario.status, name: `${scenario.status} — ${scenario.when}`, request, response };
}

function context(baseUrl: string, token: string, scopeless: string): Ctx {
  const send = sender(baseUrl);
  return {
    send,
    token,
    scopeless,
    async createUser(tag) {
      const response = await send({
        method: 'POST',
        path: '/users',
        headers: { ...bearer(token), 'Content-Type': 'application/json' },
        body: json({ name: 'superman', email: unique(tag) }),
      });
      if (response.status !== 201) throw new Error(`setup: registering failed with ${response.status}: ${response.body}`);
      const user = JSON.parse(response.body) as { id: string; email: string };
      return { id: user.id, email: user.email, etag: response.headers.find(([key]) => key === 'etag')?.[1] ?? '' };
    },
  };
}

/**
 * The database driver's calls that reject while `armed`, as if the database connection broke
 * mid-call: the collections' methods, and the `find` commands reads by `_id` send through
 * `Db.command` (src/data/find-by-id.ts). Other commands (the readiness ping) still reach it.
 */
function driverFault(): { arm(): void; disarm(): void } {
  const methods = ['find', 'findOne', 'insertOne', 'findOneAndUpdate', 'findOneAndDelete', 'deleteOne', 'countDocuments', 'aggregate'] as const;
  const proto = Collection.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map(methods.map((method) => [method, proto[method]!]));
  type Command = (this: Db, ...args: Parameters<Db['command']>) => ReturnType<Db['command']>;
  const db = Db.prototype as unknown as { command: Command };
  const command = db.command;
  const fail = () => {
    throw new Error('injected failure: the database driver throws');
  };
  return {
    arm() {
      for (const method of methods) proto[method] = fail;
      db.command = function (this: Db, ...args) {
        return 'find' in args[0] ? fail() : command.apply(this, args);
      };
    },
    disarm() {
      for (const [method, original] of originals) proto[method] = original;
      db.command = command;
    },
  };
}

/** Every example the capture makes, in a stable order (operation, then status, then name). */
export async function captureExamples(log: (line: string) => void = () => {}): Promise<CapturedExample[]> {
  const examples: CapturedExample[] = [];
  const provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-1')]);
  try {
    const scopeless = await provider.mint({ claims: { scope: 'openid profile' } });
    const server = await startTestServer('reference', {
      API_TOKENS: CAPTURE_TOKEN,
      REGISTRATION_RATE_LIMIT: '2',
      AUTH_FAILURE_RATE_LIMIT: '2',
      ...provider.env('url'),
    });
    try {
      const ctx = context(server.baseUrl, CAPTURE_TOKEN, scopeless);
      for (const scenario of ordinaryScenarios()) examples.push(await runScenario(ctx, scenario));
      log(`captured ${examples.length} examples from the ordinary server`);
      // 500: the same server, the driver throwing during one request.
      const fault = driverFault();
      for (const [operationId, { method, path }] of Object.entries(PATHS)) {
        if (operationId.startsWith('get') && operationId !== 'getUser') continue;
        const request = withToken(ctx, { method, path: path.replace(UNKNOWN_ID, (await ctx.createUser('fault')).id), headers: {} });
        const body = {
          createUser: { name: 'superman', email: unique('fault') },
          legacyRegister: { name: 'superman', email: unique('fault') },
          updateUser: { name: 'iron man' },
          legacyUpdateUser: { query: { email: 'super@gmail.com' }, payload: { name: 'iron man' } },
          legacyDeleteUser: { email: 'super@gmail.com' },
        }[operationId];
        const full: CapturedRequest =
          body === undefined
            ? request
            : {
                ...request,
                headers: { ...request.headers, 'Content-Type': operationId === 'updateUser' ? 'application/merge-patch+json' : 'application/json' },
                body: json(body),
              };
        fault.arm();
        try {
          examples.push({
            operationId,
            status: 500,
            name: '500 — when the database driver throws (an injected fault)',
            request: full,
            response: await ctx.send(full),
          });
        } finally {
          fault.disarm();
        }
      }
    } finally {
      await server.close();
    }
  } finally {
    await provider.stop();
  }
  examples.push(...(await captureHealthFaults()));
  examples.push(...(await captureOutage(log)));
  return examples.sort((a, b) => a.operationId.localeCompare(b.operationId) || a.status - b.status || a.name.localeCompare(b.name));
}

/**
 * 500 of the health endpoints, which never reach the driver: the real app with health checks
 * whose `stopping()` (asked on every request) throws once, as a broken internal check would.
 */
async function captureHealthFaults(): Promise<CapturedExample[]> {
  const connection = await connectTestDatabase('reference_health');
  let armed = false;
  const app = createApp({
    users: new UsersService(new UsersRepository(connection)),
    logger: createLogger('silent'),
    config: testAppConfig({ API_TOKENS: CAPTURE_TOKEN }),
    database: connection,
    health: {
      ready: () => connection.ping(),
      stopping: () => {
        if (!armed) return false;
        armed = false;
        throw new Error('injected failure: an internal check throws');
      },
    },
  });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const examples: CapturedExample[] = [];
  try {
    const send = sender(`http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`);
    for (const operationId of ['getLiveness', 'getReadiness', 'getMetrics']) {
      const { method, path } = PATHS[operationId]!;
      const request: CapturedRequest = { method, path, headers: operationId === 'getMetrics' ? bearer(CAPTURE_TOKEN) : {} };
      armed = true;
      examples.push({ operationId, status: 500, name: '500 — when an internal check throws (an injected fault)', request, response: await send(request) });
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await connection.db.dropDatabase();
    await connection.close();
  }
  return examples;
}

/** 503: a server process whose database process is killed. */
async function captureOutage(log: (line: string) => void): Promise<CapturedExample[]> {
  const db = await OwnFerretDb.create();
  await db.start();
  const server = await startServerProcess({
    MONGODB_URI: db.uri,
    MONGODB_DB: 'reference_outage',
    API_TOKENS: CAPTURE_TOKEN,
    DB_TIMEOUT_MS: '1000',
    DB_RETRY_MAX_MS: '1000',
  });
  const examples: CapturedExample[] = [];
  try {
    if (!(await waitUntil(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, { timeoutMs: 15_000 })))
      throw new Error('the outage server never became ready');
    const ctx = context(server.baseUrl, CAPTURE_TOKEN, '');
    const user = await ctx.createUser('outage');
    await db.kill();
    for (const [operationId, { method, path }] of Object.entries(PATHS)) {
      if (operationId === 'getLiveness' || operationId === 'getMetrics') continue;
      const bodies: Record<string, unknown> = {
        createUser: { name: 'superman', email: unique('outage') },
        legacyRegister: { name: 'superman', email: unique('outage') },
        updateUser: { name: 'iron man' },
        legacyUpdateUser: { query: { email: user.email }, payload: { name: 'iron man' } },
        legacyDeleteUser: { email: user.email },
      };
      const body = bodies[operationId];
      const request: CapturedRequest = {
        method,
        path: path.replace(UNKNOWN_ID, user.id),
        headers: {
          ...bearer(CAPTURE_TOKEN),
          ...(body === undefined ? {} : { 'Content-Type': operationId === 'updateUser' ? 'application/merge-patch+json' : 'application/json' }),
        },
        ...(body === undefined ? {} : { body: json(body) }),
      };
      examples.push({ operationId, status: 503, name: '503 — when the database is down (its process killed)', request, response: await ctx.send(request) });
    }
    log(`captured ${examples.length} examples during the outage`);
  } finally {
    await server.stop();
    await db.remove();
  }
  return examples;
}
