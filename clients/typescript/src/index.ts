// The Users API client for other projects: `import { createUsersClient } from '@users-api/client'`.
// It is openapi-fetch typed by ./generated/openapi.ts (generated from openapi/openapi.yaml when the
// package is built), so every path, method, parameter, body and response below comes from the
// spec; nothing here restates a shape by hand. Browser-safe: fetch, Headers and Response only.
import createClient, { mergeHeaders, type Client, type ClientOptions, type HeadersOptions } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import type { Problem } from './schemas.js';
import { BEARER_TOKEN } from './bearer-token.js';

export type { components, operations, paths } from './generated/openapi.js';
export type {
  LegacyDelete,
  LegacyListUsersQuery,
  LegacyUpdate,
  ListUsersQuery,
  UserRegistration,
  Problem,
  ProblemCode,
  User,
  UserIdParams,
  UserPage,
  UserPatch,
  ValidationIssue,
  Health,
} from './schemas.js';

/** The client: openapi-fetch's `Client` over the spec's paths (`GET`, `POST`, `PATCH`, `DELETE`, `use`…). */
export type UsersClient = Client<paths>;

/**
 * Gives the bearer token for one request, e.g. from a front-end's sign-in library that refreshes
 * it; `undefined` sends the request without one (signed out).
 */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

export type UsersClientOptions = {
  /** Where the API is served, e.g. `http://127.0.0.1:5000` (no trailing path needed). */
  baseUrl: string;
  /**
   * Sent as `Authorization: Bearer <token>` (RFC 6750 token syntax): a token for every request,
   * or a function called before each request for the token to send with it.
   */
  token?: string | TokenProvider;
  /** A fetch to use instead of the global one (tests, proxies, retries). */
  fetch?: ClientOptions['fetch'];
  /** Headers sent on every request; per-request `headers` win over these. */
  headers?: HeadersOptions;
};

/**
 * Creates a typed client of the Users API.
 *
 * ```ts
 * const users = createUsersClient({ baseUrl: 'http://127.0.0.1:5000' });
 * const { data, error } = await users.POST('/users', { body: { name: 'superman', email: 'super@gmail.com' } });
 * ```
 */
export function createUsersClient(options: UsersClientOptions): UsersClient {
  const { baseUrl, token, fetch, headers } = options;
  if (typeof token === 'string') checkToken(token);
  // openapi-fetch merges header records and Headers, not [name, value] lists: make those Headers.
  const common = Array.isArray(headers) ? new Headers(headers) : headers;
  const client = createClient<paths>({
    baseUrl,
    ...(fetch === undefined ? {} : { fetch }),
    headers: typeof token === 'string' ? mergeHeaders(common, { Authorization: `Bearer ${token}` }) : common,
  });
  if (typeof token === 'function') {
    client.use({
      async onRequest({ request }) {
        // An Authorization header given for this one request wins, as other headers do.
        if (request.headers.has('Authorization')) return request;
        const current = await token();
        if (current === undefined) return request;
        checkToken(current);
        request.headers.set('Authorization', `Bearer ${current}`);
        return request;
      },
    });
  }
  return client;
}

/** Refuses what is not an RFC 6750 bearer token, before it reaches a header (no injection). */
function checkToken(token: string): void {
  if (!BEARER_TOKEN.test(token)) throw new TypeError('token must be a bearer token (RFC 6750 characters, not empty, no white space)');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether `value` is an RFC 9457 problem document with the members the spec's `Problem` schema
 * requires (`type`, `title`, `status`, `code`). `code` is only checked to be a string, so a code
 * added to the spec later is still recognised as a problem.
 */
export function isProblem(value: unknown): value is Problem {
  return (
    isObject(value) &&
    typeof value.type === 'string' &&
    typeof value.title === 'string' &&
    Number.isInteger(value.status) &&
    typeof value.code === 'string' &&
    (value.detail === undefined || typeof value.detail === 'string') &&
    (value.instance === undefined || typeof value.instance === 'string') &&
    (value.errors === undefined || Array.isArray(value.errors))
  );
}

/**
 * The problem a client call answered with, or undefined: set only when the response is an
 * `application/problem+json` error whose body is a problem. openapi-fetch types `error` from the
 * spec, but at run time it holds whatever arrived (an empty string for a 304, a proxy's HTML page…);
 * this tells them apart.
 *
 * ```ts
 * const result = await users.GET('/users/{id}', { params: { path: { id } } });
 * const problem = problemOf(result);
 * if (problem?.code === 'USER_NOT_FOUND') …
 * ```
 */
export function problemOf(result: { error?: unknown; response: Response }): Problem | undefined {
  const { error, response } = result;
  if (response.ok) return undefined;
  const type = response.headers.get('content-type') ?? '';
  return /^application\/problem\+json\s*(;|$)/i.test(type) && isProblem(error) ? error : undefined;
}
