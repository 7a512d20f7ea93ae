import { readFileSync } from 'node:fs';
import { codeSamplesPath } from '../../spec-path.js';
import type { Spec } from '../../spec.js';

/** One entry of an operation's `x-codeSamples`, as Redoc reads it. */
export type CodeSample = { lang: string; label: string; source: string };
/** operationId → its samples, in the order Redoc shows them. */
export type CodeSamples = Record<string, CodeSample[]>;

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * The samples the build collected from openapi/code-samples/ (scripts/lib/code-samples.ts checks
 * there is one set per operation). None when the build did not write them: the documents are
 * then served without samples, which the docs tests would notice.
 */
export function loadCodeSamples(file: string = codeSamplesPath): CodeSamples {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CodeSamples;
  } catch {
    return {};
  }
}

/**
 * The served contract with each operation's `x-codeSamples`, for Redoc and for readers of
 * /openapi.json and /openapi.yaml. Only what is served gets them: the canonical file, and the
 * document the validator enforces, stay without (they are documentation, not contract). The YAML
 * keeps every byte of `spec.yaml`: each operation's block gets its samples appended, as YAML the
 * `yaml` package would read back to the same values, so no parser is loaded at start-up.
 */
export function withCodeSamples(spec: Spec, samples: CodeSamples): Spec {
  if (Object.keys(samples).length === 0) return spec;
  const document = documentWithCodeSamples(spec.document, samples);
  return { yaml: Buffer.from(insertIntoYaml(spec.yaml.toString('utf8'), samples)), document };
}

/** A copy of the parsed `document` with each operation's `x-codeSamples` (the static docs use it too). */
export function documentWithCodeSamples<T>(document: T, samples: CodeSamples): T {
  const copy = structuredClone(document);
  const placed = new Set<string>();
  const paths = isMapping(copy) && isMapping(copy.paths) ? copy.paths : {};
  for (const item of Object.values(paths)) {
    for (const method of METHODS) {
      const operation = isMapping(item) ? item[method] : undefined;
      if (!isMapping(operation) || typeof operation.operationId !== 'string') continue;
      const own = samples[operation.operationId];
      if (own === undefined) continue;
      operation['x-codeSamples'] = own;
      placed.add(operation.operationId);
    }
  }
  const unknown = Object.keys(samples).filter((id) => !placed.has(id));
  if (unknown.length > 0) throw new Error(`code samples for operations the spec does not have: ${unknown.join(', ')}`);
  return copy;
}

/**
 * Appends `x-codeSamples` to every operation block of the YAML text. It reads the layout this
 * project's spec has, and the `yaml` package writes: `paths:` at the top level, path items
 * indented by 2, methods by 4 and an operation's keys (its `operationId` among them) by 6.
 */
function insertIntoYaml(text: string, samples: CodeSamples): string {
  const lines = text.split('\n');
  const indentOf = (line: string) => (line.trim() === '' ? Infinity : line.length - line.trimStart().length);
  const start = lines.findIndex((line) => /^paths:\s*$/.test(line));
  const missing = new Set(Object.keys(samples));
  const out = lines.slice(0, start + 1);
  let at = start + 1;
  while (start >= 0 && at < lines.length && indentOf(lines[at] ?? '') > 0) {
    const line = lines[at] ?? '';
    out.push(line);
    at++;
    if (indentOf(line) !== 4 || !METHODS.includes(line.trim().replace(/:$/, ''))) continue;
    // The operation's block: every line indented deeper than its method's key.
    let end = at;
    while (end < lines.length && indentOf(lines[end] ?? '') > 4) end++;
    while (end > at && (lines[end - 1] ?? '').trim() === '') end--; // blank lines before the next key stay after
    const block = lines.slice(at, end);
    const id = block.map((l) => /^ {6}operationId:\s*['"]?([^'"\s#]+)['"]?\s*$/.exec(l)?.[1]).find((v) => v !== undefined);
    out.push(...block);
    at = end;
    const own = id === undefined ? undefined : samples[id];
    if (id === undefined || own === undefined) continue;
    out.push(...samplesYaml(own, 6));
    missing.delete(id);
  }
  out.push(...lines.slice(at));
  if (missing.size > 0) throw new Error(`no operation block found in the YAML for the code samples of: ${[...missing].join(', ')}`);
  return out.join('\n');
}

/** `x-codeSamples` as YAML at `indent`: JSON strings for the names, block literals for the sources. */
function samplesYaml(samples: CodeSample[], indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines = [`${pad}x-codeSamples:`];
  for (const { lang, label, source } of samples) {
    lines.push(`${pad}  - lang: ${JSON.stringify(lang)}`, `${pad}    label: ${JSON.stringify(label)}`);
    const body = source.replace(/\n+$/, '');
    // A literal block keeps the source as written; its indentation is stated when the first line
    // starts with a space (YAML would take that space for the block's indentation). Sources end
    // with one line break (`|`), which the build ensures.
    const header = /^ /.test(body) ? '|2' : '|';
    lines.push(`${pad}    source: ${header}`, ...body.split('\n').map((l) => (l === '' ? '' : `${pad}      ${l}`)));
  }
  return lines;
}
