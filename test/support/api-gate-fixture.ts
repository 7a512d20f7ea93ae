// A throwaway copy of what the API gate reads (openapi/openapi.yaml, openapi/released/,
// CHANGELOG.md) in a temporary directory, with the working spec edited as a test needs: the
// real files are never touched. Its history starts from the first release (1.0.0, its spec and
// its CHANGELOG entry) whatever was released since, so the gate's tests keep their meaning.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSeq, parseDocument, type Document } from 'yaml';
import type { ApiGatePaths } from '../../scripts/lib/api-gate.js';
import { projectRoot } from './project.js';

/** The release the fixtures' histories start from. */
export const FIRST_RELEASE = '1.0.0';

export type SpecEdit = (spec: Document) => void;

export interface Version {
  /** info.version of this copy. */
  readonly version: string;
  /** Changes to the spec, on top of the real one (and of the releases before it). */
  readonly edit?: SpecEdit;
  /** Its CHANGELOG.md entry, the Markdown below `### <version>`; no entry when undefined. */
  readonly entry?: string;
}

export interface GateFixture {
  readonly paths: ApiGatePaths;
  /** Reads a file of the copy, relative to its root (e.g. 'openapi/released/1.1.0.yaml'). */
  read(file: string): Promise<string>;
  remove(): Promise<void>;
}

/**
 * Lays out the first release (its spec and CHANGELOG.md entry), then each of `released` (frozen into
 * openapi/released/, with its entry) and finally `working` as openapi/openapi.yaml. Every spec
 * is the first release's with the edits of those before it and its own.
 */
export async function makeGateFixture({ released = [], working }: { released?: Version[]; working: Version }): Promise<GateFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'users-api-gate-'));
  const paths: ApiGatePaths = {
    spec: join(dir, 'openapi', 'openapi.yaml'),
    releasedDir: join(dir, 'openapi', 'released'),
    changelog: join(dir, 'CHANGELOG.md'),
  };
  await mkdir(paths.releasedDir, { recursive: true });
  const first = join(projectRoot, 'openapi', 'released', `${FIRST_RELEASE}.yaml`);
  await copyFile(first, join(paths.releasedDir, `${FIRST_RELEASE}.yaml`));

  const source = await readFile(first, 'utf8');
  const edits: SpecEdit[] = [];
  const specOf = (version: Version): string => {
    if (version.edit !== undefined) edits.push(version.edit);
    const spec = parseDocument(source);
    for (const edit of edits) edit(spec);
    spec.setIn(['info', 'version'], version.version);
    return spec.toString({ lineWidth: 0 });
  };
  for (const release of released) await writeFile(join(paths.releasedDir, `${release.version}.yaml`), specOf(release));
  await writeFile(paths.spec, specOf(working));

  const newestFirst = [working, ...[...released].reverse()].filter((v) => v.entry !== undefined);
  const changelog = await readFile(join(projectRoot, 'CHANGELOG.md'), 'utf8');
  const firstEntry = changelog.indexOf('\n### ') + 1;
  const firstReleaseEntry = changelog.indexOf(`\n### ${FIRST_RELEASE}\n`) + 1;
  const entries = newestFirst.map((v) => `### ${v.version}\n\n${v.entry?.trim()}\n\n`).join('');
  await writeFile(paths.changelog, changelog.slice(0, firstEntry) + entries + changelog.slice(firstReleaseEntry));

  return {
    paths,
    read: (file) => readFile(join(dir, file), 'utf8'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Removes `value` from the YAML list at `path` (and fails loudly if it was not there). */
export function removeFromList(spec: Document, path: readonly (string | number)[], value: string): void {
  const list = spec.getIn(path, true);
  if (!isSeq(list)) throw new Error(`no list at ${path.join('.')}`);
  const index = list.items.findIndex((item) => String((item as { value?: unknown }).value ?? item) === value);
  if (index === -1) throw new Error(`${value} is not in ${path.join('.')}`);
  list.items.splice(index, 1);
}

/** "`GET /users`, `POST /users`": operations as a CHANGELOG entry names them. */
export function named(operations: readonly string[]): string {
  return operations.map((operation) => `\`${operation}\``).join(', ');
}
