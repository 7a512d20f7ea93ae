// `npm test` (after the TypeScript build, which is the typecheck): starts one database for the
// whole run (MONGODB_URI, a `mongod` on PATH, or the embedded FerretDB), runs every compiled test
// file with node's test runner (each file uses a database of its own), then stops the database.
// The browser test gets its Chromium as CHROMIUM_PATH (installed first when missing and possible);
// oasdiff, for the API gate's tests, is built first when missing.
// TEST_NODE=/path/to/node runs the tests, and the servers they start, on that Node instead of the
// one running this script (CI runs the suite on each supported Node that way).
// `npm test -- <part> …` runs only the test files whose path (under test/) contains one of the
// parts, e.g. `npm test -- adversarial/ unit/config`: for a focused run while working; CI runs all.
// The runner's summary (ℹ tests / pass / fail) is the last thing printed.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDatabase } from './lib/database.js';
import { ensureHadolint, ensureSchemathesis } from './lib/ensure-schemathesis.js';
import { CHROMIUM, ensureDebianTool, HAPROXY } from './lib/ensure-debian-tools.js';
import { ensureOasdiffBuilt } from './lib/oasdiff.js';

const log = (line: string) => process.stderr.write(`[test] ${line}\n`);
const distRoot = fileURLToPath(new URL('../', import.meta.url));
const testRoot = join(distRoot, 'test');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? testFiles(join(dir, entry.name)) : entry.name.endsWith('.test.js') ? [join(dir, entry.name)] : []))
    .sort();
}

/** The Node that runs the tests: TEST_NODE when set, else this one. */
function testNode(): { path: string; version: string } {
  const path = process.env.TEST_NODE || process.execPath;
  const probe = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`TEST_NODE=${path} is not a Node.js binary that runs: ${probe.stderr || probe.error?.message || ''}`);
  return { path, version: probe.stdout.trim() };
}

async function main(): Promise<number> {
  const parts = process.argv.slice(2);
  const files = testFiles(testRoot).filter((file) => parts.length === 0 || parts.some((part) => relative(testRoot, file).includes(part)));
  const node = testNode();
  log(`Node: ${node.version} (${node.path})`);
  if (files.length === 0) throw new Error(`no test files under ${testRoot}${parts.length > 0 ? ` matching ${parts.join(', ')}` : ''}`);
  const schemathesis = ensureSchemathesis(log);
  const hadolint = ensureHadolint(log);
  const chromium = ensureDebianTool(CHROMIUM, log);
  log(`Chromium: ${chromium}`);
  const haproxy = ensureDebianTool(HAPROXY, log);
  log(`HAProxy: ${haproxy}`);
  // The API gate's test files would build oasdiff themselves (one of them, the others waiting on
  // its lock); built here, its progress shows as the database's does. If it cannot be built, those
  // tests fail with the reason and the others still run.
  const oasdiff = ensureOasdiffBuilt(log).catch((error: unknown) => `not built (${error instanceof Error ? error.message : String(error)})`);
  const database = await startDatabase({ log });
  log(`Database: ${database.description}`);
  log(`oasdiff: ${await oasdiff}`);
  log(`Running ${files.length} test files: ${files.map((f) => relative(testRoot, f)).join(', ')}`);
  try {
    const runner = spawn(node.path, ['--test', '--test-reporter=spec', ...files], {
      stdio: 'inherit',
      env: {
        ...process.env,
        MONGODB_URI: database.uri,
        CHROMIUM_PATH: chromium,
        HAPROXY_PATH: haproxy,
        SCHEMATHESIS_PATH: schemathesis,
        HADOLINT_PATH: hadolint,
      },
    });
    return await new Promise<number>((resolve) => runner.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
