// Provides a MongoDB-compatible database for `npm start` and the test runner:
//   1. MONGODB_URI set               -> use it as is ('external'; nothing started, stop() does nothing);
//   2. else `mongod` on PATH         -> a throwaway mongod on a free loopback port ('mongod');
//   3. else embedded FerretDB v1     -> tools/ferretdb built with Go into .tools/bin ('ferretdb').
// Started processes never outlive this process (see managed-process.ts), stop() is idempotent, and
// temporary data directories are removed on stop() (or when this process exits).
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { findExecutable } from './find-executable.js';
import { ensureGoToolBuilt, goToolPaths, type GoTool, type LogFn } from './go-tool.js';
import { describeExit, spawnManaged, type ExitInfo, type ManagedProcess } from './managed-process.js';
import { pickFreePort, waitForTcpPort } from './tcp-port.js';
import { createTempDataDir, type TempDataDir } from './temp-data-dir.js';

export type { ExitInfo } from './managed-process.js';
export type { LogFn } from './go-tool.js';

export type DatabaseKind = 'external' | 'mongod' | 'ferretdb';

export interface Database {
  /** Connection string for the `mongodb` driver (no database name in the path for started servers). */
  readonly uri: string;
  readonly kind: DatabaseKind;
  /** One line for humans, e.g. "embedded FerretDB v1.24.2 (SQLite) at mongodb://127.0.0.1:40123/, ...". */
  readonly description: string;
  /** Stops what was started and removes temporary data. Idempotent; never rejects. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Progress lines for humans (e.g. console.error). Default: silent. */
  log?: LogFn;
  /** Keep the database files here (created if missing, never removed) instead of in a temporary directory. */
  dataDir?: string;
  /** Environment to read MONGODB_URI and PATH from and to pass to child processes. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export type FerretDbLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface FerretDbStartOptions {
  /** Directory for FerretDB's SQLite files (created if missing; never removed by this function's stop()). */
  dataDir: string;
  /** host:port to listen on. Default 127.0.0.1:0 (a free port). With a fixed port that is still
   * held by a dying previous instance, starting is retried for up to 10 s. */
  listenAddr?: string;
  log?: LogFn;
  env?: NodeJS.ProcessEnv;
  /** FerretDB's own log level (its logs go to the tail quoted in error messages). Default 'error'. */
  logLevel?: FerretDbLogLevel;
  /** How long to wait for the ready line. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface FerretDbInstance extends Database {
  readonly kind: 'ferretdb';
  readonly pid: number;
  /** The host:port it listens on (resolved: never port 0), e.g. to restart on the same port. */
  readonly listenAddr: string;
  readonly dataDir: string;
  /** Settles when the process has exited, whoever stopped or killed it. */
  readonly exited: Promise<ExitInfo>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const noop: LogFn = () => {};

// ---------------------------------------------------------------------------------------------------
// startDatabase

export async function startDatabase(opts: StartOptions = {}): Promise<Database> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? noop;

  const externalUri = env.MONGODB_URI?.trim();
  if (externalUri) {
    return {
      uri: externalUri,
      kind: 'external',
      description: `external MongoDB from MONGODB_URI (${redactUri(externalUri)})`,
      stop: async () => {},
    };
  }

  const mongod = findExecutable('mongod', env);
  if (mongod !== undefined) {
    return startMongod(mongod, { log, env, dataDir: opts.dataDir });
  }

  log('MONGODB_URI is not set and there is no mongod on PATH: using the embedded FerretDB database.');
  const binary = await ensureFerretDbBuilt(log, env);
  if (opts.dataDir !== undefined) {
    return launchFerretDb(binary, { dataDir: resolve(opts.dataDir), log, env }, undefined);
  }
  const temp = await createTempDataDir();
  return launchFerretDb(binary, { dataDir: temp.dataDir, log, env }, temp);
}

// ---------------------------------------------------------------------------------------------------
// mongod

async function startMongod(
  mongodPath: string,
  { log, env, dataDir: givenDataDir }: { log: LogFn; env: NodeJS.ProcessEnv; dataDir: string | undefined },
): Promise<Database> {
  const temp = givenDataDir === undefined ? await createTempDataDir() : undefined;
  const removeDataDir = temp !== undefined;
  const dataDir = temp?.dataDir ?? resolve(givenDataDir ?? '');
  try {
    await ensureDataDir(dataDir, 'mongod');
    for (let attempt = 1; ; attempt++) {
      const port = await pickFreePort();
      log(`Starting mongod (${mongodPath}) on 127.0.0.1:${port}…`);
      const proc = await spawnManaged(mongodPath, ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(port), '--nounixsocket'], {
        name: 'mongod',
        env,
        orphanWatchdog: true,
        signalOnParentExit: removeDataDir ? 'SIGKILL' : 'SIGTERM',
      });
      const exitedEarly = new AbortController();
      void proc.exited.then((info) => exitedEarly.abort(new Error(`mongod ${describeExit(info)}`)));
      try {
        await waitForTcpPort('127.0.0.1', port, { timeoutMs: READY_TIMEOUT_MS, signal: exitedEarly.signal });
      } catch (err) {
        await proc.stop(0);
        // Someone took the port between pickFreePort() and mongod binding it: try another one.
        if (attempt < 3 && proc.output.includes(/address already in use/i)) continue;
        throw new Error(
          `mongod did not start: ${(err as Error).message}.\n` +
            `Command: ${mongodPath} --dbpath ${dataDir} --bind_ip 127.0.0.1 --port ${port} --nounixsocket\n` +
            `--- last output of mongod ---\n${proc.output.tail()}`,
        );
      }
      const uri = `mongodb://127.0.0.1:${port}/`;
      watchUnexpectedExit(proc, uri, log);
      proc.setKeepsEventLoopAlive(false);
      return {
        uri,
        kind: 'mongod',
        description: `mongod (${mongodPath}) at ${uri}, data in ${dataDir}${removeDataDir ? ' (temporary)' : ''}`,
        stop: once(async () => {
          await proc.stop(STOP_GRACE_MS);
          await temp?.remove();
        }),
      };
    }
  } catch (err) {
    await temp?.remove();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// FerretDB: build

const FERRETDB: GoTool = {
  name: 'ferretdb',
  what: 'the embedded FerretDB database',
  sourcesWhat: 'the embedded FerretDB sources',
  buildPackage: '.',
  firstBuildTakes: 'a minute or two',
  goMissing:
    'No database available: MONGODB_URI is not set, there is no mongod on PATH, and building the embedded ' +
    'FerretDB database needs Go (https://go.dev/dl/, 1.24 or newer), which is not on PATH either. ' +
    'Go is needed only for the embedded database: alternatively set MONGODB_URI to a MongoDB server, ' +
    'or put mongod on PATH.',
};

/**
 * Returns the path of the embedded FerretDB binary (.tools/bin/ferretdb), building it with Go first
 * if it is missing or tools/ferretdb/{*.go,go.mod,go.sum} changed since it was built (a hash of
 * them is kept in .tools/bin/ferretdb.build-stamp). Safe to call concurrently, also from several
 * processes.
 */
export async function ensureFerretDbBuilt(log: LogFn = noop, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return ensureGoToolBuilt(FERRETDB, log, env);
}

// ---------------------------------------------------------------------------------------------------
// FerretDB: run

/**
 * Starts the embedded FerretDB on `dataDir` (kept after stop()). Lower level than startDatabase:
 * fault-injection tests use it to kill the process (process.kill(db.pid, 'SIGKILL')) and start it again
 * with the same listenAddr and dataDir.
 */
export async function startFerretDb(opts: FerretDbStartOptions): Promise<FerretDbInstance> {
  const log = opts.log ?? noop;
  const binary = await ensureFerretDbBuilt(log, opts.env ?? process.env);
  return launchFerretDb(binary, { ...opts, dataDir: resolve(opts.dataDir) }, undefined);
}

class AddressInUseError extends Error {}

async function launchFerretDb(
  binary: string,
  opts: FerretDbStartOptions,
  /** Set when opts.dataDir is temporary: removed on stop() and on failure. */
  temp: TempDataDir | undefined,
): Promise<FerretDbInstance> {
  const removeDataDir = temp !== undefined;
  const listenAddr = opts.listenAddr ?? '127.0.0.1:0';
  const retryUntil = Date.now() + (/:0$/.test(listenAddr) ? 0 : 10_000);
  try {
    await ensureDataDir(opts.dataDir, 'FerretDB');
    for (;;) {
      try {
        const { proc, uri } = await spawnFerretDbOnce(binary, { ...opts, listenAddr }, removeDataDir);
        const log = opts.log ?? noop;
        watchUnexpectedExit(proc, uri, log);
        proc.setKeepsEventLoopAlive(false);
        return {
          uri,
          kind: 'ferretdb',
          description: `embedded FerretDB ${ferretDbVersion()} (SQLite) at ${uri}, ` + `data in ${opts.dataDir}${removeDataDir ? ' (temporary)' : ''}`,
          pid: proc.pid,
          listenAddr: new URL(uri).host,
          dataDir: opts.dataDir,
          exited: proc.exited,
          stop: once(async () => {
            await proc.stop(STOP_GRACE_MS);
            await temp?.remove();
          }),
        };
      } catch (err) {
        // A fixed port still held by the previous instance (e.g. just killed): try again shortly.
        if (err instanceof AddressInUseError && Date.now() < retryUntil) {
          await delay(200);
          continue;
        }
        throw err;
      }
    }
  } catch (err) {
    await temp?.remove();
    throw err;
  }
}

async function spawnFerretDbOnce(
  binary: string,
  opts: FerretDbStartOptions & { listenAddr: string },
  removeDataDir: boolean,
): Promise<{ proc: ManagedProcess; uri: string }> {
  const args = ['--data-dir', opts.dataDir, '--listen-addr', opts.listenAddr, '--log-level', opts.logLevel ?? 'error'];
  let resolveReady: (uri: string) => void = noop;
  const ready = new Promise<string>((res) => {
    resolveReady = res;
  });
  const proc = await spawnManaged(binary, args, {
    name: 'FerretDB',
    env: opts.env ?? process.env,
    stdinPipe: true, // it stops when its stdin closes, i.e. when this process is gone
    signalOnParentExit: removeDataDir ? 'SIGKILL' : 'SIGTERM',
    onStdoutLine: (line) => {
      const uri = parseReadyLine(line);
      if (uri !== undefined) resolveReady(uri);
    },
  });

  const timeoutMs = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const timer = new AbortController();
  const outcome = await Promise.race([
    ready.then((uri) => ({ uri })),
    proc.exited.then((exit) => ({ exit })),
    delay(timeoutMs, { timeout: true as const }, { signal: timer.signal }).catch(() => ({ timeout: true as const })),
  ]);
  timer.abort();

  if ('uri' in outcome) return { proc, uri: outcome.uri };
  await proc.stop(0);
  const command = `${binary} ${args.join(' ')}`;
  if ('exit' in outcome) {
    if (proc.output.includes(/address already in use/i)) {
      throw new AddressInUseError(`FerretDB cannot listen on ${opts.listenAddr}: address already in use`);
    }
    throw new Error(
      `FerretDB ${describeExit(outcome.exit)} before it was ready.\nCommand: ${command}\n` + `--- last output of FerretDB ---\n${proc.output.tail()}`,
    );
  }
  throw new Error(`FerretDB did not report ready within ${timeoutMs} ms.\nCommand: ${command}\n` + `--- last output of FerretDB ---\n${proc.output.tail()}`);
}

function parseReadyLine(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as { event?: unknown; uri?: unknown };
    return parsed.event === 'ready' && typeof parsed.uri === 'string' ? parsed.uri : undefined;
  } catch {
    return undefined;
  }
}

let cachedFerretDbVersion: string | undefined;

function ferretDbVersion(): string {
  if (cachedFerretDbVersion === undefined) {
    try {
      const goMod = readFileSync(join(goToolPaths(FERRETDB.name).sourceDir, 'go.mod'), 'utf8');
      cachedFerretDbVersion = /github\.com\/FerretDB\/FerretDB\s+(v\S+)/.exec(goMod)?.[1] ?? 'v1';
    } catch {
      cachedFerretDbVersion = 'v1';
    }
  }
  return cachedFerretDbVersion;
}

// ---------------------------------------------------------------------------------------------------
// shared helpers

function watchUnexpectedExit(proc: ManagedProcess, uri: string, log: LogFn): void {
  void proc.exited.then((info) => {
    if (proc.isStopping) return;
    log(`${proc.name} (pid ${proc.pid}, ${uri}) ${describeExit(info)} unexpectedly.\n` + `--- last output of ${proc.name} ---\n${proc.output.tail()}`);
  });
}

/** Wraps an async function so that it runs once; later calls return the first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= fn().catch(() => {});
    return result;
  };
}

async function ensureDataDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new Error(`Cannot create the ${what} data directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** mongodb://user:secret@host/db -> mongodb://user:***@host/db (never print passwords). */
function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_match, scheme: string, userInfo: string) => {
    const colon = userInfo.indexOf(':');
    return `${scheme}${colon === -1 ? userInfo : `${userInfo.slice(0, colon)}:***`}@`;
  });
}
