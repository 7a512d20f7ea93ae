// `npm run api:release` (after the TypeScript build): freezes the working spec into
// openapi/released/<info.version>.yaml when the API gate passes and that version is new.
import { relative } from 'node:path';
import { describeVerdict, projectApiPaths, releaseApi } from './lib/api-gate.js';
import { ensureOasdiffBuilt } from './lib/oasdiff.js';

const log = (line: string) => process.stderr.write(`[api] ${line}\n`);

async function main(): Promise<void> {
  await ensureOasdiffBuilt(log);
  const paths = projectApiPaths();
  const { file, verdict } = await releaseApi(paths);
  process.stdout.write(`${describeVerdict(verdict, paths)}\n`);
  log(`Released ${verdict.workingVersion}: wrote ${relative(process.cwd(), file)}. Commit it with the spec and CHANGELOG.md.`);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
