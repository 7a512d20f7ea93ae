// The client package as a consumer gets it: `npm pack` of clients/typescript, installed from the
// tarball into an empty project that has nothing else, type-checked there with the compiler the
// consumer would use, then run against the real service, in Node and in the machine's Chromium
// (native ES modules through an import map: no bundler, no Node built-ins).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { parse } from 'yaml';
import { specPath } from '../../src/spec-path.js';
import { launchChromium } from '../support/chromium.js';
import { projectRoot } from '../support/project.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);
const clientDir = join(projectRoot, 'clients', 'typescript');

/** npm as `npm test` runs it (the same npm CLI on the same Node), else the one on PATH. */
function npm(args: string[], cwd: string) {
  const cli = process.env.npm_execpath;
  return cli ? run(process.execPath, [cli, ...args], { cwd }) : run('npm', args, { cwd, shell: process.platform === 'win32' });
}

type Packed = { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

// The consumer's program: typed by the package's declarations only (no @types/node: it must not
// need Node), so it compiles only if the package's types are complete and right.
const MAIN_TS = `import { createUsersClient, problemOf, type User, type UsersClient } from '@users-api/client';

export async function run(baseUrl: string, email: string) {
  const users = createUsersClient({ baseUrl });
  const created = await users.POST('/users', { body: { name: 'packed', email } });
  if (created.error) throw new Error('registration failed: ' + created.response.status);
  const user: User = created.data;
  const fetched = await users.GET('/users/{id}', { params: { path: { id: user.id } } });
  const missing = await users.GET('/users/{id}', { params: { path: { id: 'aaaaaaaaaaaaaaaaaaaaaaaa' } } });
  return { created: created.response.status, fetched: fetched.data?.email ?? null, missing: problemOf(missing)?.code ?? null };
}

/** Never called: each line must stay a compile error, or the type-check fails. */
export function typeErrors(users: UsersClient) {
  // @ts-expect-error -- the spec has no such path
  void users.GET('/people');
  // @ts-expect-error -- a registration needs an email
  void users.POST('/users', { body: { name: 'no email' } });
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    types: [],
    strict: true,
    outDir: 'dist',
    rootDir: '.',
  },
  files: ['main.ts'],
};

const RUN_MJS = `import { run } from './dist/main.js';
console.log(JSON.stringify(await run(process.argv[2], process.argv[3])));
`;

const INDEX_HTML = `<!doctype html>
<script type="importmap">
{ "imports": {
  "@users-api/client": "/node_modules/@users-api/client/dist/index.js",
  "openapi-fetch": "/node_modules/openapi-fetch/dist/index.mjs"
} }
</script>
<script type="module">
  import { run } from '/dist/main.js';
  const params = new URLSearchParams(location.search);
  run(params.get('api'), params.get('email')).then((result) => { window.result = result; }, (error) => { window.result = { error: String(error) }; });
</script>
`;

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json' };

/** Serves `root`'s files on a loopback port, as a static web server would (GET only, no listing). */
async function serveFiles(root: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the client package (@users-api/client) installed from its tarball', () => {
  let work = '';
  let consumer = '';
  let packed: Packed;
  let web: { origin: string; server: Server };
  let service: TestServer;
  let browser: Browser | undefined;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'users-api-client-pack-'));
    consumer = join(work, 'consumer');
    await mkdir(consumer);
    // `npm run build` (which `npm test` runs first) built the package; packing without its
    // prepack build keeps this test from rewriting dist/ under the other test files that use it.
    const { stdout } = await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], clientDir);
    packed = (JSON.parse(stdout) as Packed[])[0]!;
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'client-consumer', private: true, type: 'module' }));
    await npm(['install', join(work, packed.filename), '--no-audit', '--no-fund', '--prefer-offline'], consumer);
    await writeFile(join(consumer, 'main.ts'), MAIN_TS);
    await writeFile(join(consumer, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await writeFile(join(consumer, 'run.mjs'), RUN_MJS);
    await writeFile(join(consumer, 'index.html'), INDEX_HTML);
    web = await serveFiles(consumer);
    service = await startTestServer('client-package', { CORS_ORIGINS: web.origin });
  });
  after(async () => {
    await browser?.close();
    await service?.close();
    web?.server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('when packed, then the tarball holds the built ES modules, their declarations and the licence, and no sources or server code', async (t) => {
    const files = packed.files.map((f) => f.path).sort();
    for (const expected of ['package.json', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/schemas.d.ts', 'dist/generated/openapi.d.ts']) {
      assert.ok(files.includes(expected), `${expected} in ${files.join(', ')}`);
    }
    assert.deepEqual(
      files.filter((f) => !f.startsWith('dist/') && f !== 'package.json' && f !== 'LICENSE'),
      [],
    );
    t.diagnostic(`${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${files.length} files`);
  });

  it("when packed, then its version is the API version it was generated from (the spec's info.version)", async () => {
    const apiVersion = (parse(await readFile(specPath, 'utf8')) as { info: { version: string } }).info.version;
    assert.equal(packed.filename, `users-api-client-${apiVersion}.tgz`);
  });

  it('when installed into an empty project, then it brings only what a client needs', async (t) => {
    const lock = JSON.parse(await readFile(join(consumer, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const installed = Object.keys(lock.packages)
      .map((path) => path.replace(/^.*node_modules\//, ''))
      .filter((name) => name !== '@users-api/client')
      .sort();
    assert.deepEqual(installed, ['openapi-fetch', 'openapi-typescript-helpers']);
    t.diagnostic(`dependencies installed with it: ${installed.length} (${installed.join(', ')})`);
  });

  it('when a consumer program uses it, then it type-checks with the strict compiler and no Node types', async () => {
    await run(process.execPath, [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], { cwd: consumer });
    assert.match(await readFile(join(consumer, 'dist', 'main.js'), 'utf8'), /from '@users-api\/client'/);
  });

  it('when the program runs in Node against the service, then it creates, reads and gets a typed problem', async () => {
    const email = `packed.node.${Date.now().toString(36)}@example.com`;
    const { stdout } = await run(process.execPath, ['run.mjs', service.baseUrl, email], { cwd: consumer });
    assert.deepEqual(JSON.parse(stdout), { created: 201, fetched: email, missing: 'USER_NOT_FOUND' });
  });

  it('when the same program runs in a browser (ES modules, an import map, no bundler), then it works the same', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const email = `packed.browser.${Date.now().toString(36)}@example.com`;
    await page.goto(`${web.origin}/?api=${encodeURIComponent(service.baseUrl)}&email=${encodeURIComponent(email)}`);
    const result = await (await page.waitForFunction(() => (globalThis as { result?: unknown }).result, undefined, { timeout: 15_000 })).jsonValue();
    assert.deepEqual(errors, []);
    assert.deepEqual(result, { created: 201, fetched: email, missing: 'USER_NOT_FOUND' });
  });
});
