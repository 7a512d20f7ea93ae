import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { check, resolveConfig } from 'prettier';
import { projectRoot } from '../support/project.js';

// The lint the suite runs (test/contract/lint.test.ts) can fail: the project's own configurations
// report a known problem in a small piece of code that is not in the repository.

/** The code's path: never written, and typed by the project's tsconfig (the default project below). */
const virtualFile = join(projectRoot, 'lint-fixture.ts');

describe('the lint configuration', () => {
  it('when ESLint meets a promise left floating, then the type-aware rule reports it', { timeout: 120_000 }, async () => {
    const projectService = { allowDefaultProject: ['lint-fixture.ts'], defaultProject: 'tsconfig.json' };
    const eslint = new ESLint({ cwd: projectRoot, overrideConfig: { languageOptions: { parserOptions: { projectService } } } });
    const [result] = await eslint.lintText('async function save(): Promise<void> {}\nsave();\n', { filePath: virtualFile });
    assert.deepEqual(
      result?.messages.map((message) => `${message.line}: ${message.ruleId ?? message.message}`),
      ['2: @typescript-eslint/no-floating-promises'],
    );
  });

  it('when Prettier meets double quotes and a missing semicolon, then the check fails, and passes once they are fixed', async () => {
    const options = { ...(await resolveConfig(virtualFile)), filepath: virtualFile };
    assert.equal(await check('const greeting = "hello"\n', options), false);
    assert.equal(await check("const greeting = 'hello';\n", options), true);
  });
});
