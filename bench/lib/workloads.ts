// What the bench asks of each server: one entry per workload, in the order they run. Reads come
// first, so that they all see exactly the seeded users; then the writes; DELETE last, removing
// only users the POST workloads created.
import type autocannon from 'autocannon';
import { encodeCursor } from '../../src/domain/cursor.js';
import type { SeededUser } from './seed.js';

/** `traced`: the service again, with tracing on (only with --trace); `jwt`: with JWTs (only with --jwt). */
export type ServerKind = 'service' | 'traced' | 'jwt' | 'bare' | 'fastify' | 'flask';

export type WorkloadId =
  | 'healthz'
  | 'get-user-by-email'
  | 'get-user-by-id'
  | 'list-by-email'
  | 'list-first-page'
  | 'list-near-end'
  | 'patch-user'
  | 'patch-user-by-id'
  | 'register'
  | 'create-user'
  | 'delete-user';

export type Phase = 'warmup' | 'measure';

/** One autocannon run's worth of requests, and at most how many may be sent (none: the duration decides). */
export type LoadPlan = { requests: autocannon.Request[]; maxRequests?: number };

/** A server under test and what the workloads remember about it between runs. */
export type WorkloadTarget = {
  readonly kind: ServerKind;
  readonly baseUrl: string;
  /** Sent with every request (the service's bearer token). */
  readonly headers: Readonly<Record<string, string>>;
  readonly seeded: readonly SeededUser[];
  readonly connections: number;
  readonly random: () => number;
  /** Emails of users the POST workloads created, oldest first: the only users DELETE removes. */
  readonly created: string[];
  /** Next number for a unique email. */
  unique: number;
  /** PATCH /users/{id}: the users it edits and the version each has now. */
  readonly versions: Map<string, number>;
  readonly idle: string[];
  nearEndCursor?: string;
};

export type Workload = {
  readonly id: WorkloadId;
  readonly title: string;
  readonly servers: readonly ServerKind[];
  /** Addressed by email or id, or a list: its cost may grow with the number of users. */
  readonly scaling: boolean;
  /**
   * Its plan reads the server's state (versions), which the warm-up's last requests may still be
   * changing: wait for the server to be idle between warm-up and measurement.
   */
  readonly quietBeforeMeasuring?: boolean;
  plan(target: WorkloadTarget, phase: Phase): Promise<LoadPlan>;
};

const ALL: readonly ServerKind[] = ['service', 'traced', 'jwt', 'bare', 'fastify', 'flask'];
const NODE: readonly ServerKind[] = ['service', 'traced', 'jwt', 'bare', 'fastify'];
/** The peers whose cursor is the last id as it is. */
const ID_CURSORS: readonly ServerKind[] = ['bare', 'fastify'];
const JSON_BODY = { 'content-type': 'application/json' } as const;
const PAGE = 20;

export function createTarget(init: {
  kind: ServerKind;
  baseUrl: string;
  headers: Record<string, string>;
  seeded: readonly SeededUser[];
  connections: number;
  seed: number;
}): WorkloadTarget {
  return { ...init, random: mulberry32(init.seed), created: [], unique: 0, versions: new Map(), idle: [] };
}

/** A small seeded PRNG: the same picks on every run and for every server. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}

/** The same address in random letter case: every server must find it in any case. */
function mixCase(email: string, random: () => number): string {
  return [...email].map((char) => (random() < 0.5 ? char.toUpperCase() : char.toLowerCase())).join('');
}

function headerValue(headers: autocannon.Request['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** A response body's field; undefined for anything unexpected (a throw here would land inside autocannon's parser). */
function fieldOf(body: string, name: 'id' | 'email'): string | undefined {
  try {
    const value: unknown = (JSON.parse(body) as Record<string, unknown> | null)?.[name];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function versionOf(etag: string | undefined): number | undefined {
  const match = /"(\d+)"/.exec(etag ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** A request whose path and body are chosen anew each time (autocannon calls setupRequest per request). */
function varying(
  method: autocannon.Request['method'],
  next: () => { path: string; body?: unknown; headers?: Record<string, string> },
  onResponse?: autocannon.Request['onResponse'],
): autocannon.Request {
  return {
    method,
    setupRequest: (request) => {
      const { path, body, headers } = next();
      return {
        ...request,
        path,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headers: { ...request.headers, ...(body === undefined ? {} : JSON_BODY), ...headers },
      };
    },
    ...(onResponse === undefined ? {} : { onResponse }),
  };
}

/** Remembers the users a POST created, for DELETE. */
function rememberCreated(target: WorkloadTarget): autocannon.Request['onResponse'] {
  return (status, body) => {
    const email = status === 201 ? fieldOf(body, 'email') : undefined;
    if (email !== undefined) target.created.push(email);
  };
}

async function getJson(target: WorkloadTarget, path: string): Promise<{ status: number; etag: string | null; body: unknown }> {
  const response = await fetch(target.baseUrl + path, { headers: target.headers, signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  return { status: response.status, etag: response.headers.get('etag'), body: text ? (JSON.parse(text) as unknown) : undefined };
}

type Page = { items: { id: string }[]; nextCursor: string | null };

/**
 * A cursor whose page is the last 20 seeded users. The service's cursors are opaque: one is made
 * with its own encoder and checked against the page it must give; if that ever stops matching,
 * the service is paged through from the start instead.
 */
async function findNearEndCursor(target: WorkloadTarget): Promise<string> {
  const ids = target.seeded.map((user) => user.id).sort();
  const position = Math.max(0, ids.length - PAGE - 1);
  const after = ids[position] ?? '';
  if (ID_CURSORS.includes(target.kind)) return after;
  const candidate = encodeCursor(after);
  const check = await getJson(target, `/users?limit=${PAGE}&cursor=${encodeURIComponent(candidate)}`);
  if (check.status === 200 && (check.body as Page).items[0]?.id === ids[position + 1]) return candidate;
  if (check.status === 503) {
    // The list itself meets the database bound (FerretDB from about 50,000 users): no page can be
    // had, so neither this check nor paging through can be done. The workload then reports the
    // 503s it gets, with the cursor the service's own encoder made.
    process.stderr.write('[bench] the list answered 503 (the database bound): the cursor near the end is used unchecked\n');
    return candidate;
  }

  process.stderr.write('[bench] the service did not accept a cursor made by its encoder; paging through it for one instead\n');
  const cursors: string[] = [];
  for (let cursor: string | null = null; ;) {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await getJson(target, `/users?limit=100${query}`);
    if (page.status !== 200) throw new Error(`GET /users while looking for a cursor answered ${page.status}`);
    cursor = (page.body as Page).nextCursor;
    if (cursor === null) break;
    cursors.push(cursor);
  }
  const nearEnd = cursors.at(-1);
  if (nearEnd === undefined) throw new Error(`the service lists fewer than 100 users; seeded ${ids.length}`);
  return nearEnd;
}

/** Picks the users PATCH /users/{id} edits (two per connection) and reads the version each has now. */
async function resyncVersions(target: WorkloadTarget): Promise<void> {
  if (target.versions.size === 0) {
    const size = Math.min(target.seeded.length, target.connections * 2);
    for (let i = 0; i < size; i++) {
      const user = target.seeded[Math.floor((i * target.seeded.length) / size)];
      if (user) target.versions.set(user.id, 1);
    }
  }
  // A run ends by cutting its connections: requests in flight then may or may not have been applied.
  for (const id of target.versions.keys()) {
    const { status, etag } = await getJson(target, `/users/${id}`);
    const version = versionOf(etag ?? undefined);
    if (status !== 200 || version === undefined) throw new Error(`GET /users/${id} answered ${status} with ETag ${etag}`);
    target.versions.set(id, version);
  }
  target.idle.splice(0, target.idle.length, ...target.versions.keys());
}

/** A registration workload: fresh emails, each created user remembered for DELETE /delete. */
function registration(id: 'register' | 'create-user', path: '/register' | '/users', servers: readonly ServerKind[]): Workload {
  const prefix = id === 'register' ? 'register' : 'create';
  return {
    id,
    title: `POST ${path}`,
    servers,
    scaling: false,
    plan: async (target) => ({
      requests: [
        varying(
          'POST',
          () => {
            const n = target.unique++;
            return { path, body: { name: `Bench user ${n}`, email: `${prefix}-${n}@example.com` } };
          },
          rememberCreated(target),
        ),
      ],
    }),
  };
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'healthz',
    title: 'GET /healthz',
    servers: NODE,
    scaling: false,
    plan: async () => ({ requests: [{ method: 'GET', path: '/healthz' }] }),
  },
  {
    id: 'get-user-by-email',
    title: 'GET /user?email=',
    servers: ALL,
    scaling: true,
    plan: async (target) => ({
      requests: [varying('GET', () => ({ path: `/user?email=${encodeURIComponent(mixCase(pick(target.seeded, target.random).email, target.random))}` }))],
    }),
  },
  {
    id: 'get-user-by-id',
    title: 'GET /users/{id}',
    servers: NODE,
    scaling: true,
    plan: async (target) => ({ requests: [varying('GET', () => ({ path: `/users/${pick(target.seeded, target.random).id}` }))] }),
  },
  {
    id: 'list-by-email',
    title: 'GET /users?email=',
    servers: NODE,
    scaling: true,
    plan: async (target) => ({
      requests: [varying('GET', () => ({ path: `/users?email=${encodeURIComponent(mixCase(pick(target.seeded, target.random).email, target.random))}` }))],
    }),
  },
  {
    id: 'list-first-page',
    title: 'GET /users?limit=20',
    servers: NODE,
    scaling: true,
    plan: async () => ({ requests: [{ method: 'GET', path: `/users?limit=${PAGE}` }] }),
  },
  {
    id: 'list-near-end',
    title: 'GET /users?limit=20&cursor=(last page)',
    servers: NODE,
    scaling: true,
    plan: async (target) => {
      target.nearEndCursor ??= await findNearEndCursor(target);
      return { requests: [{ method: 'GET', path: `/users?limit=${PAGE}&cursor=${encodeURIComponent(target.nearEndCursor)}` }] };
    },
  },
  {
    id: 'patch-user',
    title: 'PATCH /user',
    servers: ALL,
    scaling: true,
    plan: async (target) => ({
      requests: [
        varying('PATCH', () => ({
          path: '/user',
          body: { query: { email: mixCase(pick(target.seeded, target.random).email, target.random) }, payload: { name: `Renamed ${target.unique++}` } },
        })),
      ],
    }),
  },
  {
    id: 'patch-user-by-id',
    title: 'PATCH /users/{id} (If-Match)',
    servers: NODE,
    scaling: true,
    quietBeforeMeasuring: true,
    plan: async (target) => {
      await resyncVersions(target);
      // Each request takes a user nobody is editing, with the version it has now, and gives it
      // back with its new version when the answer comes: every If-Match is current.
      const next = () => {
        const id = target.idle.shift() ?? pick([...target.versions.keys()], target.random);
        return { path: `/users/${id}`, body: { name: `Renamed ${target.unique++}` }, headers: { 'if-match': `"${target.versions.get(id) ?? 1}"` } };
      };
      const onResponse: autocannon.Request['onResponse'] = (status, body, _context, headers) => {
        const id = fieldOf(body, 'id');
        const version = versionOf(headerValue(headers, 'etag'));
        if (id === undefined) return;
        if (status === 200 && version !== undefined) target.versions.set(id, version);
        target.idle.push(id);
      };
      return { requests: [varying('PATCH', next, onResponse)] };
    },
  },
  registration('register', '/register', ALL),
  registration('create-user', '/users', NODE),
  {
    id: 'delete-user',
    title: 'DELETE /delete',
    servers: ALL,
    scaling: false,
    plan: async (target, phase) => {
      // Never more requests than users to delete: a 404 is not throughput.
      const available = target.created.length;
      if (available < 2) throw new Error(`the POST workloads created ${available} users: too few to measure DELETE /delete`);
      const maxRequests = phase === 'warmup' ? Math.floor(available / 5) || 1 : available;
      return {
        maxRequests,
        requests: [varying('DELETE', () => ({ path: '/delete', body: { email: target.created.shift() ?? 'nobody@example.com' } }))],
      };
    },
  },
];
