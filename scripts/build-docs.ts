// `npm run docs:build` (after the TypeScript build): the documentation as static files in
// .artifacts/docs/ (index.html and the Redoc bundle beside it), readable offline from disk.
// See scripts/lib/static-docs.ts for how `redocly build-docs` is used.
import { relative } from 'node:path';
import { buildStaticDocs } from './lib/static-docs.js';

const log = (line: string) => process.stderr.write(`[docs] ${line}\n`);

buildStaticDocs().then(
  (index) => log(`Wrote ${relative(process.cwd(), index)} (open it in a browser; it needs no network).`),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
