// The code samples of the served contract (src/code-samples.ts): one folder per operation under
// openapi/code-samples/<operationId>/ with one file per language. The build collects them into
// dist/code-samples.json and fails when an operation lacks one, or a folder or file names
// something the spec or this list does not have. test/contract/code-samples.test.ts runs them all.
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeSamples } from '../../src/http/openapi/code-samples.js';
import { specOperations } from '../../src/http/openapi/spec-operations.js';
import { codeSamplesPath } from '../../src/spec-path.js';
import { findProjectRoot } from './project-root.js';

/** Each operation's samples, in the order Redoc shows their tabs: the file, its language (for highlighting) and its tab. */
export const SAMPLE_FILES = [
  { file: 'curl.sh', lang: 'Shell', label: 'curl' },
  { file: 'typescript.ts', lang: 'TypeScript', label: 'TypeScript' },
  { file: 'main.go', lang: 'Go', label: 'Go' },
] as const;

export type SampleFile = (typeof SAMPLE_FILES)[number];

export const codeSamplesDir = (): string => join(findProjectRoot(), 'openapi', 'code-samples');

export class CodeSampleError extends Error {}

/** Reads every operation's samples from `dir`, or throws listing every problem found. */
export function collectCodeSamples(document: unknown, dir: string = codeSamplesDir()): CodeSamples {
  const ids = specOperations(document).map((operation) => operation.operationId);
  const problems: string[] = [];
  let folders: string[] = [];
  try {
    folders = readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory());
  } catch (error) {
    problems.push(`cannot read ${dir}: ${(error as Error).message}`);
  }
  for (const folder of folders) {
    if (!ids.includes(folder)) problems.push(`${folder}/ names no operation of the spec (its operationIds: ${ids.join(', ')})`);
  }
  const samples: CodeSamples = {};
  for (const id of ids) {
    if (!folders.includes(id)) {
      problems.push(`operation ${id} has no samples: add ${id}/ with ${SAMPLE_FILES.map((s) => s.file).join(', ')}`);
      continue;
    }
    const present = readdirSync(join(dir, id));
    for (const name of present) {
      if (!SAMPLE_FILES.some((s) => s.file === name))
        problems.push(`${id}/${name} is not a sample file (expected ${SAMPLE_FILES.map((s) => s.file).join(', ')})`);
    }
    samples[id] = SAMPLE_FILES.flatMap(({ file, lang, label }) => {
      if (!present.includes(file)) {
        problems.push(`operation ${id} has no ${label} sample: ${id}/${file} is missing`);
        return [];
      }
      const source = readFileSync(join(dir, id, file), 'utf8');
      if (source.trim() === '') problems.push(`${id}/${file} is empty`);
      if (source.includes('\r')) problems.push(`${id}/${file} has a carriage return (use \\n line ends)`);
      return [{ lang, label, source: `${source.replace(/\n+$/, '')}\n` }];
    });
  }
  if (problems.length > 0) throw new CodeSampleError(`code samples in ${dir}:\n  ${problems.join('\n  ')}`);
  return samples;
}

/** Writes what src/code-samples.ts loads (a step of the build). */
export function writeCodeSamples(document: unknown, dir: string = codeSamplesDir(), file: string = codeSamplesPath): void {
  const samples = collectCodeSamples(document, dir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(samples));
  renameSync(temporary, file);
}
