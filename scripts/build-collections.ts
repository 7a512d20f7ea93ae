// `npm run postman:build`: writes the generated Postman collections from their sources, so they
// are never edited by hand (test/conformance/collections-generated.test.ts checks that a rebuild
// gives the committed bytes):
// - postman/users-api.postman_collection.json, the conformance collection, from postman/src/conformance/.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConformanceCollection, readConformanceSource } from './lib/conformance-collection.js';
import { collectionJson } from './lib/postman-build.js';
import { findProjectRoot } from './lib/project-root.js';

const root = findProjectRoot();
export const conformanceCollectionFile = join(root, 'postman', 'users-api.postman_collection.json');

const json = collectionJson(buildConformanceCollection(readConformanceSource(root)));
writeFileSync(conformanceCollectionFile, json);
process.stdout.write(`wrote ${conformanceCollectionFile} (${json.length} characters)\n`);
