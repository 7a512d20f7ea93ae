// Checks a Postman collection's JSON against the Collection Format v2.1.0 JSON Schema, kept in the
// repo (postman-collection-v2.1.0.schema.json beside this file) so the check runs offline.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { projectRoot } from './project.js';

const schemaFile = join(projectRoot, 'test', 'support', 'postman-collection-v2.1.0.schema.json');
// strictTypes off: the upstream schema combines `type` lists and untyped `properties`, which ajv's
// strict mode would report on every compile; it validates the same either way.
const ajv = new Ajv({ allErrors: true, strictTypes: false });
(addFormats as unknown as (instance: Ajv) => Ajv)(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);

/** How `collection` breaks the v2.1 schema: "<JSON pointer> <message>" lines, [] when it is valid. */
export function postmanSchemaProblems(collection: unknown): string[] {
  if (validate(collection)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? ''}`);
}
