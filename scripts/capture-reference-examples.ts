// `npm run postman:capture`: runs the capture (scripts/lib/reference-capture.ts) against real
// servers on a database of its own and writes the reference collection's saved examples to
// postman/src/reference/examples.json; then `npm run postman:build` puts them in the collection.
// Prints each example's operation, documented status and the status the service answered.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDatabase } from './lib/database.js';
import { findProjectRoot } from './lib/project-root.js';
import { captureExamples } from './lib/reference-capture.js';

const log = (line: string) => process.stderr.write(`[capture] ${line}\n`);
const root = findProjectRoot();
const database = await startDatabase({ log });
try {
  process.env.MONGODB_URI = database.uri;
  const examples = await captureExamples(log);
  for (const example of examples) log(`${example.operationId} ${example.status}: answered ${example.response.status} (${example.name})`);
  const dir = join(root, 'postman', 'src', 'reference');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'examples.json'), `${JSON.stringify(examples, null, 2)}\n`);
  log(`wrote ${examples.length} examples to ${join(dir, 'examples.json')}`);
} finally {
  await database.stop();
}
