import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { specOperations } from '../../src/http/openapi/spec-operations.js';
import { loadSpec } from '../../src/spec.js';
import { projectRoot } from '../support/project.js';
import { EVERY_SCOPE, IdentityProvider, signingKey } from '../support/identity-provider.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const TOKEN = 'schemathesis-token-0123456789';
const SEED = '42';
const MAX_EXAMPLES = '25';

/**
 * Schemathesis against the real server and the contract that server serves (/openapi.json: with
 * static tokens the canonical spec, with a JWT provider the canonical spec naming the provider,
 * in local mode the one without tokens, see src/http/openapi/served-spec.ts),
 * in each mode: every check, positive and negative data, a fixed seed and a bounded number of
 * cases per operation. schemathesis.toml states the few answers to schema-valid input that are
 * correct here, each with its reason; no check is excluded.
 */
type Mode = { name: string; label: string; prepare(): Promise<{ env: Record<string, string>; headers: string[]; stop?: () => Promise<void> }> };
// The `ignored_auth` check sends wrong tokens on purpose; with the default lockout after 10 of
// them every later request would be a 429. The lockout has its own tests (security.test.ts).
const NO_LOCKOUT = { AUTH_FAILURE_RATE_LIMIT: '1000000' };
const modes: Mode[] = [
  {
    name: 'with API_TOKENS',
    label: 'tokens',
    prepare: async () => ({ env: { API_TOKENS: TOKEN, ...NO_LOCKOUT }, headers: ['--header', `Authorization: Bearer ${TOKEN}`] }),
  },
  {
    // The served contract names the provider; a token with every scope, as an administrator's.
    name: 'with a JWT provider (a token with every scope)',
    label: 'jwt',
    prepare: async () => {
      const provider = await IdentityProvider.start([await signingKey('ES256', 'ec-1')]);
      const token = await provider.mint({ claims: { scope: EVERY_SCOPE } });
      return { env: { ...provider.env('url'), ...NO_LOCKOUT }, headers: ['--header', `Authorization: Bearer ${token}`], stop: () => provider.stop() };
    },
  },
  { name: 'in local mode (no tokens)', label: 'local', prepare: async () => ({ env: {}, headers: [] }) },
];

for (const mode of modes) {
  describe(`the API under schemathesis ${mode.name} (all checks, positive and negative modes)`, () => {
    let server: TestServer;
    let headers: string[] = [];
    let stop: (() => Promise<void>) | undefined;
    const serverLog: string[] = [];

    before(async () => {
      const prepared = await mode.prepare();
      headers = prepared.headers;
      stop = prepared.stop;
      server = await startTestServer(`schemathesis-${mode.label}`, prepared.env, { logLines: (line) => serverLog.push(line) });
    });
    after(async () => {
      await server?.close();
      await stop?.();
    });

    it('when it fuzzes every operation of the served contract, then it finds no failure and the server logs no error', { timeout: 600_000 }, async (t) => {
      const bin = process.env.SCHEMATHESIS_PATH;
      assert.ok(bin, 'SCHEMATHESIS_PATH is not set: run the suite with `npm test`, which installs schemathesis');
      const args = [
        '--config-file',
        join(projectRoot, 'schemathesis.toml'),
        'run',
        `${server.baseUrl}/openapi.json`,
        '--url',
        server.baseUrl,
        ...headers,
        '--checks',
        'all',
        '--mode',
        'all',
        '--seed',
        SEED,
        '--max-examples',
        MAX_EXAMPLES,
        '--workers',
        '1',
        '--no-color',
      ];
      const run = spawn(bin, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));

      const counts = /(\d+) generated, (.*)$/m.exec(output);
      t.diagnostic(`schemathesis ${mode.name} (seed ${SEED}, up to ${MAX_EXAMPLES} cases per operation and phase): ${counts?.[0] ?? 'no summary'}`);
      assert.equal(code, 0, output.slice(-6000));
      assert.ok(counts && Number(counts[1]) > 100, `too few cases generated:\n${output.slice(-2000)}`);
      const operations = specOperations(loadSpec().document).length;
      assert.match(output, new RegExp(`Selected: ${operations}/${operations}\\b`), 'schemathesis did not test every operation');
      assert.match(output, /No issues found/);
      const errors = serverLog.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
      assert.deepEqual(errors, [], 'the server logged errors while fuzzed');
    });
  });
}
