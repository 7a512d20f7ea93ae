import { promises as dns } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { bool, cleanEnv, EnvError, makeValidator, str, url } from 'envalid';
import { BEARER_TOKEN } from '../clients/typescript/src/bearer-token.js';
import { isTrustedKeySource } from './auth/provider-fetch.js';
import { parseTrustProxy, type TrustProxy } from './http/middleware/trust-proxy.js';
import { isLoopbackAddress } from './loopback-address.js';

/** A TCP port; 0 asks the OS for a free one (what the tests do). */
const listenPort = makeValidator<number>((input) => {
  const port = Number(input);
  if (!/^\d+$/.test(input) || port > 65535) throw new EnvError(`must be a port from 0 to 65535, got "${input}"`);
  return port;
});

/** Bearer tokens, comma-separated: RFC 6750 token characters, at least 16 of them. */
const tokenList = makeValidator<string[]>((input) => {
  const tokens = input
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
  for (const token of tokens) {
    if (!BEARER_TOKEN.test(token) || token.length < 16) {
      throw new EnvError('each token must be at least 16 characters of A-Z a-z 0-9 - . _ ~ + / (then optional =)');
    }
  }
  return tokens;
});

/** Browser origins allowed by CORS, comma-separated, e.g. https://app.example.com. */
const originList = makeValidator<string[]>((input) => {
  const origins = input
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) throw new EnvError(`"${origin}" is not an origin like https://app.example.com`);
  }
  return origins;
});

/**
 * Express's "trust proxy": which peers may set X-Forwarded-For. "true", and whatever amounts to
 * it (a subnet spanning nearly everyone, a hop count past the proxies), is refused.
 */
const trustProxy = makeValidator<TrustProxy>((input) => {
  const parsed = parseTrustProxy(input);
  if ('refused' in parsed) throw new EnvError(parsed.refused);
  return parsed.trust;
});

/** An http(s) URL, or empty: the collector traces go to, if any. */
const optionalHttpUrl = makeValidator<string>((input) => {
  if (input.trim() === '') return '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(input);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new EnvError(`must be an http or https URL like http://127.0.0.1:4318, got "${input}"`);
  return input;
});

/** The URL clients reach the service at, or empty: http(s), no credentials, query or fragment. */
const publicBaseUrl = makeValidator<string>((input) => {
  if (input.trim() === '') return '';
  const parsed = URL.canParse(input) ? new URL(input) : undefined;
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
    throw new EnvError(
      `must be an http(s) URL with no credentials, query or fragment, like https://api.example.com or https://example.com/users-api, got "${input}"`,
    );
  }
  return parsed.href.replace(/\/+$/, '');
});

/** A JWT claim's name: a top-level member of the token's payload. */
const claimName = makeValidator<string>((input) => {
  const name = input.trim();
  if (!/^[A-Za-z0-9_:.\-/]{1,100}$/.test(name)) throw new EnvError(`must be a claim name like "scope" (letters, digits, _ : . - /), got "${input}"`);
  return name;
});

/** A whole number ≥ 0. */
const nonNegative = makeValidator<number>((input) => {
  if (!/^\d+$/.test(input)) throw new EnvError(`must be a whole number ≥ 0, got "${input}"`);
  return Number(input);
});

/**
 * Signature algorithms accepted on JWTs: asymmetric only. `none` would accept unsigned tokens, and
 * with HS* the "secret" would be whatever key the JWKS publishes, i.e. public: both are refused.
 */
const ASYMMETRIC_JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
const jwtAlgorithms = makeValidator<string[]>((input) => {
  const algorithms = input
    .split(',')
    .map((algorithm) => algorithm.trim())
    .filter((algorithm) => algorithm !== '');
  if (algorithms.length === 0) throw new EnvError('must name at least one algorithm, e.g. RS256,ES256');
  for (const algorithm of algorithms) {
    if (algorithm.toLowerCase() === 'none') throw new EnvError('"none" would accept unsigned tokens: refused');
    if (/^HS/i.test(algorithm))
      throw new EnvError(`"${algorithm}" is symmetric (the key would be the provider's public one): refused; use RS*, PS*, ES* or EdDSA`);
    if (!(ASYMMETRIC_JWT_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new EnvError(`"${algorithm}" is not one of ${ASYMMETRIC_JWT_ALGORITHMS.join(', ')}`);
    }
  }
  return algorithms;
});

/** A positive whole number. */
const positive = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input) || value < 1) throw new EnvError(`must be a whole number > 0, got "${input}"`);
  return value;
});

/** A number of worker processes: 1 to 64 (more only divides the same cores and database). */
const workerCount = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input) || value < 1 || value > 64) throw new EnvError(`must be a whole number from 1 to 64, got "${input}"`);
  return value;
});

/** A positive whole number of milliseconds. */
const millis = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input) || value < 1) throw new EnvError(`must be a whole number of milliseconds > 0, got "${input}"`);
  return value;
});

// Every setting of the service: its environment variable, default and meaning, in one place
// (`.env.example` and the configuration reference in docs/operations.md are checked against it).
export const configSpec = {
  HOST: str({
    default: '127.0.0.1',
    desc: 'Address (or name) to listen on. The default accepts local connections only. Without tokens (local mode) it must be loopback: an address in 127.0.0.0/8 or ::1, or a name all of whose addresses are.',
  }),
  PORT: listenPort({ default: 5000, desc: 'TCP port to listen on (5000, as in the tutorial); 0 picks a free port.' }),
  PUBLIC_BASE_URL: publicBaseUrl({
    default: '',
    desc: 'The URL clients reach the service at (behind a proxy, its public one, path prefix included): the `servers` of the contract served at /openapi.json, /openapi.yaml and /docs. Empty: the address the service listens on.',
    example: 'https://api.example.com',
  }),
  MONGODB_URI: url({
    desc: 'MongoDB connection string. `npm start` sets it to an embedded database when it is not set.',
    example: 'mongodb://127.0.0.1:27017/',
  }),
  MONGODB_DB: str({ default: 'users_api', desc: 'Database name, when MONGODB_URI names none.' }),
  DB_TIMEOUT_MS: millis({
    default: 3000,
    desc: 'Upper bound on one database call (and on a readiness ping); past it the request answers 503.',
  }),
  DB_RETRY_MAX_MS: millis({
    default: 5000,
    desc: 'Longest pause between two attempts to (re)connect to an unreachable database (the backoff cap).',
  }),
  API_TOKENS: tokenList({
    default: [],
    desc: 'Bearer tokens accepted for the protected operations, comma-separated (several, to rotate). Empty: local mode (no auth, loopback only).',
  }),
  JWT_ISSUER: str({
    default: '',
    desc: 'Identity provider whose JWT access tokens are accepted: the exact `iss` they must carry. Setting any JWT_* key (but the tuning ones) or OIDC_ISSUER_URL turns JWT on; it then needs an issuer (this, or OIDC_ISSUER_URL), JWT_AUDIENCE and one of JWT_JWKS_URL / JWT_JWKS_FILE / OIDC_ISSUER_URL.',
  }),
  JWT_AUDIENCE: str({ default: '', desc: "The `aud` a JWT must carry to be accepted here (this API's identifier at the provider). Required with JWT." }),
  JWT_JWKS_URL: optionalHttpUrl({
    default: '',
    desc: "The provider's JSON Web Key Set URL (its jwks_uri), https (plain http on loopback only); keys are cached and refetched for an unknown `kid` at most once per JWT_JWKS_COOLDOWN_MS. Exactly one of JWT_JWKS_URL / JWT_JWKS_FILE / OIDC_ISSUER_URL with JWT.",
    example: 'https://idp.example.com/.well-known/jwks.json',
  }),
  JWT_JWKS_FILE: str({
    default: '',
    desc: 'A local JSON Web Key Set file, for a closed network; read once at start (a restart picks up new keys). Exactly one of JWT_JWKS_URL / JWT_JWKS_FILE / OIDC_ISSUER_URL with JWT.',
  }),
  OIDC_ISSUER_URL: optionalHttpUrl({
    default: '',
    desc: "An OpenID Connect provider's issuer URL, https (plain http on loopback only; the discovered jwks_uri too): its JWKS is found from <issuer>/.well-known/openid-configuration when the first JWT arrives (and looked up again after a failure, at most once per JWT_JWKS_COOLDOWN_MS), and tokens must carry it as `iss`. Instead of JWT_JWKS_URL / JWT_JWKS_FILE; needs JWT_AUDIENCE.",
    example: 'https://keycloak.example.com/realms/users',
  }),
  JWT_ALGORITHMS: jwtAlgorithms({ default: ['RS256', 'ES256'], desc: 'Signature algorithms accepted on JWTs, comma-separated; none and HS* are refused.' }),
  JWT_CLOCK_TOLERANCE_S: nonNegative({ default: 30, desc: 'Seconds of clock difference with the provider tolerated on `exp` and `nbf`.' }),
  JWT_JWKS_COOLDOWN_MS: millis({
    default: 30_000,
    desc: 'After a JWKS fetch, how long a token with an unknown `kid` is refused without fetching again, and after a failed fetch from the provider (key set or discovery), how long nothing is fetched: the bound on fetches a stream of forged kids or a provider outage can cause.',
  }),
  JWT_SCOPE_CLAIM: claimName({
    default: 'scope',
    desc: 'The JWT claim that carries the granted scopes: a space-separated string (OAuth 2, Keycloak, Auth0) or an array of strings; `scp` for Entra ID and Okta.',
  }),
  JWT_EMAIL_CLAIM: claimName({ default: 'email', desc: "The JWT claim with the caller's email, which `users:self` matches against a user's email." }),
  JWT_EMAIL_VERIFIED_CLAIM: claimName({
    default: 'email_verified',
    desc: 'The JWT claim that says the provider verified that email; an email counts for `users:self` only when this claim is true.',
  }),
  RATE_LIMIT_WINDOW_MS: millis({ default: 60_000, desc: 'Window of the rate limits below.' }),
  REGISTRATION_RATE_LIMIT: positive({ default: 20, desc: 'Registrations per client address and window, for callers without a valid token.' }),
  AUTH_FAILURE_RATE_LIMIT: positive({ default: 10, desc: 'Requests with a wrong token per client address and window, before 429.' }),
  RATE_LIMIT_STORE: str({
    default: 'memory',
    choices: ['memory', 'database'],
    desc: "Where the rate limits count: memory (each process on its own; one instance) or database (the service's database, shared by every instance and kept across restarts, at the cost of database calls per counted request).",
  }),
  TRUST_PROXY: trustProxy({
    default: 'loopback',
    desc: 'Which peers may set X-Forwarded-For (the client address for rate limits), comma-separated: loopback, linklocal, uniquelocal, IP addresses and subnets (IPv4 /8 or longer, as a prefix or a netmask; IPv6 /16 or longer, and none holding all of ::ffff:0:0/96); or a hop count from 1 to 5; false (or 0) for none. true is refused, and so is anything that spans (nearly) every client.',
  }),
  CORS_ORIGINS: originList({ default: [], desc: 'Browser origins allowed to call the API (CORS), comma-separated. Empty: CORS off.' }),
  LOG_LEVEL: str({
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    desc: 'Minimum level of the JSON log lines written to stdout.',
  }),
  VALIDATE_RESPONSES: bool({
    default: false,
    desc: 'Check every JSON response against the spec too (on in tests; a mismatch becomes a 500 and an error log).',
  }),
  SHUTDOWN_GRACE_MS: millis({
    default: 10_000,
    desc: 'On SIGTERM/SIGINT, the time the whole shutdown may take: the drain (SHUTDOWN_DRAIN_MS), then in-flight requests finish, then the database client closes.',
  }),
  SHUTDOWN_DRAIN_MS: nonNegative({
    default: 0,
    desc: 'On SIGTERM/SIGINT, how long the service keeps accepting and serving requests (each answered with `Connection: close`) while /readyz already answers 503, before it closes its listening socket: behind a load balancer, at least its health-check interval times its fall count, so that it has stopped sending traffic here first. At most half of SHUTDOWN_GRACE_MS. 0: the listening socket closes at once.',
  }),
  WORKERS: workerCount({
    default: 1,
    desc: 'Service processes on this machine (node:cluster, up to 64): 1 runs one; N > 1 a supervisor and N workers sharing the port, each with its own database pool (see docs/operations.md#worker-mode).',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalHttpUrl({
    default: '',
    desc: 'OpenTelemetry collector to send traces to (OTLP over HTTP, JSON), e.g. http://127.0.0.1:4318; traces go to its /v1/traces. Empty: no tracing, and no OpenTelemetry module is loaded.',
    example: 'http://127.0.0.1:4318',
  }),
  OTEL_SERVICE_NAME: str({ default: 'users-api', desc: 'The service.name of the traces (with OTEL_EXPORTER_OTLP_ENDPOINT).' }),
};

export type Config = {
  host: string;
  port: number;
  /** Where clients reach the service; undefined: its listening address. */
  publicBaseUrl: string | undefined;
  mongodbUri: string;
  mongodbDb: string;
  dbTimeoutMs: number;
  dbRetryMaxMs: number;
  logLevel: string;
  validateResponses: boolean;
  shutdownGraceMs: number;
  /** WORKERS: 1, or the workers worker mode forks (src/workers.ts). */
  workers: number;
  /** Within the grace period: how long readiness is 503 while requests are still accepted. */
  shutdownDrainMs: number;
  apiTokens: string[];
  /** JWT access tokens from an identity provider; undefined: not accepted. */
  jwt: JwtConfig | undefined;
  /** `store`: where the counters live, this process's memory or the database every instance shares. */
  rateLimits: { windowMs: number; registrations: number; authFailures: number; store: 'memory' | 'database' };
  trustProxy: TrustProxy;
  corsOrigins: string[];
  /** Where to send traces (OTLP/HTTP base URL); undefined: tracing is off. */
  otlpEndpoint: string | undefined;
  otelServiceName: string;
};

export type JwtConfig = {
  issuer: string;
  audience: string;
  /**
   * Where the provider's public keys come from: its JWKS URL, a file's keys (read at start), or
   * the jwks_uri of its OpenID Connect discovery document (looked up when first needed).
   */
  keys: { url: URL } | { file: string; jwks: { keys: Record<string, unknown>[] } } | { discovery: URL };
  algorithms: string[];
  clockToleranceS: number;
  jwksCooldownMs: number;
  /** Names of the claims read from a valid token. */
  claims: { scope: string; email: string; emailVerified: string };
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the configuration once; throws a ConfigError naming every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const clean = cleanEnv(env, configSpec, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).map(([key, error]) => {
        const message = error instanceof Error && error.message ? error.message : 'is required';
        const doc = configSpec[key as keyof typeof configSpec]?.desc;
        return `  ${key}: ${message}${doc ? ` (${doc})` : ''}`;
      });
      if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
    },
  });
  const config: Config = {
    host: clean.HOST,
    port: clean.PORT,
    publicBaseUrl: clean.PUBLIC_BASE_URL === '' ? undefined : clean.PUBLIC_BASE_URL,
    mongodbUri: clean.MONGODB_URI,
    mongodbDb: clean.MONGODB_DB,
    dbTimeoutMs: clean.DB_TIMEOUT_MS,
    dbRetryMaxMs: clean.DB_RETRY_MAX_MS,
    logLevel: clean.LOG_LEVEL,
    validateResponses: clean.VALIDATE_RESPONSES,
    shutdownGraceMs: clean.SHUTDOWN_GRACE_MS,
    workers: clean.WORKERS,
    shutdownDrainMs: clean.SHUTDOWN_DRAIN_MS,
    apiTokens: clean.API_TOKENS,
    jwt: jwtConfig(clean),
    rateLimits: {
      windowMs: clean.RATE_LIMIT_WINDOW_MS,
      registrations: clean.REGISTRATION_RATE_LIMIT,
      authFailures: clean.AUTH_FAILURE_RATE_LIMIT,
      store: clean.RATE_LIMIT_STORE,
    },
    trustProxy: clean.TRUST_PROXY,
    corsOrigins: clean.CORS_ORIGINS,
    otlpEndpoint: clean.OTEL_EXPORTER_OTLP_ENDPOINT === '' ? undefined : clean.OTEL_EXPORTER_OTLP_ENDPOINT,
    otelServiceName: clean.OTEL_SERVICE_NAME,
  };
  // The other half of the grace period is for the requests still in flight when the drain ends,
  // and for closing the database: a drain that took it all would leave them to be cut.
  if (config.shutdownDrainMs * 2 > config.shutdownGraceMs) {
    throw new ConfigError(
      `Invalid configuration:\n  SHUTDOWN_DRAIN_MS: ${config.shutdownDrainMs} is more than half of SHUTDOWN_GRACE_MS (${config.shutdownGraceMs}); the rest of the grace period is for the requests in flight and closing the database. Raise SHUTDOWN_GRACE_MS or lower SHUTDOWN_DRAIN_MS.`,
    );
  }
  // Local mode: without tokens there is no authentication, so users' data must not be
  // reachable from other machines. An address is judged here; a name only once resolved, by
  // localModeListenAddress (which server.ts awaits before it listens).
  if (!asksForTokens(config) && (config.host === '' || (isIP(config.host) !== 0 && !isLoopbackAddress(config.host)))) {
    throw notLoopback(`${config.host || '(empty)'} is reachable from other machines`);
  }
  return config;
}

function notLoopback(why: string): ConfigError {
  return new ConfigError(
    `Invalid configuration:\n  HOST: ${why}, and API_TOKENS is empty (and no JWT provider is set): refusing to serve users' data without authentication. Set API_TOKENS or JWT_*, or HOST=127.0.0.1.`,
  );
}

/** A name's addresses, as `dns.promises.lookup(name, { all: true })` gives them. */
export type LookupAll = (hostname: string, options: { all: true }) => Promise<{ address: string; family: number }[]>;

/**
 * The address to listen on in local mode: HOST itself when it is a loopback address, or, for
 * a name, the first of its addresses (the one listen() would pick) when every one of them is
 * loopback: `localhost`, or an /etc/hosts alias of 127.0.0.1. A name with any other address is
 * refused whatever it is called, and so is one that does not resolve. Listening on the address
 * checked, not on the name, leaves no second look-up that could answer otherwise.
 */
export async function localModeListenAddress(host: string, lookup: LookupAll = (name, options) => dns.lookup(name, options)): Promise<string> {
  if (host === '' || isIP(host) !== 0) {
    if (isLoopbackAddress(host)) return host;
    throw notLoopback(`${host || '(empty)'} is reachable from other machines`);
  }
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch (error) {
    throw notLoopback(`"${host}" does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'}), so it cannot be checked to be loopback`);
  }
  const elsewhere = addresses.map(({ address }) => address).filter((address) => !isLoopbackAddress(address));
  const [first] = addresses;
  if (!first) throw notLoopback(`"${host}" resolves to no address, so it cannot be checked to be loopback`);
  if (elsewhere.length > 0) throw notLoopback(`"${host}" resolves to ${elsewhere.join(', ')}, which other machines can reach`);
  return first.address;
}

/** Whether operations ask for a bearer token: static API_TOKENS, JWTs, or both. Neither: local mode. */
export function asksForTokens(config: Pick<Config, 'apiTokens' | 'jwt'>): boolean {
  return config.apiTokens.length > 0 || config.jwt !== undefined;
}

type JwtEnv = {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_JWKS_URL: string;
  JWT_JWKS_FILE: string;
  OIDC_ISSUER_URL: string;
  JWT_ALGORITHMS: string[];
  JWT_CLOCK_TOLERANCE_S: number;
  JWT_JWKS_COOLDOWN_MS: number;
  JWT_SCOPE_CLAIM: string;
  JWT_EMAIL_CLAIM: string;
  JWT_EMAIL_VERIFIED_CLAIM: string;
};

/**
 * JWT is on when any of its identifying keys is set, and then all of them must make sense
 * together; each problem is named apart, so a half-done setup never silently means "no JWT".
 */
function jwtConfig(env: JwtEnv): JwtConfig | undefined {
  const set = (['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_JWKS_URL', 'JWT_JWKS_FILE', 'OIDC_ISSUER_URL'] as const).filter((key) => env[key].trim() !== '');
  if (set.length === 0) return undefined;
  const problems: string[] = [];
  const because = `required when JWT is configured (${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set)`;
  const url = env.JWT_JWKS_URL.trim();
  const file = env.JWT_JWKS_FILE.trim();
  const oidc = env.OIDC_ISSUER_URL.trim();
  // With discovery the issuer is the provider's URL itself (OpenID Connect Discovery §4.3).
  const issuer = env.JWT_ISSUER.trim() || oidc;
  if (issuer === '') problems.push(`  JWT_ISSUER: ${because}: the provider's exact \`iss\` (or OIDC_ISSUER_URL)`);
  if (oidc !== '' && env.JWT_ISSUER.trim() !== '' && env.JWT_ISSUER.trim() !== oidc) {
    problems.push('  JWT_ISSUER, OIDC_ISSUER_URL: they differ; with discovery the issuer is OIDC_ISSUER_URL (leave JWT_ISSUER unset)');
  }
  if (env.JWT_AUDIENCE.trim() === '') problems.push(`  JWT_AUDIENCE: ${because}: the \`aud\` this API's tokens carry`);
  const sources = [url && 'JWT_JWKS_URL', file && 'JWT_JWKS_FILE', oidc && 'OIDC_ISSUER_URL'].filter(Boolean);
  if (sources.length > 1)
    problems.push(`  ${sources.join(', ')}: set exactly one source of the provider's keys (a URL, a file for a closed network, or discovery)`);
  if (sources.length === 0) problems.push(`  JWT_JWKS_URL, JWT_JWKS_FILE or OIDC_ISSUER_URL: one is ${because}: where the provider's public keys are`);
  // Keys (and the discovery document that names them) only over https, or plain http on this machine.
  for (const [key, value] of [
    ['JWT_JWKS_URL', url],
    ['OIDC_ISSUER_URL', oidc],
  ] as const) {
    if (value !== '' && URL.canParse(value) && !isTrustedKeySource(new URL(value))) {
      problems.push(
        `  ${key}: "${value}" is plain http to another machine: anyone on the path could hand the service keys of their own; use https (plain http is accepted on loopback only)`,
      );
    }
  }
  let keys: JwtConfig['keys'] | undefined;
  if (sources.length === 1 && url !== '') keys = { url: new URL(url) };
  if (sources.length === 1 && oidc !== '') keys = { discovery: new URL(`${oidc.replace(/\/+$/, '')}/.well-known/openid-configuration`) };
  if (sources.length === 1 && file !== '') {
    const read = readJwksFile(file);
    if (typeof read === 'string') problems.push(`  JWT_JWKS_FILE: ${read}`);
    else keys = { file, jwks: read };
  }
  if (problems.length > 0 || !keys) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  return {
    issuer,
    audience: env.JWT_AUDIENCE.trim(),
    keys,
    algorithms: env.JWT_ALGORITHMS,
    clockToleranceS: env.JWT_CLOCK_TOLERANCE_S,
    jwksCooldownMs: env.JWT_JWKS_COOLDOWN_MS,
    claims: { scope: env.JWT_SCOPE_CLAIM, email: env.JWT_EMAIL_CLAIM, emailVerified: env.JWT_EMAIL_VERIFIED_CLAIM },
  };
}

/** A JWKS file's key set, or what is wrong with the file. */
function readJwksFile(path: string): { keys: Record<string, unknown>[] } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return `cannot read "${path}" as JSON (${error instanceof SyntaxError ? 'not JSON' : ((error as NodeJS.ErrnoException).code ?? 'unreadable')})`;
  }
  const keys = typeof parsed === 'object' && parsed !== null ? (parsed as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key) => typeof key === 'object' && key !== null)) {
    return `"${path}" is not a JSON Web Key Set (an object with a non-empty "keys" array)`;
  }
  return { keys: keys as Record<string, unknown>[] };
}
