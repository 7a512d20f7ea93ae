// oasdiff (pinned in tools/oasdiff/go.mod, built into .tools/bin/oasdiff on first use) and the three
// questions the API gate asks it about two specs: do they differ at all, what changed, and which
// of those changes break clients.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureGoToolBuilt, goToolPaths, type GoTool, type LogFn } from './go-tool.js';
import { findProjectRoot } from './project-root.js';

/** One finding of `oasdiff changelog` or `oasdiff breaking`, as its JSON output gives it. */
export interface OasdiffFinding {
  /** The check that found it, e.g. "new-required-request-property". */
  readonly id: string;
  /** oasdiff's own words, e.g. "added the new required request property `phone`". */
  readonly text: string;
  /** 3 error (breaking), 2 warning (maybe breaking), 1 info. */
  readonly level: number;
  /** The HTTP method of the operation it is about, when it is about one. */
  readonly operation?: string;
  readonly path?: string;
}

const OASDIFF_MODULE = 'github.com/oasdiff/oasdiff';

function pinnedVersion(): string {
  const goMod = readFileSync(join(goToolPaths('oasdiff').sourceDir, 'go.mod'), 'utf8');
  const version = /^\s*github\.com\/oasdiff\/oasdiff\s+(v\S+)/m.exec(goMod)?.[1];
  if (version === undefined) throw new Error(`tools/oasdiff/go.mod does not require ${OASDIFF_MODULE}`);
  return version;
}

function oasdiffTool(): GoTool {
  const version = pinnedVersion();
  return {
    name: 'oasdiff',
    what: `oasdiff ${version}, the API gate's diff tool`,
    sourcesWhat: 'the oasdiff module (tools/oasdiff)',
    buildPackage: OASDIFF_MODULE,
    // Its releases stamp the version at build time; without this `oasdiff --version` says "main".
    buildFlags: [`-ldflags=-X ${OASDIFF_MODULE}/build.Version=${version}`],
    firstBuildTakes: 'about a minute',
    goMissing:
      'The API gate (npm test, npm run api:check) compares the spec with its released versions using oasdiff, ' +
      'which is built from tools/oasdiff with Go (https://go.dev/dl/, 1.26 or newer), and Go is not on PATH.',
  };
}

/** Returns the path of .tools/bin/oasdiff, building it first when needed (safe from several processes at once). */
export async function ensureOasdiffBuilt(log?: LogFn, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return ensureGoToolBuilt(oasdiffTool(), log, env);
}

const run = promisify(execFile);

async function oasdiff(args: string[]): Promise<string> {
  const binary = await ensureOasdiffBuilt();
  // No config file or variable of the caller's may change what the gate sees.
  const { OASDIFF_CONFIG: _ignored, ...env } = process.env;
  try {
    const { stdout } = await run(binary, args, { cwd: findProjectRoot(), env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    throw new Error(`oasdiff ${args.join(' ')} failed: ${stderr?.trim() || message}`, { cause: err });
  }
}

function parseFindings(json: string): OasdiffFinding[] {
  const parsed: unknown = JSON.parse(json.trim() === '' ? '[]' : json);
  if (!Array.isArray(parsed)) throw new Error(`unexpected oasdiff output: ${json.slice(0, 200)}`);
  return parsed as OasdiffFinding[];
}

/** Whether `oasdiff diff` finds any difference at all (descriptions and examples included). */
export async function specsDiffer(base: string, revision: string): Promise<boolean> {
  const diff: unknown = JSON.parse(await oasdiff(['diff', '--format', 'json', base, revision]));
  return diff !== null && typeof diff === 'object' && Object.keys(diff).length > 0;
}

/** Everything `oasdiff changelog` reports, breaking or not. */
export async function changelogFindings(base: string, revision: string): Promise<OasdiffFinding[]> {
  return parseFindings(await oasdiff(['changelog', '--format', 'json', base, revision]));
}

/** What `oasdiff breaking` reports: its errors and warnings. */
export async function breakingFindings(base: string, revision: string): Promise<OasdiffFinding[]> {
  return parseFindings(await oasdiff(['breaking', '--format', 'json', base, revision]));
}

/** "POST /users", or undefined for a finding that is not about one operation. */
export function operationOf(finding: OasdiffFinding): string | undefined {
  return finding.operation !== undefined && finding.path !== undefined ? `${finding.operation} ${finding.path}` : undefined;
}

/** A finding in oasdiff's words: "error [id] POST /users: text". */
export function describeFinding(finding: OasdiffFinding): string {
  const level = finding.level >= 3 ? 'error' : finding.level === 2 ? 'warning' : 'info';
  const where = operationOf(finding);
  return `${level} [${finding.id}]${where === undefined ? '' : ` ${where}`}: ${finding.text}`;
}
