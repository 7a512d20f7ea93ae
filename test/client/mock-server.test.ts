// `npm run mock` (Stoplight Prism serving the spec, no service, no database) driven through the
// client package: every operation's documented success answer comes back and validates against
// the spec, in Prism's static mode (the spec's examples) and in its --dynamic mode.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createUsersClient, type UsersClient } from '@users-api/client';
import { spawnManaged, type ManagedProcess } from '../../scripts/lib/managed-process.js';
import { pickFreePort, waitForTcpPort } from '../../scripts/lib/tcp-port.js';
import { specPath } from '../../src/spec-path.js';
import { readSpecOperations } from '../conformance/collection-coverage.js';
import { projectRoot } from '../support/project.js';
import { specResponses } from '../support/spec-responses.js';

type Result = { data?: unknown; error?: unknown; response: Response };
type Call = (api: UsersClient, headers: Record<string, string>) => Promise<Result>;

const ID = '65a1f0c2e4b0a1b2c3d4e5f6';
const EMAIL = 'super@gmail.com';

/** One call per operation of the spec, with the smallest valid request. */
const calls: Record<string, Call> = {
  listUsers: (api, headers) => api.GET('/users', { headers }),
  createUser: (api, headers) => api.POST('/users', { body: { name: 'superman', email: EMAIL }, headers }),
  getUser: (api, headers) => api.GET('/users/{id}', { params: { path: { id: ID } }, headers }),
  updateUser: (api, headers) => api.PATCH('/users/{id}', { params: { path: { id: ID } }, body: { name: 'iron man' }, headers }),
  deleteUser: (api, headers) => api.DELETE('/users/{id}', { params: { path: { id: ID } }, headers }),
  legacyListUsers: (api, headers) => api.GET('/user', { headers }),
  legacyUpdateUser: (api, headers) => api.PATCH('/user', { body: { query: { email: EMAIL }, payload: { name: 'iron man' } }, headers }),
  legacyRegister: (api, headers) => api.POST('/register', { body: { name: 'superman', email: EMAIL }, headers }),
  legacyDeleteUser: (api, headers) => api.DELETE('/delete', { body: { email: EMAIL }, headers }),
  getLiveness: (api, headers) => api.GET('/healthz', { headers }),
  getReadiness: (api, headers) => api.GET('/readyz', { headers }),
  getMetrics: (api, headers) => api.GET('/metrics', { headers, parseAs: 'text' }),
};

const operations = readSpecOperations(specPath);
const documented = specResponses();
/** Each operation's documented success statuses (2xx). */
const successes = operations.flatMap((operation) => operation.statuses.filter((status) => /^2\d\d$/.test(status)).map((status) => ({ operation, status })));

/** The command `npm run mock` runs, from package.json, on another port. */
function mockCommand(port: number, extra: string[]): [string, string[]] {
  const script = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.mock ?? '';
  const [bin, ...args] = script.split(/\s+/);
  assert.equal(bin, 'prism', `npm run mock runs Prism: ${script}`);
  const portAt = args.indexOf('--port');
  assert.ok(portAt >= 0, `npm run mock names its port: ${script}`);
  args[portAt + 1] = String(port);
  return [join(projectRoot, 'node_modules', '.bin', 'prism'), [...args, ...extra]];
}

async function startMock(extra: string[]): Promise<{ baseUrl: string; process: ManagedProcess }> {
  const port = await pickFreePort();
  const [command, args] = mockCommand(port, extra);
  const prism = await spawnManaged(command, args, { name: 'prism', cwd: projectRoot, orphanWatchdog: true });
  await waitForTcpPort('127.0.0.1', port, { timeoutMs: 60_000 }).catch(async (error: unknown) => {
    await prism.stop(0);
    throw new Error(`Prism did not start: ${(error as Error).message}\n${prism.output.tail()}`);
  });
  return { baseUrl: `http://127.0.0.1:${port}`, process: prism };
}

for (const mode of [
  { name: 'static (the spec examples)', args: [] as string[] },
  { name: '--dynamic', args: ['--dynamic', '--seed', 'users-api'] },
]) {
  describe(`npm run mock, ${mode.name}, through the client package`, () => {
    let mock: { baseUrl: string; process: ManagedProcess };
    let api: UsersClient;

    before(async () => {
      mock = await startMock(mode.args);
      // The mock checks that secured operations carry a bearer token; any token will do.
      api = createUsersClient({ baseUrl: mock.baseUrl, token: 'mock-token-0123456789abcdef' });
    });
    after(async () => {
      await mock?.process.stop(5_000);
    });

    it('when the spec is read, then every operation has a call here', () => {
      assert.deepEqual(operations.map((o) => o.operationId).sort(), Object.keys(calls).sort());
    });

    for (const { operation, status } of successes) {
      it(`when ${operation.method} ${operation.path} asks for ${status}, then ${status} comes back and validates against the spec`, async () => {
        const call = calls[operation.operationId];
        assert.ok(call, operation.operationId);
        const result = await call(api, { Prefer: `code=${status}` });
        assert.equal(result.response.status, Number(status), JSON.stringify(result.error));
        const expected = documented.response(operation.operationId, status);
        const type = result.response.headers.get('content-type');
        if (expected.mediaTypes.length === 0) {
          assert.equal(result.data, undefined);
        } else {
          assert.ok(
            expected.mediaTypes.some((media) => type?.startsWith(media)),
            `content-type ${type} is one of ${expected.mediaTypes.join(', ')}`,
          );
        }
        assert.deepEqual(expected.check(result.data), []);
        if (mode.args.length === 0 && expected.examples.length > 0) {
          assert.ok(
            expected.examples.some((example) => JSON.stringify(example) === JSON.stringify(result.data)),
            `one of the spec's examples: ${JSON.stringify(result.data)}`,
          );
        }
      });
    }
  });
}

describe('what the mock does not do', () => {
  let mock: { baseUrl: string; process: ManagedProcess };
  before(async () => {
    mock = await startMock([]);
  });
  after(async () => {
    await mock?.process.stop(5_000);
  });

  it('when a user is created, then the mock does not remember it (no state: it answers the example)', async () => {
    const api = createUsersClient({ baseUrl: mock.baseUrl, token: 'mock-token-0123456789abcdef' });
    const created = await api.POST('/users', { body: { name: 'someone else', email: 'someone.else@example.com' } });
    assert.equal(created.response.status, 201);
    assert.notEqual(created.data?.name, 'someone else');
    const read = await api.GET('/users/{id}', { params: { path: { id: ID } } });
    assert.notEqual(read.data?.email, 'someone.else@example.com');
  });

  it('when a secured operation has no token, then the mock answers 401 as the spec documents', async () => {
    const result = await createUsersClient({ baseUrl: mock.baseUrl }).GET('/users');
    assert.equal(result.response.status, 401);
    assert.deepEqual(documented.response('listUsers', '401').check(result.error), []);
  });
});
