// The code samples the served contract shows (openapi/code-samples/, see docs/api.md), each run
// as a reader would run it, against the real service on the real database: the curl ones with
// bash, the TypeScript ones (type-checked by the build) with node, the Go ones compiled in one
// `go build` against the client OpenAPI Generator makes from the spec (scripts/lib/go-client.ts,
// the generation `npm run clients:generate` checks). Each must exit 0 and print the operation's
// documented success: its status, and a body the spec's schema for that response accepts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codeSamplesDir, SAMPLE_FILES, type SampleFile } from '../../scripts/lib/code-samples.js';
import { buildGoPrograms, withGoClient } from '../../scripts/lib/go-client.js';
import { specOperations } from '../../src/http/openapi/spec-operations.js';
import { loadSpec } from '../../src/spec.js';
import { request } from '../support/http.js';
import { projectRoot } from '../support/project.js';
import { specResponses } from '../support/spec-responses.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const TOKEN = 'code-samples-token-0123456789';
const document = loadSpec().document as { paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>> };
const operations = specOperations(document);
const documented = specResponses();
// The first run may generate the Go client (a JVM) and compile it; later runs reuse both.
const GO_BUILD_TIMEOUT_MS = 300_000;

type User = { id: string; name: string; email: string };
/** What a sample is given (as environment variables) and what it should have done. */
type Fixture = { env: Record<string, string>; user?: User; etag?: string; email?: string };

/** The operation's success: its documented 2xx status (each operation documents one). */
function successStatus(operationId: string): string {
  const op = operations.find((o) => o.operationId === operationId)!;
  const statuses = Object.keys(document.paths[op.path]?.[op.method]?.responses ?? {}).filter((s) => /^2\d\d$/.test(s));
  assert.equal(statuses.length, 1, `${operationId} documents one success status`);
  return statuses[0]!;
}

const api = (method: string, path: string, options: Parameters<typeof request>[3] = {}) =>
  request(server.baseUrl, method, path, { ...options, headers: { authorization: `Bearer ${TOKEN}`, ...options.headers } });
const freshEmail = () => `ada.${randomBytes(6).toString('hex')}@example.com`;

/** A user of its own for one sample run, registered as any client would. */
async function registeredUser(): Promise<Fixture> {
  const email = freshEmail();
  const reply = await api('POST', '/users', { json: { name: 'Ada Lovelace', email } });
  assert.equal(reply.status, 201, reply.text);
  const user = reply.body as User;
  const etag = reply.headers.get('etag') ?? '';
  return { env: { USER_ID: user.id, USER_EMAIL: email, ETAG: etag }, user, etag, email };
}

/** What each operation's samples need, and what else their printed answer must show. */
const scenarios: Record<string, { fixture: () => Promise<Fixture>; then: (body: unknown, printed: Map<string, string>, f: Fixture) => Promise<void> | void }> =
  {
    listUsers: {
      fixture: registeredUser,
      then: (body) => {
        const { items } = body as { items: User[] };
        assert.ok(items.length >= 1 && items.length <= 10, `a page of 1 to 10 users (limit=10): ${items.length}`);
      },
    },
    createUser: {
      fixture: async () => {
        const email = freshEmail();
        return { env: { USER_EMAIL: email }, email };
      },
      then: async (body, printed, f) => {
        const user = body as User;
        assert.equal(user.email, f.email);
        assert.equal(printed.get('etag'), '"1"');
        assert.equal((await api('GET', `/users/${user.id}`)).status, 200, 'the user is stored');
      },
    },
    getUser: {
      fixture: registeredUser,
      then: (body, printed, f) => {
        assert.equal((body as User).id, f.user?.id);
        assert.equal(printed.get('etag'), f.etag);
      },
    },
    updateUser: {
      fixture: registeredUser,
      then: async (body, printed, f) => {
        assert.equal((body as User).id, f.user?.id);
        assert.notEqual((body as User).name, f.user?.name, 'the name changed');
        assert.equal(printed.get('etag'), '"2"');
        assert.equal(((await api('GET', `/users/${f.user?.id}`)).body as User).name, (body as User).name, 'the change is stored');
      },
    },
    deleteUser: {
      fixture: registeredUser,
      then: async (_body, _printed, f) => assert.equal((await api('GET', `/users/${f.user?.id}`)).status, 404, 'the user is gone'),
    },
    legacyListUsers: {
      fixture: registeredUser,
      then: (body, _printed, f) =>
        assert.deepEqual(
          (body as User[]).map((u) => u.id),
          [f.user?.id],
        ),
    },
    legacyUpdateUser: {
      fixture: registeredUser,
      then: async (body, _printed, f) => {
        assert.equal((body as User).id, f.user?.id);
        assert.notEqual((body as User).name, f.user?.name, 'the name changed');
        assert.equal(((await api('GET', `/users/${f.user?.id}`)).body as User).name, (body as User).name, 'the change is stored');
      },
    },
    legacyRegister: {
      fixture: async () => {
        const email = freshEmail();
        return { env: { USER_EMAIL: email }, email };
      },
      then: async (body, _printed, f) => {
        assert.equal((body as User).email, f.email);
        assert.equal((await api('GET', `/users/${(body as User).id}`)).status, 200, 'the user is stored');
      },
    },
    legacyDeleteUser: {
      fixture: registeredUser,
      then: async (_body, _printed, f) => assert.equal((await api('GET', `/users/${f.user?.id}`)).status, 404, 'the user is gone'),
    },
    getLiveness: { fixture: async () => ({ env: {} }), then: (body) => assert.equal((body as { status: string }).status, 'ok') },
    getReadiness: { fixture: async () => ({ env: {} }), then: (body) => assert.equal((body as { status: string }).status, 'ready') },
    getMetrics: { fixture: async () => ({ env: {} }), then: (body) => assert.match(String(body), /^# TYPE \w+ counter$/m) },
  };

/**
 * What a sample printed: curl's `-i` (status line, headers, blank line, body), or the clients'
 * status line (`200 OK`), the headers they print (`ETag: "1"`) and the body.
 */
function parsePrinted(stdout: string): { status: string; headers: Map<string, string>; body: string } {
  const text = stdout.replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const status = /^(?:HTTP\/[\d.]+ )?(\d{3})\b/.exec(lines[0] ?? '')?.[1] ?? `(no status in "${lines[0]}")`;
  let at = 1;
  const headers = new Map<string, string>();
  for (; at < lines.length; at++) {
    const header = /^([A-Za-z][\w-]*): ?(.*)$/.exec(lines[at] ?? '');
    if (!header) break;
    headers.set(header[1]!.toLowerCase(), header[2]!);
  }
  if (text.startsWith('HTTP/') && lines[at] === '') at++;
  return { status, headers, body: lines.slice(at).join('\n').trim() };
}

let server: TestServer;
let goBin: string;

/** How each language's sample runs: the command and its arguments. */
function command(sample: SampleFile, operationId: string): [string, string[]] {
  switch (sample.file) {
    case 'curl.sh':
      return ['bash', [join(codeSamplesDir(), operationId, sample.file)]];
    case 'typescript.ts':
      return [process.execPath, [join(projectRoot, 'dist', 'openapi', 'code-samples', operationId, 'typescript.js')]];
    case 'main.go':
      return [join(goBin, operationId), []];
  }
}

function runSample(file: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

before(
  async () => {
    server = await startTestServer('code-samples', { API_TOKENS: TOKEN });
    goBin = await mkdtemp(join(tmpdir(), 'users-api-go-samples-'));
    const programs = operations.map(({ operationId }) => ({ name: operationId, source: join(codeSamplesDir(), operationId, 'main.go') }));
    await withGoClient(
      (dir) => buildGoPrograms(dir, 'samples', programs, goBin),
      (line) => process.stderr.write(`[code-samples] ${line}\n`),
    );
  },
  { timeout: GO_BUILD_TIMEOUT_MS },
);
after(async () => {
  await server?.close();
  if (goBin) await rm(goBin, { recursive: true, force: true });
});

describe('the code samples of every operation (openapi/code-samples/)', () => {
  it('when the spec is read, then every operation has a scenario here (a new operation needs one)', () => {
    assert.deepEqual(Object.keys(scenarios).sort(), operations.map((o) => o.operationId).sort());
  });

  for (const { operationId, method, path } of operations) {
    for (const sample of SAMPLE_FILES) {
      const status = successStatus(operationId);
      it(
        `when the ${sample.label} sample of ${operationId} runs, then it exits 0 and prints the documented ${status} of ${method.toUpperCase()} ${path}`,
        { timeout: 60_000 },
        async () => {
          const scenario = scenarios[operationId]!;
          const fixture = await scenario.fixture();
          const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', USERS_API_URL: server.baseUrl, USERS_API_TOKEN: TOKEN, ...fixture.env };
          const [file, args] = command(sample, operationId);
          const run = await runSample(file, args, env);
          const shown = `${sample.file} of ${operationId} (exit ${run.code}) printed:\n${run.stdout}\n--- stderr:\n${run.stderr}`;
          assert.equal(run.code, 0, shown);
          const printed = parsePrinted(run.stdout);
          assert.equal(printed.status, status, shown);
          const response = documented.response(operationId, status);
          const json = response.mediaTypes.some((type) => /^application\/(.+\+)?json$/.test(type));
          let body: unknown = printed.body;
          if (json) assert.doesNotThrow(() => (body = JSON.parse(printed.body)), `the printed body is not JSON: ${shown}`);
          assert.deepEqual(response.check(body), [], `the printed body is not the documented ${status}: ${shown}`);
          await scenario.then(body, printed.headers, fixture);
        },
      );
    }
  }
});
