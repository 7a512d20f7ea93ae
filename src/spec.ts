import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { specPath } from './spec-path.js';

/** The contract as the app reads it once at creation: its exact bytes and the parsed document. */
export type Spec = { yaml: Buffer; document: unknown };

export function loadSpec(file: string = specPath): Spec {
  const yaml = readFileSync(file);
  return { yaml, document: parse(yaml.toString('utf8')) };
}
