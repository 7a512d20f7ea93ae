import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVER_ENV_WORDS, SERVER_NODE_FLAGS } from '../../src/runtime-flags.js';
import { projectRoot } from '../support/project.js';

describe('the Node flags the service starts with', () => {
  it('when the service is started by `npm run serve`, then it gets the same flags and environment as `npm start` and the benchmark', () => {
    const manifest = JSON.parse(readFileSync(`${projectRoot}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    assert.equal(manifest.scripts.serve, `${SERVER_ENV_WORDS} node ${SERVER_NODE_FLAGS.join(' ')} dist/src/server.js`);
  });
});
