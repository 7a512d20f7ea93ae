import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parsedSpecPath, specPath } from './spec-path.js';

/** The contract as the app reads it once at creation: its exact bytes and the parsed document. */
export type Spec = { yaml: Buffer; document: unknown };

/** What the build leaves beside the compiled code: the parsed spec and the digest of its source. */
type ParsedSpec = { sourceSha256: string; document: unknown };

/**
 * Reads the spec. Parsing its YAML was a noticeable part of the service's start (figures:
 * docs/performance.md), so `npm run build` also writes it parsed, as JSON; that copy is used only when it was made from the very bytes read now, so an edited
 * spec is never served stale: it is parsed again.
 */
export function loadSpec(file: string = specPath, parsedFile: string = parsedSpecPath): Spec {
  const yaml = readFileSync(file);
  return { yaml, document: readParsedSpec(parsedFile, digest(yaml)) ?? parseYaml(yaml) };
}

/** Writes the parsed copy that loadSpec reads (the build's last step). */
export function writeParsedSpec(file: string = specPath, parsedFile: string = parsedSpecPath): void {
  const yaml = readFileSync(file);
  const parsed: ParsedSpec = { sourceSha256: digest(yaml), document: parseYaml(yaml) };
  const temporary = `${parsedFile}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(parsed));
  renameSync(temporary, parsedFile);
}

function readParsedSpec(parsedFile: string, sourceSha256: string): unknown {
  let parsed: ParsedSpec;
  try {
    parsed = JSON.parse(readFileSync(parsedFile, 'utf8')) as ParsedSpec;
  } catch {
    return undefined; // not built (or unreadable): parse the YAML
  }
  return parsed.sourceSha256 === sourceSha256 ? parsed.document : undefined;
}

function parseYaml(yaml: Buffer): unknown {
  // Loaded only when needed, for the same reason.
  const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return parse(yaml.toString('utf8'));
}

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
