// `npm run api:check` (after the TypeScript build): the API gate (scripts/lib/api-gate.ts) on the
// working spec, CHANGELOG.md and the latest release in openapi/released/. Exits 1 when it fails.
import { checkApi, describeVerdict, projectApiPaths } from './lib/api-gate.js';
import { ensureOasdiffBuilt } from './lib/oasdiff.js';

const log = (line: string) => process.stderr.write(`[api] ${line}\n`);

async function main(): Promise<number> {
  await ensureOasdiffBuilt(log); // here rather than inside the gate, to show the build's progress
  const paths = projectApiPaths();
  const verdict = await checkApi(paths);
  process.stdout.write(`${describeVerdict(verdict, paths)}\n`);
  return verdict.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
