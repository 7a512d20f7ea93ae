// OpenAPI Generator's Go client of the spec, shared by `npm run clients:generate`
// (scripts/generate-other-clients.ts) and the Go code samples' test (test/contract/code-samples.test.ts):
// the generator's jar fetched once with Maven, the spec validated, the client generated with no
// unexplained warning and its module tidied. The default output, .artifacts/clients/go, is
// generated under a lock (parallel test files) and reused by withGoClient while the spec and the
// generator's settings are those it was made from.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { acquireFileLock } from './file-lock.js';
import { findExecutable } from './find-executable.js';
import { findProjectRoot } from './project-root.js';

export type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`[clients] ${line}\n`);

/** OpenAPI Generator's version (org.openapitools:openapi-generator-cli on Maven Central). */
export const GENERATOR_VERSION = '7.25.0';
export const GENERATOR = 'go';
/** The Go module the client is generated as (`<git-host>/<git-user-id>/<git-repo-id>`), as smoke/main.go imports it. */
const GO_MODULE = { gitHost: 'example.com', gitUserId: 'users-api', gitRepoId: 'go-client' };

/**
 * Warnings the generator prints whatever the spec says, so they are not about the spec. Each is
 * matched exactly (logger and message); any other WARN or ERROR line fails the run.
 */
const ALLOWED_WARNINGS: { logger: string; message: string; reason: string }[] = [
  {
    logger: 'o.o.codegen.DefaultCodegen',
    message:
      'OpenAPI 3.1 support is still in beta. To report an issue related to 3.1 spec, please kindly open an issue in the Github repo: https://github.com/openAPITools/openapi-generator.',
    reason: 'printed for every OpenAPI 3.1 document: it describes the generator, not this spec',
  },
  {
    logger: 'o.o.codegen.utils.ModelUtils',
    message: 'Failed to get the schema name: null',
    reason:
      'printed for any schema with `additionalProperties` in an OpenAPI 3.1 document: OpenAPINormalizer.fixSelfReferenceSchema ' +
      'asks for the $ref name of the (inline, boolean) additionalProperties schema, which has none. A dangling or ' +
      'external $ref would print its text instead of "null". The spec uses `additionalProperties: false` on purpose ' +
      '(unknown properties are refused); the generated models honour it (DisallowUnknownFields)',
  },
];

/** The Go package name of the client (`usersapi`), as the programs using it import it. */
const PACKAGE_NAME = 'usersapi';

/** A failure whose message says it all (no stack trace needed). */
export class Failure extends Error {}

type RunResult = { code: number | null; signal: NodeJS.Signals | null; output: string };

/** Runs a command to completion, stdout and stderr together in `output`. Never rejects on a non-zero exit. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Failure(`cannot run ${command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, output });
    });
  });
}

function tail(output: string, lines = 40): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

export async function mustRun(what: string, command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
    throw new Failure(`${what} ${how}:\n${tail(result.output)}`);
  }
  return result.output;
}

export function requireTool(name: string, why: string): string {
  const path = findExecutable(name);
  if (path === undefined) throw new Failure(`\`${name}\` is not on PATH: it is needed ${why}`);
  return path;
}

/** The Java runtime, checked to be 11 or newer (OpenAPI Generator 7 needs 11). */
async function checkJava(java: string): Promise<string> {
  const output = await mustRun('java -version', java, ['-version']);
  const version = /version "([^"]+)"/.exec(output)?.[1] ?? '';
  const major = Number(version.startsWith('1.') ? version.split('.')[1] : version.split(/[.+-]/)[0]);
  if (!(major >= 11)) throw new Failure(`OpenAPI Generator needs Java 11 or newer; \`java -version\` says:\n${output.trim()}`);
  return version;
}

/** The generator's jar, downloaded once per version with Maven into .tools/openapi-generator/. */
async function generatorJar(root: string, log: Log): Promise<string> {
  const dir = join(root, '.tools', 'openapi-generator');
  const jar = join(dir, `openapi-generator-cli-${GENERATOR_VERSION}.jar`);
  if (existsSync(jar)) return jar;
  await mkdir(dir, { recursive: true });
  const release = await acquireFileLock(join(dir, 'download.lock'), {
    onWait: (pid) => log(`waiting for process ${pid}, which is downloading the generator…`),
  });
  try {
    if (existsSync(jar)) return jar; // downloaded by the process we waited for
    const mvn = requireTool('mvn', 'to download OpenAPI Generator from Maven Central');
    const staging = await mkdtemp(join(dir, 'download-'));
    try {
      log(`Downloading org.openapitools:openapi-generator-cli:${GENERATOR_VERSION} from Maven Central (once)…`);
      await mustRun(
        'mvn dependency:copy',
        mvn,
        [
          '--batch-mode',
          '--quiet',
          '--strict-checksums',
          'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
          `-Dartifact=org.openapitools:openapi-generator-cli:${GENERATOR_VERSION}:jar`,
          `-DoutputDirectory=${staging}`,
        ],
        { cwd: staging },
      );
      // Rename into place: never a half-written jar under the final name.
      await rename(join(staging, `openapi-generator-cli-${GENERATOR_VERSION}.jar`), jar);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return jar;
  } finally {
    await release();
  }
}

export type LogLine = { level: string; logger: string; message: string; line: string };

/** WARN/ERROR lines, exceptions and lower-case [warn]/[error] CLI lines the generator printed. */
function findIssues(output: string): { allowed: LogLine[]; unexplained: string[] } {
  const allowed: LogLine[] = [];
  const unexplained: string[] = [];
  for (const line of output.split(/\r?\n/)) {
    const logged = /^\[[^\]]*\]\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(\S+)\s+-\s+(.*)$/.exec(line);
    if (logged) {
      const [, level = '', logger = '', message = ''] = logged;
      if (level !== 'WARN' && level !== 'ERROR') continue;
      const entry = { level, logger, message: message.trimEnd(), line };
      if (level === 'WARN' && ALLOWED_WARNINGS.some((w) => w.logger === logger && w.message === entry.message)) allowed.push(entry);
      else unexplained.push(line);
    } else if (/^\s*\[(warn|warning|error)\]/i.test(line) || /\b(WARN|WARNING|ERROR)\b/.test(line) || /Exception\b/.test(line)) {
      unexplained.push(line);
    }
  }
  return { allowed, unexplained };
}

/** Empties the output directory, refusing one that holds anything but a previous generation. */
async function prepareOutput(out: string): Promise<void> {
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, '.openapi-generator'))) {
    throw new Failure(`${out} is not empty and holds no previous generation (.openapi-generator/): not deleting it`);
  }
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
}

/** The generation's own output folder, reused while its stamp matches (see withGoClient). */
export const defaultGoClientDir = (): string => join(findProjectRoot(), '.artifacts', 'clients', GENERATOR);
const STAMP = '.users-api-generation';

/** What a generation depends on: the spec's bytes and the generator's version and settings. */
async function generationStamp(spec: string): Promise<string> {
  const settings = JSON.stringify({ GENERATOR_VERSION, GENERATOR, GO_MODULE, PACKAGE_NAME, ALLOWED_WARNINGS });
  return createHash('sha256')
    .update(settings)
    .update('\0')
    .update(await readFile(spec))
    .digest('hex');
}

/** Takes the lock of an output folder (beside it), so that one process at a time (re)generates or builds in it. */
export function lockGoClient(out: string, log: Log = stderrLog): Promise<() => Promise<void>> {
  return acquireFileLock(`${out}.lock`, { onWait: (pid) => log(`waiting for process ${pid}, which is generating or building in ${out}…`) });
}

/**
 * Validates `spec` with the generator, generates the Go client into `out` (emptied first) and
 * tidies its module. Fails (Failure) on the validator's least remark, on any unexplained warning
 * of the generator, or when Java, Go or the jar are missing. The caller holds `out`'s lock.
 */
export async function generateGoClient(options: { spec: string; out: string; log?: Log }): Promise<{ allowed: LogLine[] }> {
  const { spec, out, log = stderrLog } = options;
  const root = findProjectRoot();
  const java = requireTool('java', 'to run OpenAPI Generator');
  const go = requireTool('go', 'to compile the generated Go client');
  log(`Java ${await checkJava(java)}, ${(await mustRun('go version', go, ['version'])).trim()}`);
  const jar = await generatorJar(root, log);
  const reported = (await mustRun('openapi-generator-cli version', java, ['-jar', jar, 'version'])).trim();
  if (reported !== GENERATOR_VERSION) throw new Failure(`${relative(root, jar)} reports version ${reported}, not ${GENERATOR_VERSION}`);
  log(`OpenAPI Generator ${reported} (${relative(root, jar)}); spec ${relative(root, spec) || spec}`);

  // The generator's validator: nothing but "No validation issues detected." is accepted.
  const validation = await run(java, ['-jar', jar, 'validate', '--input-spec', spec, '--recommend']);
  const verdict = validation.output
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !/^Validating spec \(/.test(line))
    .join('\n');
  if (validation.code !== 0 || verdict !== 'No validation issues detected.') {
    throw new Failure(`the generator's validator objects to the spec:\n${verdict || tail(validation.output)}`);
  }
  log('validate --recommend: no validation issues detected');

  await prepareOutput(out);
  const generation = await run(java, [
    '-jar',
    jar,
    'generate',
    '--generator-name',
    GENERATOR,
    '--input-spec',
    spec,
    '--output',
    out,
    '--package-name',
    PACKAGE_NAME,
    '--git-host',
    GO_MODULE.gitHost,
    '--git-user-id',
    GO_MODULE.gitUserId,
    '--git-repo-id',
    GO_MODULE.gitRepoId,
  ]);
  const issues = findIssues(generation.output);
  if (generation.code !== 0 || issues.unexplained.length > 0) {
    const listed = issues.unexplained.length > 0 ? issues.unexplained.join('\n') : tail(generation.output);
    throw new Failure(
      `generating the ${GENERATOR} client ${generation.code !== 0 ? `exited with ${generation.code}` : 'printed warnings or errors'}:\n${listed}`,
    );
  }
  for (const warning of issues.allowed) {
    log(`allowed warning: ${warning.message} (${ALLOWED_WARNINGS.find((w) => w.message === warning.message)?.reason ?? ''})`);
  }
  log(`generated the ${GENERATOR} client into ${relative(root, out) || out}`);
  await mustRun('go mod tidy', go, ['mod', 'tidy'], { cwd: out });
  await writeFile(join(out, STAMP), `${await generationStamp(spec)}\n`);
  return { allowed: issues.allowed };
}

/**
 * Runs `use` with the Go client of openapi/openapi.yaml in .artifacts/clients/go, generated first
 * unless it was generated from this very spec and settings, and locked until `use` ends.
 */
export async function withGoClient<T>(use: (dir: string) => Promise<T>, log: Log = stderrLog): Promise<T> {
  const out = defaultGoClientDir();
  const spec = join(findProjectRoot(), 'openapi', 'openapi.yaml');
  await mkdir(join(out, '..'), { recursive: true });
  const release = await lockGoClient(out, log);
  try {
    const current = await readFile(join(out, STAMP), 'utf8').catch(() => '');
    if (current.trim() !== (await generationStamp(spec))) await generateGoClient({ spec, out, log });
    else log(`reusing the ${GENERATOR} client in ${relative(findProjectRoot(), out)} (generated from this spec)`);
    return await use(out);
  } finally {
    await release();
  }
}

/**
 * Compiles Go programs (each a main package's source) against the client module in `clientDir`,
 * in one `go build`, into `binDir/<name>`. The programs are copied in as cmd/<group>/<name>.
 */
export async function buildGoPrograms(clientDir: string, group: string, programs: { name: string; source: string }[], binDir: string): Promise<void> {
  const go = requireTool('go', 'to compile Go programs against the generated client');
  await rm(join(clientDir, 'cmd', group), { recursive: true, force: true });
  for (const { name, source } of programs) {
    await mkdir(join(clientDir, 'cmd', group, name), { recursive: true });
    await copyFile(source, join(clientDir, 'cmd', group, name, 'main.go'));
  }
  await mkdir(binDir, { recursive: true });
  await mustRun(`go vet ./cmd/${group}/...`, go, ['vet', `./cmd/${group}/...`], { cwd: clientDir });
  await mustRun(`go build ./cmd/${group}/...`, go, ['build', '-o', `${binDir}/`, `./cmd/${group}/...`], { cwd: clientDir });
}
