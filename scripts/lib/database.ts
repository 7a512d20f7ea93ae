// Provides a MongoDB-compatible database for `npm start` and the test runner:
//   1. MONGODB_URI set               -> use it as is ('external'; nothing started, stop() does nothing);
//   2. else `mongod` on PATH         -> a throwaway mongod on a free loopback port ('mongod');
//   3. else embedded FerretDB v1     -> tools/ferretdb built with Go into .tools/bin ('ferretdb').
// Started processes never outlive this process (see managed-process.ts), stop() is idempotent, and
// temporary data directories are removed on stop() (or when this process exits).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { findExecutable } from './find-executable.js';
import { acquireFileLock } from './file-lock.js';
import { describeExit, isProcessAlive, spawnManaged, type ExitInfo, type ManagedProcess } from './managed-process.js';
import { findProjectRoot } from './project-root.js';
import { pickFreePort, waitForTcpPort } from './tcp-port.js';
import { createTempDataDir, type TempDataDir } from './temp-data-dir.js';

export type { ExitInfo } from './managed-process.js';

export type LogFn = (line: string) => void;
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
      const proc = await spawnManaged(
        mongodPath,
        ['--dbpath', dataDir, '--bind_ip', '127.0.0.1', '--port', String(port), '--nounixsocket'],
        { name: 'mongod', env, orphanWatchdog: true, signalOnParentExit: removeDataDir ? 'SIGKILL' : 'SIGTERM' },
      );
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

let buildInProgress: Promise<string> | undefined;

/**
 * Returns the path of the embedded FerretDB binary (.tools/bin/ferretdb), building it with Go first
 * if it is missing or tools/ferretdb/{main.go,go.mod,go.sum} changed since it was built (a hash of
 * them is kept in .tools/bin/ferretdb.build-stamp). Safe to call concurrently, also from several
 * processes.
 */
export async function ensureFerretDbBuilt(log: LogFn = noop, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  buildInProgress ??= buildIfStale(log, env).finally(() => {
    buildInProgress = undefined;
  });
  return buildInProgress;
}

function ferretDbPaths(): { sourceDir: string; binary: string; stamp: string; lock: string } {
  const root = findProjectRoot();
  const binary = join(root, '.tools', 'bin', process.platform === 'win32' ? 'ferretdb.exe' : 'ferretdb');
  return {
    sourceDir: join(root, 'tools', 'ferretdb'),
    binary,
    stamp: join(root, '.tools', 'bin', 'ferretdb.build-stamp'),
    lock: join(root, '.tools', 'bin', 'ferretdb.build-lock'),
  };
}

/** Every file the build reads: the module files and the package's Go sources (not its tests). */
async function sourceFiles(sourceDir: string): Promise<string[]> {
  const names = await readdir(sourceDir).catch((err: unknown) => {
    throw new Error(`Cannot read the embedded FerretDB sources: ${(err as Error).message}`, { cause: err });
  });
  return names.filter((name) => name === 'go.mod' || name === 'go.sum' || (name.endsWith('.go') && !name.endsWith('_test.go'))).sort();
}

async function sourcesHash(sourceDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of await sourceFiles(sourceDir)) {
    const content = await readFile(join(sourceDir, name)).catch((err: unknown) => {
      throw new Error(`Cannot read the embedded FerretDB sources: ${(err as Error).message}`, { cause: err });
    });
    hash.update(`${name}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

async function isUpToDate(binary: string, stamp: string, hash: string): Promise<boolean> {
  if (!existsSync(binary)) return false;
  const recorded = await readFile(stamp, 'utf8').catch(() => '');
  return recorded.trim() === hash;
}

async function buildIfStale(log: LogFn, env: NodeJS.ProcessEnv): Promise<string> {
  const { sourceDir, binary, stamp, lock } = ferretDbPaths();
  const hash = await sourcesHash(sourceDir);
  if (await isUpToDate(binary, stamp, hash)) return binary;

  const go = findExecutable('go', env);
  if (go === undefined) {
    if (existsSync(binary)) {
      log(
        `Warning: cannot check whether ${binary} matches tools/ferretdb (Go is not on PATH to rebuild it); using it as is.`,
      );
      return binary;
    }
    throw new Error(
      'No database available: MONGODB_URI is not set, there is no mongod on PATH, and building the embedded ' +
        'FerretDB database needs Go (https://go.dev/dl/, 1.24 or newer), which is not on PATH either. ' +
        'Go is needed only for the embedded database: alternatively set MONGODB_URI to a MongoDB server, ' +
        'or put mongod on PATH.',
    );
  }

  await mkdir(dirname(binary), { recursive: true });
  const release = await acquireFileLock(lock, {
    onWait: (pid) => log(`Waiting for another process (pid ${pid}) that is building the embedded FerretDB database…`),
  });
  try {
    if (await isUpToDate(binary, stamp, hash)) return binary; // built by the process we waited for
    await runGoBuild(go, sourceDir, binary, log, env);
    const stampTmp = `${stamp}.tmp-${process.pid}`;
    await writeFile(stampTmp, `${hash}\n`);
    await rename(stampTmp, stamp);
    return binary;
  } finally {
    await release();
  }
}

async function runGoBuild(
  go: string,
  sourceDir: string,
  binary: string,
  log: LogFn,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  // Build next to the target then rename: never a half-written binary, and no "text file busy"
  // while an older build of it is running.
  const output = `${binary}.tmp-${process.pid}`;
  const args = ['build', '-buildvcs=false', '-o', output, '.'];
  log(
    existsSync(binary)
      ? 'Rebuilding the embedded FerretDB database (tools/ferretdb changed since the last build)…'
      : 'Building the embedded FerretDB database (first run only, a minute or two)…',
  );
  const started = Date.now();
  // The SQLite backend is pure Go: no C compiler needed unless the caller asked for cgo.
  const buildEnv = { ...env, CGO_ENABLED: env.CGO_ENABLED ?? '0' };
  await removeLeftoverBuildFiles(dirname(binary));
  const proc = await spawnManaged(go, args, {
    name: 'go build',
    cwd: sourceDir,
    env: buildEnv,
    ownProcessGroup: false, // Ctrl+C interrupts the build too
    orphanWatchdog: true, // and so does this process being killed
  });
  const ticker = setInterval(
    () => log(`…still building the embedded FerretDB database (${Math.round((Date.now() - started) / 1000)} s)`),
    30_000,
  );
  const info = await proc.exited.finally(() => clearInterval(ticker));
  if (info.code !== 0) {
    await rm(output, { force: true });
    throw new Error(
      `Building the embedded FerretDB database failed (go ${describeExit(info)}).\n` +
        `Command (in ${sourceDir}): ${go} ${args.join(' ')}\n--- last output of go build ---\n${proc.output.tail(40)}`,
    );
  }
  await rename(output, binary);
  log(`Built ${binary} in ${Math.round((Date.now() - started) / 1000)} s.`);
}

/** Removes ferretdb*.tmp-<pid> files left by builds whose process was killed. */
async function removeLeftoverBuildFiles(binDir: string): Promise<void> {
  const names = await readdir(binDir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /^ferretdb.*\.tmp-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) await rm(join(binDir, name), { force: true });
  }
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
          description:
            `embedded FerretDB ${ferretDbVersion()} (SQLite) at ${uri}, ` +
            `data in ${opts.dataDir}${removeDataDir ? ' (temporary)' : ''}`,
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
      `FerretDB ${describeExit(outcome.exit)} before it was ready.\nCommand: ${command}\n` +
        `--- last output of FerretDB ---\n${proc.output.tail()}`,
    );
  }
  throw new Error(
    `FerretDB did not report ready within ${timeoutMs} ms.\nCommand: ${command}\n` +
      `--- last output of FerretDB ---\n${proc.output.tail()}`,
  );
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
      const goMod = readFileSync(join(ferretDbPaths().sourceDir, 'go.mod'), 'utf8');
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
    log(
      `${proc.name} (pid ${proc.pid}, ${uri}) ${describeExit(info)} unexpectedly.\n` +
        `--- last output of ${proc.name} ---\n${proc.output.tail()}`,
    );
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
