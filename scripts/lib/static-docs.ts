// The static copy of the documentation (`npm run docs:build`, and the browser test).
//
// `redocly build-docs` (CLI 2.77) bundles the spec into one HTML page, but a Redoc 3 page:
// prerendered markup that a script imported from cdn.redocly.com hydrates. The service ships
// Redoc 2.5.3, whose standalone bundle cannot hydrate Redoc 3's markup (it renders from scratch,
// and the discarded prerender would still carry Redoc 3's styles). So this keeps what redocly made
// of the spec, the bundled definition, and writes it inlined into the page the service serves at
// /docs, with the service's copy of the Redoc bundle beside it: the folder opens from disk and
// loads nothing from the network.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { documentWithCodeSamples, loadCodeSamples } from '../../src/http/openapi/code-samples.js';
import { readRedocBundle, redocPage } from '../../src/http/routes/docs-routes.js';
import { specPath } from '../../src/spec-path.js';
import { findProjectRoot } from './project-root.js';

const run = promisify(execFile);

/** Where `npm run docs:build` writes: index.html and redoc.standalone.js (git-ignored). */
const staticDocsDir = (): string => join(findProjectRoot(), '.artifacts', 'docs');

/** Builds the static documentation into `outDir` and returns the path of its index.html. */
export async function buildStaticDocs(outDir = staticDocsDir()): Promise<string> {
  const index = join(outDir, 'index.html');
  await mkdir(outDir, { recursive: true });
  const redocly = join(findProjectRoot(), 'node_modules', '.bin', 'redocly');
  // Offline: no usage telemetry, no look-up of a newer CLI version.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  await run(redocly, ['build-docs', specPath, '--output', index], { env, maxBuffer: 64 * 1024 * 1024 }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`redocly build-docs failed: ${error.stderr || error.message}`);
  });

  const built = await readFile(index, 'utf8');
  const definition = /^\s*const __redoc_definition = (.+);$/m.exec(built)?.[1];
  if (definition === undefined) {
    throw new Error(`${index}: redocly build-docs wrote no "const __redoc_definition = …;" line; has its output changed?`);
  }
  // The served contract's code samples (src/code-samples.ts), which the canonical file has not.
  const spec = documentWithCodeSamples(JSON.parse(definition) as { info?: { title?: string } }, loadCodeSamples());
  await writeFile(join(outDir, 'redoc.standalone.js'), readRedocBundle());
  await writeFile(index, redocPage({ title: spec.info?.title, bundleSrc: 'redoc.standalone.js', spec: { inline: spec } }));
  return index;
}
