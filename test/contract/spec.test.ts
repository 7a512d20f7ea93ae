import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot, runBin } from '../support/project.js';

describe('openapi/openapi.yaml', () => {
  it('when linted with redocly.yaml (recommended-strict), then there are zero errors and zero warnings', async () => {
    const { stdout } = await runBin('redocly', ['lint', '--format=json']).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
    const listed = report.problems.map((p) => `${p.ruleId}: ${p.message}`).join('\n');
    assert.equal(report.totals.errors, 0, listed);
    assert.equal(report.totals.warnings, 0, listed);
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
