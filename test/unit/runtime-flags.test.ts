import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/runtime-flags.js';
import { projectRoot } from '../support/project.js';

describe('the Node flags the service starts with', () => {
  it('when the service is started by `npm run serve`, then it gets the same flags and environment as `npm start` and the benchmark', () => {
    const manifest = JSON.parse(readFileSync(`${projectRoot}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    // Each setting as a shell default, so a value the caller exported wins, as with `npm start`.
    const environment = Object.entries(SERVER_ENV)
      .map(([name, value]) => `${name}=\${${name}:-${value}}`)
      .join(' ');
    assert.equal(manifest.scripts.serve, `${environment} node ${SERVER_NODE_FLAGS.join(' ')} dist/src/server.js`);
  });

  it('when the container image starts the service, then its command has the same flags as `npm run serve`', () => {
    const dockerfile = readFileSync(`${projectRoot}/Dockerfile`, 'utf8');
    const command = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    assert.ok(command, 'the Dockerfile has a CMD in exec form');
    assert.deepEqual(JSON.parse(command), ['node', ...SERVER_NODE_FLAGS, 'dist/src/server.js']);
  });
});
