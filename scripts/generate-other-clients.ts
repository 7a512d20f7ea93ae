// `npm run clients:generate`: proves that openapi/openapi.yaml suits other languages' generators.
//
//  1. Fetches OpenAPI Generator's CLI jar from Maven Central with the local `mvn` (checksums
//     enforced) into the git-ignored .tools/openapi-generator/, once per version.
//  2. Validates the spec with it (`validate --recommend`): any error, warning or recommendation fails.
//  3. Generates a Go client into .artifacts/clients/go (git-ignored) with the local Java. The run
//     fails if the generator exits non-zero or prints any WARN/ERROR line or exception, except the
//     warnings listed in ALLOWED_WARNINGS below, each with the reason it says nothing about the spec.
//  4. Compiles the client with Go (`go mod tidy`, `go vet ./...`, `go build ./...`) together with
//     scripts/other-clients/go-smoke/main.go, a small program using the client, copied in as
//     cmd/smoke; with --base-url, runs that program against a running service.
//
// Usage: node dist/scripts/generate-other-clients.js [--spec FILE] [--out DIR] [--base-url URL]
// The last line printed on stdout is a JSON summary ({"event":"clients-generated",…}); on failure the
// exit code is 1 and stderr says why.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { acquireFileLock } from './lib/file-lock.js';
import { findExecutable } from './lib/find-executable.js';
import { findProjectRoot } from './lib/project-root.js';

/** OpenAPI Generator's version (org.openapitools:openapi-generator-cli on Maven Central). */
const GENERATOR_VERSION = '7.25.0';
const GENERATOR = 'go';
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

const log = (line: string) => process.stderr.write(`[clients] ${line}\n`);

class Failure extends Error {}

type RunResult = { code: number | null; signal: NodeJS.Signals | null; output: string };

/** Runs a command to completion, stdout and stderr together in `output`. Never rejects on a non-zero exit. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
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

async function mustRun(what: string, command: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
    throw new Failure(`${what} ${how}:\n${tail(result.output)}`);
  }
  return result.output;
}

function requireTool(name: string, why: string): string {
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
async function generatorJar(root: string): Promise<string> {
  const dir = join(root, '.tools', 'openapi-generator');
  const jar = join(dir, `openapi-generator-cli-${GENERATOR_VERSION}.jar`);
  if (existsSync(jar)) return jar;
  await mkdir(dir, { recursive: true });
  const release = await acquireFileLock(join(dir, 'download.lock'), { onWait: (pid) => log(`waiting for process ${pid}, which is downloading the generator…`) });
  try {
    if (existsSync(jar)) return jar; // downloaded by the process we waited for
    const mvn = requireTool('mvn', 'to download OpenAPI Generator from Maven Central');
    const staging = await mkdtemp(join(dir, 'download-'));
    try {
      log(`Downloading org.openapitools:openapi-generator-cli:${GENERATOR_VERSION} from Maven Central (once)…`);
      await mustRun('mvn dependency:copy', mvn, [
        '--batch-mode',
        '--quiet',
        '--strict-checksums',
        'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy',
        `-Dartifact=org.openapitools:openapi-generator-cli:${GENERATOR_VERSION}:jar`,
        `-DoutputDirectory=${staging}`,
      ], { cwd: staging });
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

type LogLine = { level: string; logger: string; message: string; line: string };

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

async function main(): Promise<void> {
  const root = findProjectRoot();
  const { values } = parseArgs({
    options: { spec: { type: 'string' }, out: { type: 'string' }, 'base-url': { type: 'string' } },
    strict: true,
  });
  const spec = resolve(values.spec ?? join(root, 'openapi', 'openapi.yaml'));
  const out = resolve(values.out ?? join(root, '.artifacts', 'clients', GENERATOR));
  const baseUrl = values['base-url'];

  const java = requireTool('java', 'to run OpenAPI Generator');
  const go = requireTool('go', 'to compile the generated Go client');
  log(`Java ${await checkJava(java)}, ${(await mustRun('go version', go, ['version'])).trim()}`);
  const jar = await generatorJar(root);
  const reported = (await mustRun('openapi-generator-cli version', java, ['-jar', jar, 'version'])).trim();
  if (reported !== GENERATOR_VERSION) throw new Failure(`${relative(root, jar)} reports version ${reported}, not ${GENERATOR_VERSION}`);
  log(`OpenAPI Generator ${reported} (${relative(root, jar)}); spec ${relative(root, spec) || spec}`);

  // 2. The generator's validator: nothing but "No validation issues detected." is accepted.
  const validation = await run(java, ['-jar', jar, 'validate', '--input-spec', spec, '--recommend']);
  const verdict = validation.output
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !/^Validating spec \(/.test(line))
    .join('\n');
  if (validation.code !== 0 || verdict !== 'No validation issues detected.') {
    throw new Failure(`the generator's validator objects to the spec:\n${verdict || tail(validation.output)}`);
  }
  log('validate --recommend: no validation issues detected');

  // 3. Generation.
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
    'usersapi',
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
    throw new Failure(`generating the ${GENERATOR} client ${generation.code !== 0 ? `exited with ${generation.code}` : 'printed warnings or errors'}:\n${listed}`);
  }
  for (const warning of issues.allowed) {
    log(`allowed warning: ${warning.message} (${ALLOWED_WARNINGS.find((w) => w.message === warning.message)?.reason ?? ''})`);
  }
  log(`generated the ${GENERATOR} client into ${relative(root, out) || out}`);

  // 4. Compile it, with a program that uses it.
  await mkdir(join(out, 'cmd', 'smoke'), { recursive: true });
  await copyFile(join(root, 'scripts', 'other-clients', 'go-smoke', 'main.go'), join(out, 'cmd', 'smoke', 'main.go'));
  await mustRun('go mod tidy', go, ['mod', 'tidy'], { cwd: out });
  await mustRun('go vet ./...', go, ['vet', './...'], { cwd: out });
  await mustRun('go build ./...', go, ['build', './...'], { cwd: out });
  log('compiled: go mod tidy, go vet ./..., go build ./... (with cmd/smoke)');

  let smoke = 'not run (no --base-url)';
  if (baseUrl !== undefined) {
    const output = await mustRun('the Go smoke program', go, ['run', './cmd/smoke', '-base-url', baseUrl], { cwd: out });
    process.stdout.write(output);
    smoke = 'passed';
  }

  const summary = {
    event: 'clients-generated',
    generator: 'openapi-generator-cli',
    version: GENERATOR_VERSION,
    language: GENERATOR,
    output: relative(root, out) || out,
    allowedWarnings: issues.allowed.map((w) => w.message),
    compiled: true,
    smoke,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof Failure) && error instanceof Error && error.stack) log(error.stack);
  process.exitCode = 1;
});
