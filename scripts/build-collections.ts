// `npm run postman:build`: writes the generated Postman collections from their sources, so they
// are never edited by hand (test/conformance/collections-generated.test.ts checks that a rebuild
// gives the committed bytes):
// - postman/users-api.postman_collection.json, the conformance collection, from postman/src/conformance/;
// - postman/users-api.reference.postman_collection.json, the reference collection, from
//   openapi/openapi.yaml and the captured examples (postman/src/reference/examples.json).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConformanceCollection, readConformanceSource } from './lib/conformance-collection.js';
import { collectionJson } from './lib/postman-build.js';
import { buildReferenceCollection, readReferenceSource } from './lib/reference-collection.js';
import { findProjectRoot } from './lib/project-root.js';

const root = findProjectRoot();
const outputs = [
  { file: join(root, 'postman', 'users-api.postman_collection.json'), json: collectionJson(buildConformanceCollection(readConformanceSource(root))) },
  { file: join(root, 'postman', 'users-api.reference.postman_collection.json'), json: collectionJson(buildReferenceCollection(readReferenceSource(root))) },
];
for (const { file, json } of outputs) {
  writeFileSync(file, json);
  process.stdout.write(`wrote ${file} (${json.length} characters)\n`);
}
