import { bool, cleanEnv, EnvError, makeValidator, str, url } from 'envalid';

/** A TCP port; 0 asks the OS for a free one (what the tests do). */
const listenPort = makeValidator<number>((input) => {
  const port = Number(input);
  if (!/^\d+$/.test(input) || port > 65535) throw new EnvError(`must be a port from 0 to 65535, got "${input}"`);
  return port;
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
  return {
    host: clean.HOST,
    port: clean.PORT,
    mongodbUri: clean.MONGODB_URI,
    mongodbDb: clean.MONGODB_DB,
    dbTimeoutMs: clean.DB_TIMEOUT_MS,
    dbRetryMaxMs: clean.DB_RETRY_MAX_MS,
    logLevel: clean.LOG_LEVEL,
    validateResponses: clean.VALIDATE_RESPONSES,
    shutdownGraceMs: clean.SHUTDOWN_GRACE_MS,
  };
}
