// The spec in another language's generator: scripts/generate-other-clients.ts (`npm run
// clients:generate`) generates a Go client with OpenAPI Generator, fails on the generator's errors
// and unexplained warnings, compiles the client and runs a Go program using it against the real
// service. The failing cases feed it small specs with one known flaw each, to show it does fail.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../support/project.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const script = join(projectRoot, 'dist/scripts/generate-other-clients.js');
// The first run may download the generator (about 30 MB) and Go modules; later runs take ~20 s.
const TIMEOUT_MS = 300_000;

type Run = { code: number; stdout: string; stderr: string };

function generate(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: projectRoot, timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON summary the script prints last on success. */
function summaryOf(run: Run): Record<string, unknown> {
  const last = run.stdout.trimEnd().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Record<string, unknown>;
}

/** A small spec with one flaw, to feed the script. */
const thingsSpec = (extra: { operationId?: string; property?: string; schemas?: string; version?: string } = {}) => `openapi: 3.1.0
info:
  title: Things
  ${extra.version ?? "version: '1'"}
paths:
  /things:
    get:
      ${extra.operationId ?? 'operationId: listThings'}
      responses:
        '200':
          description: The things.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/Thing'
components:
  schemas:
    Thing:
      type: object
      properties:
        name:
          type: string
${extra.property ?? ''}${extra.schemas ?? ''}`;

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startTestServer('other-language-client');
  scratch = await mkdtemp(join(tmpdir(), 'users-api-clients-'));
});
after(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

// Concurrently: each run is mostly a JVM and a Go compiler starting up, with an output directory of its own.
describe('npm run clients:generate (OpenAPI Generator, Go)', { concurrency: true }, () => {
  it(
    'when run on openapi/openapi.yaml, then the Go client is generated with no unexplained warning, compiles, and its program passes against the real service',
    { timeout: TIMEOUT_MS },
    async () => {
      const run = await generate(['--base-url', server.baseUrl]);
      assert.equal(run.code, 0, run.stderr);
      const summary = summaryOf(run);
      assert.equal(summary.event, 'clients-generated');
      assert.equal(summary.language, 'go');
      assert.match(String(summary.version), /^7\.\d+\.\d+$/);
      assert.equal(summary.compiled, true);
      assert.equal(summary.smoke, 'passed');
      const out = join(projectRoot, String(summary.output));
      for (const file of ['api_users.go', 'api_legacy.go', 'model_user.go', 'model_problem.go', 'go.mod', 'cmd/smoke/main.go']) {
        assert.ok(existsSync(join(out, file)), `${file} was not generated`);
      }
      // The Go program called every operation of the spec, and ended well.
      for (const operation of [
        'createUser',
        'getUser',
        'listUsers',
        'updateUser',
        'deleteUser',
        'legacyListUsers',
        'legacyRegister',
        'legacyUpdateUser',
        'legacyDeleteUser',
      ]) {
        assert.match(run.stdout, new RegExp(`^${operation} +(GET|POST|PATCH|DELETE) `, 'm'), `${operation} was not called`);
      }
      assert.match(run.stdout, /^smoke: ok$/m);
    },
  );

  it(
    'when the generator warns about a spec (an operation without operationId), then the script fails quoting the warning',
    { timeout: TIMEOUT_MS },
    async () => {
      const spec = join(scratch, 'no-operation-id.yaml');
      await writeFile(spec, thingsSpec({ operationId: 'summary: No operationId' }));
      const run = await generate(['--spec', spec, '--out', join(scratch, 'warned')]);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /FAILED: generating the go client printed warnings or errors:\n.*WARN .*Empty operationId found for path: get \/things/);
    },
  );

  it("when the generator's validator finds an error (no info.version), then the script fails before generating", { timeout: TIMEOUT_MS }, async () => {
    const spec = join(scratch, 'no-version.yaml');
    const out = join(scratch, 'invalid');
    await writeFile(spec, thingsSpec({ version: "summary: 'no version'" }));
    const run = await generate(['--spec', spec, '--out', out]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /FAILED: the generator's validator objects to the spec:[\s\S]*info\.version is missing/);
    assert.equal(existsSync(out), false);
  });

  it(
    'when the generated client does not compile (schemas Thing and NewThing clash in Go), then the script fails quoting the compiler',
    { timeout: TIMEOUT_MS },
    async () => {
      const spec = join(scratch, 'clash.yaml');
      await writeFile(
        spec,
        thingsSpec({
          property: "        next:\n          $ref: '#/components/schemas/NewThing'\n",
          schemas: '    NewThing:\n      type: object\n      properties:\n        name:\n          type: string\n',
        }),
      );
      const run = await generate(['--spec', spec, '--out', join(scratch, 'clash')]);
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stderr, /FAILED: go vet \.\/\.\.\. exited with 1:[\s\S]*NewThing redeclared/);
    },
  );
});
