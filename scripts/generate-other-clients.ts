// `npm run clients:generate`: proves that openapi/openapi.yaml suits other languages' generators.
//
//  1. Fetches OpenAPI Generator's CLI jar from Maven Central with the local `mvn` (checksums
//     enforced) into the git-ignored .tools/openapi-generator/, once per version.
//  2. Validates the spec with it (`validate --recommend`): any error, warning or recommendation fails.
//  3. Generates a Go client into .artifacts/clients/go (git-ignored) with the local Java. The run
//     fails if the generator exits non-zero or prints any WARN/ERROR line or exception, except the
//     warnings listed in ALLOWED_WARNINGS (scripts/lib/go-client.ts, which does steps 1 to 3 and
//     `go mod tidy`), each with the reason it says nothing about the spec.
//  4. Compiles the client with Go (`go mod tidy`, `go vet ./...`, `go build ./...`) together with
//     scripts/other-clients/go-smoke/main.go, a small program using the client, copied in as
//     cmd/smoke; with --base-url, runs that program against a running service.
//
// Usage: node dist/scripts/generate-other-clients.js [--spec FILE] [--out DIR] [--base-url URL]
// The last line printed on stdout is a JSON summary ({"event":"clients-generated",…}); on failure the
// exit code is 1 and stderr says why.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultGoClientDir, Failure, generateGoClient, GENERATOR, GENERATOR_VERSION, lockGoClient, mustRun, requireTool } from './lib/go-client.js';
import { findProjectRoot } from './lib/project-root.js';

const log = (line: string) => process.stderr.write(`[clients] ${line}\n`);

async function main(): Promise<void> {
  const root = findProjectRoot();
  const { values } = parseArgs({
    options: { spec: { type: 'string' }, out: { type: 'string' }, 'base-url': { type: 'string' } },
    strict: true,
  });
  const spec = resolve(values.spec ?? join(root, 'openapi', 'openapi.yaml'));
  const out = resolve(values.out ?? defaultGoClientDir());
  const baseUrl = values['base-url'];

  // Steps 1 to 3, always afresh: this script is what checks the generator's verdict on the spec.
  await mkdir(dirname(out), { recursive: true });
  const release = await lockGoClient(out, log);
  try {
    const { allowed } = await generateGoClient({ spec, out, log });

    // 4. Compile it, with a program that uses it.
    const go = requireTool('go', 'to compile the generated Go client');
    await mkdir(join(out, 'cmd', 'smoke'), { recursive: true });
    await copyFile(join(root, 'scripts', 'other-clients', 'go-smoke', 'main.go'), join(out, 'cmd', 'smoke', 'main.go'));
    await mustRun('go vet ./...', go, ['vet', './...'], { cwd: out });
    await mustRun('go build ./...', go, ['build', './...'], { cwd: out });
    log('compiled: go mod tidy, go vet ./..., go build ./... (with cmd/smoke)');

    let smoke = 'not run (no --base-url)';
    if (baseUrl !== undefined) {
      const output = await mustRun('the Go smoke program', go, ['run', './cmd/smoke', '-base-url', baseUrl], { cwd: out });
      process.stdout.write(output);
      smoke = 'passed';
    }

    const summary = {
      event: 'clients-generated',
      generator: 'openapi-generator-cli',
      version: GENERATOR_VERSION,
      language: GENERATOR,
      output: relative(root, out) || out,
      allowedWarnings: allowed.map((w) => w.message),
      compiled: true,
      smoke,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await release();
  }
}

main().catch((error: unknown) => {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof Failure) && error instanceof Error && error.stack) log(error.stack);
  process.exitCode = 1;
});
