// Starting the servers under test: the service as shipped and the three peers, each on a free
// loopback port, its output in a log file (never the terminal), in a process group of its own
// that is killed if the bench dies. Ready means: the first 200 from its readiness route.
import { SERVER_ENV, SERVER_ENV_WORDS, SERVER_NODE_FLAGS } from '../../src/runtime-flags.js';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addExitHook } from '../../scripts/lib/managed-process.js';
import { pickFreePort } from '../../scripts/lib/tcp-port.js';
import { flaskPeerDir } from './flask-venv.js';
import { memoryOf, type Memory } from './proc-stats.js';
import type { ServerKind } from './workloads.js';

export type RunningServer = {
  readonly kind: ServerKind;
  readonly baseUrl: string;
  readonly pid: number;
  /** From spawning the process to its first 200 on the readiness route (database up and seeded). */
  readonly readyMs: number;
  readonly logFile: string;
  memory(): Memory | undefined;
  /** SIGTERM to its process group, SIGKILL after 10 s. Never rejects. */
  stop(): Promise<void>;
};

/** How each server is run, for the report. */
export const SERVER_COMMANDS: Readonly<Record<ServerKind, string>> = {
  service: `${SERVER_ENV_WORDS} node ${SERVER_NODE_FLAGS.join(' ')} dist/src/server.js (as npm start runs it; default settings: HOST 127.0.0.1, LOG_LEVEL info into a log file, API_TOKENS set; every request sends the bearer token)`,
  jwt: 'the same, also trusting an identity provider (JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_FILE with the RS256 key the bench made); every request sends an RS256 JWT with every scope instead of the static token',
  traced: 'the same, with OTEL_EXPORTER_OTLP_ENDPOINT set to a local sink the bench runs (accepts OTLP JSON, counts the spans, discards them): tracing on',
  bare: 'node dist/bench/peers/bare/server.js (baseline: Express 5 + mongodb driver, no validation, auth, logging or headers)',
  fastify:
    "node dist/bench/peers/fastify/server.js (the bare peer's routes on Fastify 5 + mongodb driver, with request validation and response serialization from the contract's JSON Schemas; no auth, logging or headers)",
  flask: "gunicorn -w 2 -k gthread app:app in bench/peers/flask (baseline: the tutorial's routes with pymongo)",
};

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const serviceEntry = fileURLToPath(new URL('../../src/server.js', import.meta.url));
const bareEntry = fileURLToPath(new URL('../peers/bare/server.js', import.meta.url));
const fastifyEntry = fileURLToPath(new URL('../peers/fastify/server.js', import.meta.url));

type LaunchSpec = {
  kind: ServerKind;
  command: string;
  args: (port: number) => string[];
  env: Record<string, string>;
  cwd?: string;
  readyPath: string;
  /** The answer on readyPath that means ready (200 unless said otherwise). */
  readyStatus?: number;
  logFile: string;
};

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function launch(spec: LaunchSpec): Promise<RunningServer> {
  const port = await pickFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = openSync(spec.logFile, 'a');
  const spawnedAt = performance.now();
  const child = spawn(spec.command, spec.args(port), {
    cwd: spec.cwd,
    // Only what it needs: nothing of the caller's (MONGODB_URI, NODE_OPTIONS…) leaks in.
    env: { PATH: process.env.PATH ?? '', ...spec.env, PORT: String(port) },
    stdio: ['ignore', log, log],
    detached: true, // its own process group: gunicorn's workers go with it, Ctrl+C reaches the bench only
  });
  closeSync(log);
  const pid = child.pid ?? -1;
  let exitCode: number | string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal ?? 'unknown';
      resolve();
    });
  });
  child.once('error', (error) => {
    exitCode = error.message;
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  const removeHook = addExitHook(() => signalGroup('SIGKILL'));
  void exited.then(removeHook);

  const stop = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    signalGroup('SIGKILL'); // stragglers of the group
  };

  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`the ${spec.kind} server exited before it was ready (${exitCode}); log ${spec.logFile}:\n${tail(spec.logFile)}`);
    }
    if (performance.now() - spawnedAt > START_TIMEOUT_MS) {
      await stop();
      throw new Error(`the ${spec.kind} server was not ready within ${START_TIMEOUT_MS} ms; log ${spec.logFile}:\n${tail(spec.logFile)}`);
    }
    const status = await fetch(baseUrl + spec.readyPath, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      () => 0,
    );
    if (status === (spec.readyStatus ?? 200)) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const readyMs = performance.now() - spawnedAt;
  return { kind: spec.kind, baseUrl, pid, readyMs, logFile: spec.logFile, memory: () => memoryOf(pid), stop };
}

/** The service; with `otlpEndpoint`, traced (the `traced` server); with `jwt`, also trusting that provider (the `jwt` server). */
export function startService(options: {
  node: string;
  dbUri: string;
  token: string;
  logFile: string;
  otlpEndpoint?: string;
  jwt?: { issuer: string; audience: string; jwksFile: string };
}): Promise<RunningServer> {
  return launch({
    kind: options.jwt !== undefined ? 'jwt' : options.otlpEndpoint === undefined ? 'service' : 'traced',
    command: options.node,
    args: () => [...SERVER_NODE_FLAGS, serviceEntry],
    // Defaults otherwise: a free PORT instead of 5000, and the token the bench sends.
    env: {
      ...SERVER_ENV,
      HOST: '127.0.0.1',
      MONGODB_URI: options.dbUri,
      API_TOKENS: options.token,
      ...(options.otlpEndpoint === undefined ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint }),
      ...(options.jwt === undefined ? {} : { JWT_ISSUER: options.jwt.issuer, JWT_AUDIENCE: options.jwt.audience, JWT_JWKS_FILE: options.jwt.jwksFile }),
    },
    readyPath: '/readyz',
    logFile: options.logFile,
  });
}

export function startBare(options: { node: string; dbUri: string; logFile: string }): Promise<RunningServer> {
  return launch({
    kind: 'bare',
    command: options.node,
    args: () => [bareEntry],
    env: { HOST: '127.0.0.1', MONGODB_URI: options.dbUri },
    readyPath: '/readyz',
    logFile: options.logFile,
  });
}

export function startFastify(options: { node: string; dbUri: string; logFile: string }): Promise<RunningServer> {
  return launch({
    kind: 'fastify',
    command: options.node,
    args: () => [fastifyEntry],
    env: { HOST: '127.0.0.1', MONGODB_URI: options.dbUri },
    readyPath: '/readyz',
    logFile: options.logFile,
  });
}

export function startFlask(options: { gunicorn: string; dbUri: string; logFile: string }): Promise<RunningServer> {
  return launch({
    kind: 'flask',
    command: options.gunicorn,
    // gthread rather than gunicorn's default sync worker: a sync worker closes the connection after
    // every response, and autocannon, which keeps connections alive, then loses a request per
    // response and times the rest from the wrong moment. One thread per worker, as with sync.
    args: (port) => ['-w', '2', '-k', 'gthread', '--no-control-socket', '-b', `127.0.0.1:${port}`, 'app:app'],
    // No __pycache__ beside the sources in the work tree.
    env: { MONGODB_URI: options.dbUri, PYTHONDONTWRITEBYTECODE: '1' },
    cwd: flaskPeerDir(),
    // It has no readiness route, and each of its routes reads the whole collection (seconds at
    // 100k users). Flask's own 404 comes from a worker that has loaded the app, which connected
    // to the database and created its index: it can serve.
    readyPath: '/ready-probe',
    readyStatus: 404,
    logFile: options.logFile,
  });
}
