import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { servedSpec } from '../../src/http/openapi/served-spec.js';
import { loadSpec } from '../../src/spec.js';
import { projectRoot, runBin } from '../support/project.js';

/** `redocly lint` run in `cwd` (with its redocly.yaml): its errors and warnings, each listed. */
async function lint(cwd?: string): Promise<{ errors: number; warnings: number; listed: string }> {
  const { stdout } = await runBin('redocly', ['lint', '--format=json'], cwd ? { cwd } : {}).catch((error: { stdout?: string }) => ({
    stdout: error.stdout ?? '',
  }));
  const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
  return { ...report.totals, listed: report.problems.map((p) => `${p.ruleId}: ${p.message}`).join('\n') };
}

describe('openapi/openapi.yaml', () => {
  it('when linted with redocly.yaml (recommended-strict), then there are zero errors and zero warnings', async () => {
    const { errors, warnings, listed } = await lint();
    assert.equal(errors, 0, listed);
    assert.equal(warnings, 0, listed);
  });

  it('when types are generated afresh, then they equal the committed generated/openapi.ts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'users-api-generate-'));
    try {
      const fresh = join(dir, 'openapi.ts');
      // The same command as `npm run generate`, written elsewhere.
      await runBin('openapi-typescript', ['openapi/openapi.yaml', '-o', fresh, '--redocly', 'openapi/generate.redocly.yaml']);
      const [expected, committed] = await Promise.all([readFile(fresh, 'utf8'), readFile(join(projectRoot, 'generated/openapi.ts'), 'utf8')]);
      assert.ok(expected.length > 0);
      assert.equal(committed, expected, 'generated/openapi.ts is stale: run `npm run generate` and commit the result');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the contract a local-mode server serves (src/http/openapi/served-spec.ts)', () => {
  it('when linted with redocly.yaml, then zero errors and zero warnings, but for the two rules about the tokens it leaves out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'users-api-served-lint-'));
    try {
      // The project's layout, so that .redocly.lint-ignore.yaml's entries (by path) apply as they do to the canonical file.
      await mkdir(join(dir, 'openapi'));
      await writeFile(join(dir, 'openapi', 'openapi.yaml'), servedSpec(loadSpec(), { tokens: false }).yaml);
      await copyFile(join(projectRoot, '.redocly.lint-ignore.yaml'), join(dir, '.redocly.lint-ignore.yaml'));
      const config = parse(await readFile(join(projectRoot, 'redocly.yaml'), 'utf8')) as { rules: Record<string, unknown> };
      // Declaring no security is local mode's point, and the canonical file's token answers
      // (Unauthorized, Forbidden) stay among the components unreferenced: both are checked on the
      // canonical file above. Every other rule applies, examples on every response body included.
      config.rules['security-defined'] = 'off';
      config.rules['no-unused-components'] = 'off';
      await writeFile(join(dir, 'redocly.yaml'), stringify(config));
      const { errors, warnings, listed } = await lint(dir);
      assert.equal(errors, 0, listed);
      assert.equal(warnings, 0, listed);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
