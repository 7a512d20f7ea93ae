import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runBinStatus } from '../support/project.js';

// `npm run lint` as part of the suite, one tool per test so that the runner's summary names the
// one that failed and its findings: ESLint (typescript-eslint, eslint.config.js), Prettier
// (.prettierrc.json, .prettierignore) and knip (knip.jsonc). Each must report nothing at all.

describe('npm run lint', () => {
  it('when ESLint checks the project, then it reports no problem, not even a warning', { timeout: 180_000 }, async () => {
    const { code, output } = await runBinStatus('eslint', ['--max-warnings', '0', '.']);
    assert.equal(code, 0, `eslint found problems:\n${output}`);
  });

  it('when Prettier checks the project, then every file is formatted (npm exec prettier -- --write . formats them)', { timeout: 120_000 }, async () => {
    const { code, output } = await runBinStatus('prettier', ['--list-different', '.']);
    assert.equal(code, 0, `files Prettier would reformat:\n${output}`);
  });

  it('when knip looks for unused files, exports and dependencies, then it finds none', { timeout: 120_000 }, async () => {
    const { code, output } = await runBinStatus('knip', ['--no-progress']);
    assert.equal(code, 0, `knip found:\n${output}`);
  });
});
