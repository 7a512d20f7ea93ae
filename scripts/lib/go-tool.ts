// Builds a Go program that the project pins in a module of its own under tools/<name> into the
// git-ignored .tools/bin/<name>, once: again only when that module's files change (a hash of them is
// kept in .tools/bin/<name>.build-stamp). Several processes may ask at once (parallel test files):
// a file lock lets one build while the others wait, and the binary is written under a temporary
// name and renamed, so nobody ever runs a half-written one.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { findExecutable } from './find-executable.js';
import { acquireFileLock } from './file-lock.js';
import { describeExit, isProcessAlive, spawnManaged } from './managed-process.js';
import { findProjectRoot } from './project-root.js';

export type LogFn = (line: string) => void;

export interface GoTool {
  /** The binary's name in .tools/bin, and the folder of its Go module under tools/. */
  readonly name: string;
  /** What is built, for progress lines and messages, e.g. "the embedded FerretDB database". */
  readonly what: string;
  /** What the module's files are called in "Cannot read …" messages, e.g. "the embedded FerretDB sources". */
  readonly sourcesWhat: string;
  /** The package `go build` builds from the module's folder: '.' or a dependency's main package. */
  readonly buildPackage: string;
  /** Extra `go build` arguments, e.g. ['-ldflags=-X …'] to stamp a version. */
  readonly buildFlags?: readonly string[];
  /** How long a first build takes here, for the progress line, e.g. "a minute or two". */
  readonly firstBuildTakes: string;
  /** The error when Go is not on PATH and nothing was built yet: what needs this tool and how else to get by. */
  readonly goMissing: string;
}

export interface GoToolPaths {
  readonly sourceDir: string;
  readonly binary: string;
  readonly stamp: string;
  readonly lock: string;
}

const noop: LogFn = () => {};
const buildsInProgress = new Map<string, Promise<string>>();

export function goToolPaths(name: string): GoToolPaths {
  const root = findProjectRoot();
  const binDir = join(root, '.tools', 'bin');
  return {
    sourceDir: join(root, 'tools', name),
    binary: join(binDir, process.platform === 'win32' ? `${name}.exe` : name),
    stamp: join(binDir, `${name}.build-stamp`),
    lock: join(binDir, `${name}.build-lock`),
  };
}

/**
 * Returns the path of the tool's binary, building it with Go first if it is missing or its module
 * changed since it was built. Safe to call concurrently, also from several processes.
 */
export async function ensureGoToolBuilt(tool: GoTool, log: LogFn = noop, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let build = buildsInProgress.get(tool.name);
  if (build === undefined) {
    build = buildIfStale(tool, log, env).finally(() => buildsInProgress.delete(tool.name));
    buildsInProgress.set(tool.name, build);
  }
  return build;
}

/** Every file the build reads: the module files and the package's Go sources (not its tests). */
async function sourceFiles(tool: GoTool, sourceDir: string): Promise<string[]> {
  const names = await readdir(sourceDir).catch((err: unknown) => {
    throw new Error(`Cannot read ${tool.sourcesWhat}: ${(err as Error).message}`, { cause: err });
  });
  return names.filter((name) => name === 'go.mod' || name === 'go.sum' || (name.endsWith('.go') && !name.endsWith('_test.go'))).sort();
}

async function sourcesHash(tool: GoTool, sourceDir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of await sourceFiles(tool, sourceDir)) {
    const content = await readFile(join(sourceDir, name)).catch((err: unknown) => {
      throw new Error(`Cannot read ${tool.sourcesWhat}: ${(err as Error).message}`, { cause: err });
    });
    hash.update(`${name}\0${content.length}\0`).update(content);
  }
  // The flags are part of what is built (e.g. the version stamped into it); none adds nothing, so
  // a tool without flags keeps the stamps its earlier builds wrote.
  if (tool.buildFlags?.length) hash.update(`flags\0${tool.buildFlags.join('\0')}`);
  return hash.digest('hex');
}

async function isUpToDate(binary: string, stamp: string, hash: string): Promise<boolean> {
  if (!existsSync(binary)) return false;
  const recorded = await readFile(stamp, 'utf8').catch(() => '');
  return recorded.trim() === hash;
}

async function buildIfStale(tool: GoTool, log: LogFn, env: NodeJS.ProcessEnv): Promise<string> {
  const { sourceDir, binary, stamp, lock } = goToolPaths(tool.name);
  const hash = await sourcesHash(tool, sourceDir);
  if (await isUpToDate(binary, stamp, hash)) return binary;

  const go = findExecutable('go', env);
  if (go === undefined) {
    if (existsSync(binary)) {
      log(`Warning: cannot check whether ${binary} matches tools/${tool.name} (Go is not on PATH to rebuild it); using it as is.`);
      return binary;
    }
    throw new Error(tool.goMissing);
  }

  await mkdir(dirname(binary), { recursive: true });
  const release = await acquireFileLock(lock, {
    onWait: (pid) => log(`Waiting for another process (pid ${pid}) that is building ${tool.what}…`),
  });
  try {
    if (await isUpToDate(binary, stamp, hash)) return binary; // built by the process we waited for
    await runGoBuild(tool, go, { sourceDir, binary }, log, env);
    const stampTmp = `${stamp}.tmp-${process.pid}`;
    await writeFile(stampTmp, `${hash}\n`);
    await rename(stampTmp, stamp);
    return binary;
  } finally {
    await release();
  }
}

async function runGoBuild(
  tool: GoTool,
  go: string,
  { sourceDir, binary }: { sourceDir: string; binary: string },
  log: LogFn,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  // Build next to the target then rename: never a half-written binary, and no "text file busy"
  // while an older build of it is running.
  const output = `${binary}.tmp-${process.pid}`;
  const args = ['build', '-buildvcs=false', ...(tool.buildFlags ?? []), '-o', output, tool.buildPackage];
  log(
    existsSync(binary)
      ? `Rebuilding ${tool.what} (tools/${tool.name} changed since the last build)…`
      : `Building ${tool.what} (first run only, ${tool.firstBuildTakes})…`,
  );
  const started = Date.now();
  // The tools built here (FerretDB with its SQLite backend, oasdiff) are pure Go: no C compiler
  // needed unless the caller asked for cgo.
  const buildEnv = { ...env, CGO_ENABLED: env.CGO_ENABLED ?? '0' };
  await removeLeftoverBuildFiles(tool.name, dirname(binary));
  const proc = await spawnManaged(go, args, {
    name: 'go build',
    cwd: sourceDir,
    env: buildEnv,
    ownProcessGroup: false, // Ctrl+C interrupts the build too
    orphanWatchdog: true, // and so does this process being killed
  });
  const ticker = setInterval(() => log(`…still building ${tool.what} (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  const info = await proc.exited.finally(() => clearInterval(ticker));
  if (info.code !== 0) {
    await rm(output, { force: true });
    throw new Error(
      `Building ${tool.what} failed (go ${describeExit(info)}).\n` +
        `Command (in ${sourceDir}): ${go} ${args.join(' ')}\n--- last output of go build ---\n${proc.output.tail(40)}`,
    );
  }
  await rename(output, binary);
  log(`Built ${binary} in ${Math.round((Date.now() - started) / 1000)} s.`);
}

/** Removes <name>*.tmp-<pid> files (binary or stamp) left by builds whose process was killed. */
async function removeLeftoverBuildFiles(name: string, binDir: string): Promise<void> {
  const leftover = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\.tmp-(\\d+)$`);
  for (const file of await readdir(binDir).catch(() => [] as string[])) {
    const pid = leftover.exec(file)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) await rm(join(binDir, file), { force: true });
  }
}
