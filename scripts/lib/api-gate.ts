// The API gate: the working spec against the highest version in openapi/released/, with oasdiff.
// The rule (docs/releasing.md):
//   - no difference at all (`oasdiff diff`)            -> passes;
//   - any difference                                   -> info.version must be higher than the release's,
//   - a breaking change (`oasdiff breaking`: its errors
//     and warnings)                                     -> and of a higher major;
//   - and CHANGELOG.md's "## API" section must have a `### <info.version>` entry that names every
//     operation (`METHOD /path`) that `oasdiff changelog` names, those with a breaking change under
//     a `#### Breaking` heading in that entry.
// Also: every released version has an entry, and the entries are newest first.
import { constants } from 'node:fs';
import { copyFile, readFile, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { parse } from 'yaml';
import { mentionsOperation, parseApiChangelog } from './api-changelog.js';
import { compareVersions, parseVersion } from './api-version.js';
import { breakingFindings, changelogFindings, describeFinding, operationOf, specsDiffer, type OasdiffFinding } from './oasdiff.js';
import { findProjectRoot } from './project-root.js';

export interface ApiGatePaths {
  /** The working spec, openapi/openapi.yaml. */
  readonly spec: string;
  /** The frozen released specs, openapi/released/<version>.yaml. */
  readonly releasedDir: string;
  readonly changelog: string;
}

export interface ApiGateVerdict {
  readonly passed: boolean;
  readonly workingVersion: string;
  /** The highest released version compared with, if there is one. */
  readonly releasedVersion: string | undefined;
  readonly releasedSpec: string | undefined;
  readonly changed: boolean;
  /** What `oasdiff breaking` reports, in its words. */
  readonly breaking: readonly OasdiffFinding[];
  /** What `oasdiff changelog` reports (breaking or not). */
  readonly changes: readonly OasdiffFinding[];
  /** Why the gate fails; empty when it passes. */
  readonly problems: readonly string[];
}

export function projectApiPaths(): ApiGatePaths {
  const root = findProjectRoot();
  return { spec: join(root, 'openapi', 'openapi.yaml'), releasedDir: join(root, 'openapi', 'released'), changelog: join(root, 'CHANGELOG.md') };
}

/** Released versions, from the file names in `releasedDir`, highest first. */
async function releasedVersions(releasedDir: string): Promise<string[]> {
  const names = await readdir(releasedDir).catch(() => [] as string[]);
  return names
    .map((name) => /^(.+)\.yaml$/.exec(name)?.[1])
    .filter((version): version is string => version !== undefined && parseVersion(version) !== undefined)
    .sort((a, b) => compareVersions(b, a));
}

async function specVersion(spec: string): Promise<string> {
  const parsed = parse(await readFile(spec, 'utf8')) as { info?: { version?: unknown } } | null;
  const version = parsed?.info?.version;
  return typeof version === 'string' ? version : String(version);
}

export async function checkApi(paths: ApiGatePaths): Promise<ApiGateVerdict> {
  const [workingVersion, released, changelogText] = await Promise.all([
    specVersion(paths.spec),
    releasedVersions(paths.releasedDir),
    readFile(paths.changelog, 'utf8').catch(() => undefined),
  ]);
  const releasedVersion = released[0];
  const releasedSpec = releasedVersion === undefined ? undefined : join(paths.releasedDir, `${releasedVersion}.yaml`);
  const verdict = { workingVersion, releasedVersion, releasedSpec, changed: false, breaking: [], changes: [] };

  const problems: string[] = [];
  const working = parseVersion(workingVersion);
  if (working === undefined) problems.push(`info.version "${workingVersion}" is not MAJOR.MINOR.PATCH`);
  if (releasedSpec === undefined || releasedVersion === undefined) {
    problems.push(`${show(paths.releasedDir)} holds no released spec (<MAJOR.MINOR.PATCH>.yaml) to compare with`);
    return { ...verdict, passed: false, problems };
  }
  if (changelogText === undefined) problems.push(`${show(paths.changelog)} is missing`);
  const changelog = parseApiChangelog(changelogText ?? '');
  if (changelogText !== undefined) problems.push(...changelog.problems);
  for (const version of released) {
    if (!changelog.entries.some((entry) => entry.version === version)) {
      problems.push(`CHANGELOG.md has no "### ${version}" entry under "## API" for the released ${version}`);
    }
  }

  const changed = await specsDiffer(releasedSpec, paths.spec);
  if (!changed || working === undefined) {
    return { ...verdict, changed, passed: problems.length === 0, problems };
  }

  const [changes, breaking] = await Promise.all([changelogFindings(releasedSpec, paths.spec), breakingFindings(releasedSpec, paths.spec)]);
  if (compareVersions(workingVersion, releasedVersion) <= 0) {
    problems.push(
      `the contract differs from the released ${releasedVersion} but info.version is ${workingVersion}: ` +
        `give it a higher version${breaking.length > 0 ? ' (a new major one: it breaks clients)' : ''} and a CHANGELOG.md entry`,
    );
    return { ...verdict, changed, changes, breaking, passed: false, problems };
  }
  if (breaking.length > 0 && working.major <= (parseVersion(releasedVersion)?.major ?? 0)) {
    problems.push(
      `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'} (listed above) need a new major version: ` +
        `info.version is ${workingVersion}, the released one ${releasedVersion}`,
    );
  }
  problems.push(
    ...entryProblems(
      changelog.entries.find((entry) => entry.version === workingVersion),
      workingVersion,
      changes,
      breaking,
    ),
  );
  return { ...verdict, changed, changes, breaking, passed: problems.length === 0, problems };
}

function entryProblems(
  entry: { text: string; breaking: string | undefined } | undefined,
  version: string,
  changes: readonly OasdiffFinding[],
  breaking: readonly OasdiffFinding[],
): string[] {
  if (entry === undefined) return [`CHANGELOG.md has no "### ${version}" entry under "## API"`];
  if (entry.text.trim() === '') return [`the CHANGELOG.md entry for ${version} is empty`];
  const problems: string[] = [];
  const unnamed = operations(changes).filter((operation) => !mentionsOperation(entry.text, operation));
  if (unnamed.length > 0) problems.push(`the CHANGELOG.md entry for ${version} does not name ${unnamed.join(', ')}`);
  if (breaking.length > 0 && entry.breaking === undefined) {
    problems.push(`the CHANGELOG.md entry for ${version} has no "#### Breaking" heading for its breaking changes`);
  } else if (entry.breaking !== undefined) {
    const outside = operations(breaking).filter((operation) => !mentionsOperation(entry.breaking ?? '', operation));
    if (outside.length > 0) problems.push(`the CHANGELOG.md entry for ${version} does not name ${outside.join(', ')} under "#### Breaking"`);
  }
  return problems;
}

/** The operations the findings are about, each once, in oasdiff's order. */
function operations(findings: readonly OasdiffFinding[]): string[] {
  return [...new Set(findings.map(operationOf).filter((operation): operation is string => operation !== undefined))];
}

/** The verdict for humans: each breaking change and each other change in oasdiff's words, then what to do. */
export function describeVerdict(verdict: ApiGateVerdict, paths: ApiGatePaths): string {
  const against = verdict.releasedSpec === undefined ? 'no released spec' : show(verdict.releasedSpec);
  const lines = [`API gate: ${show(paths.spec)} (${verdict.workingVersion}) against ${against}: ${verdict.passed ? 'passed' : 'FAILED'}`];
  if (verdict.changed && verdict.changes.length === 0 && verdict.breaking.length === 0) {
    lines.push('  The contract differs (oasdiff diff) with no change that oasdiff changelog names.');
  } else if (!verdict.changed && verdict.releasedSpec !== undefined) {
    lines.push('  No difference from the released spec.');
  }
  if (verdict.breaking.length > 0) {
    lines.push(`Breaking changes (oasdiff breaking, ${verdict.breaking.length}):`, ...verdict.breaking.map((f) => `  - ${describeFinding(f)}`));
  }
  const others = verdict.changes.filter((change) => change.level < 2);
  if (others.length > 0) lines.push(`Other changes (oasdiff changelog, ${others.length}):`, ...others.map((f) => `  - ${describeFinding(f)}`));
  if (verdict.problems.length > 0) {
    lines.push('Problems:', ...verdict.problems.map((p) => `  - ${p}`), 'The rule is in docs/releasing.md.');
  }
  return lines.join('\n');
}

/**
 * Freezes the working spec as `releasedDir/<info.version>.yaml` (its bytes as they are) when the
 * gate passes and that version is not released yet. Returns the file written; throws otherwise.
 */
export async function releaseApi(paths: ApiGatePaths): Promise<{ file: string; verdict: ApiGateVerdict }> {
  const version = await specVersion(paths.spec);
  const file = join(paths.releasedDir, `${version}.yaml`);
  if ((await releasedVersions(paths.releasedDir)).includes(version)) {
    throw new Error(`${show(file)} exists: ${version} is released already. Give the changed spec a higher info.version first.`);
  }
  const verdict = await checkApi(paths);
  if (!verdict.passed) throw new Error(`Not released: the API gate fails.\n${describeVerdict(verdict, paths)}`);
  // COPYFILE_EXCL: never overwrite a release, even one frozen by a concurrent run.
  await copyFile(paths.spec, file, constants.COPYFILE_EXCL);
  return { file, verdict };
}

/** A path relative to the project when it is inside it (the usual case), else as it is. */
function show(path: string): string {
  const inside = relative(findProjectRoot(), path);
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}
