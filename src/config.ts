import { bool, cleanEnv, EnvError, makeValidator, str, url } from 'envalid';

/** A TCP port; 0 asks the OS for a free one (what the tests do). */
const listenPort = makeValidator<number>((input) => {
  const port = Number(input);
  if (!/^\d+$/.test(input) || port > 65535) throw new EnvError(`must be a port from 0 to 65535, got "${input}"`);
  return port;
});

/** Bearer tokens, comma-separated: RFC 6750 token characters, at least 16 of them. */
const tokenList = makeValidator<string[]>((input) => {
  const tokens = input.split(',').map((token) => token.trim()).filter((token) => token !== '');
  for (const token of tokens) {
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token) || token.length < 16) {
      throw new EnvError('each token must be at least 16 characters of A-Z a-z 0-9 - . _ ~ + / (then optional =)');
    }
  }
  return tokens;
});

/** Browser origins allowed by CORS, comma-separated, e.g. https://app.example.com. */
const originList = makeValidator<string[]>((input) => {
  const origins = input.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '');
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

/** Express's "trust proxy": which peers may set X-Forwarded-For. "true" (everyone) is refused. */
const trustProxy = makeValidator<string | number | false>((input) => {
  if (input === 'false') return false;
  if (/^\d+$/.test(input)) return Number(input);
  if (input === 'true') throw new EnvError('"true" would let any client choose its address; name the proxies (e.g. loopback, 10.0.0.0/8)');
  return input;
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

/** A positive whole number. */
const positive = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input) || value < 1) throw new EnvError(`must be a whole number > 0, got "${input}"`);
  return value;
});

/** A positive whole number of milliseconds. */
const millis = makeValidator<number>((input) => {
  const value = Number(input);
  if (!/^\d+$/.test(input) || value < 1) throw new EnvError(`must be a whole number of milliseconds > 0, got "${input}"`);
  return value;
});

// Every setting of the service: its environment variable, default and meaning, in one place.
const spec = {
  HOST: str({ default: '127.0.0.1', desc: 'Address to listen on. The default accepts local connections only.' }),
  PORT: listenPort({ default: 5000, desc: 'TCP port to listen on (5000, as in the tutorial); 0 picks a free port.' }),
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
    desc: 'Bearer tokens accepted for the protected operations, comma-separated (several, to rotate). Empty: protected mode (no auth, loopback only).',
  }),
  RATE_LIMIT_WINDOW_MS: millis({ default: 60_000, desc: 'Window of the rate limits below.' }),
  REGISTRATION_RATE_LIMIT: positive({ default: 20, desc: 'Registrations per client address and window, for callers without a valid token.' }),
  AUTH_FAILURE_RATE_LIMIT: positive({ default: 10, desc: 'Requests with a wrong token per client address and window, before 429.' }),
  TRUST_PROXY: trustProxy({
    default: 'loopback',
    desc: 'Which peers may set X-Forwarded-For (the client address for rate limits): Express "trust proxy" values, "false" for none.',
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
    desc: 'On SIGTERM/SIGINT, the time the whole shutdown may take: in-flight requests finish, then the database client closes.',
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
  mongodbUri: string;
  mongodbDb: string;
  dbTimeoutMs: number;
  dbRetryMaxMs: number;
  logLevel: string;
  validateResponses: boolean;
  shutdownGraceMs: number;
  apiTokens: string[];
  rateLimits: { windowMs: number; registrations: number; authFailures: number };
  trustProxy: string | number | false;
  corsOrigins: string[];
  /** Where to send traces (OTLP/HTTP base URL); undefined: tracing is off. */
  otlpEndpoint: string | undefined;
  otelServiceName: string;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the configuration once; throws a ConfigError naming every bad key. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const clean = cleanEnv(env, spec, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).map(([key, error]) => {
        const message = error instanceof Error && error.message ? error.message : 'is required';
        const doc = spec[key as keyof typeof spec]?.desc;
        return `  ${key}: ${message}${doc ? ` (${doc})` : ''}`;
      });
      if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
    },
  });
  const config: Config = {
    host: clean.HOST,
    port: clean.PORT,
    mongodbUri: clean.MONGODB_URI,
    mongodbDb: clean.MONGODB_DB,
    dbTimeoutMs: clean.DB_TIMEOUT_MS,
    dbRetryMaxMs: clean.DB_RETRY_MAX_MS,
    logLevel: clean.LOG_LEVEL,
    validateResponses: clean.VALIDATE_RESPONSES,
    shutdownGraceMs: clean.SHUTDOWN_GRACE_MS,
    apiTokens: clean.API_TOKENS,
    rateLimits: { windowMs: clean.RATE_LIMIT_WINDOW_MS, registrations: clean.REGISTRATION_RATE_LIMIT, authFailures: clean.AUTH_FAILURE_RATE_LIMIT },
    trustProxy: clean.TRUST_PROXY,
    corsOrigins: clean.CORS_ORIGINS,
    otlpEndpoint: clean.OTEL_EXPORTER_OTLP_ENDPOINT === '' ? undefined : clean.OTEL_EXPORTER_OTLP_ENDPOINT,
    otelServiceName: clean.OTEL_SERVICE_NAME,
  };
  // Protected mode: without tokens there is no authentication, so users' data must not be
  // reachable from other machines.
  if (config.apiTokens.length === 0 && !isLoopback(config.host)) {
    throw new ConfigError(
      `Invalid configuration:\n  HOST: ${config.host} is reachable from other machines, and API_TOKENS is empty: refusing to serve users' data without authentication. Set API_TOKENS, or HOST=127.0.0.1.`,
    );
  }
  return config;
}

/** Whether an address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
