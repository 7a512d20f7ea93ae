// `npm run api:release` (releaseApi in scripts/lib/api-gate.ts) on temporary copies: it freezes
// the working spec only when the gate passes and its version is new.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { checkApi, releaseApi } from '../../scripts/lib/api-gate.js';
import { ensureOasdiffBuilt } from '../../scripts/lib/oasdiff.js';
import { makeGateFixture, named, type SpecEdit } from '../support/api-gate-fixture.js';

before(async () => {
  await ensureOasdiffBuilt((line) => process.stderr.write(`[api-release] ${line}\n`));
});

const addNickname: SpecEdit = (spec) => {
  spec.setIn(['components', 'schemas', 'UserRegistration', 'properties', 'nickname'], spec.createNode({ type: 'string', maxLength: 50 }));
};
const nicknameEntry = `Users can be registered with a \`nickname\`: ${named(['POST /register', 'POST /users'])}.`;

describe('API release', () => {
  it('when the gate passes and info.version is new, then the spec is frozen byte for byte as released/<version>.yaml and becomes the release the gate compares with', async () => {
    const fixture = await makeGateFixture({ working: { version: '1.1.0', edit: addNickname, entry: nicknameEntry } });
    try {
      const { file } = await releaseApi(fixture.paths);
      assert.equal(file, `${fixture.paths.releasedDir}/1.1.0.yaml`);
      assert.equal(await fixture.read('openapi/released/1.1.0.yaml'), await fixture.read('openapi/openapi.yaml'));
      const after = await checkApi(fixture.paths);
      assert.equal(after.releasedVersion, '1.1.0');
      assert.equal(after.changed, false);
      assert.ok(after.passed, after.problems.join('\n'));
    } finally {
      await fixture.remove();
    }
  });

  it('when released/<info.version>.yaml exists already, then the release is refused and the file stays as it was', async () => {
    const fixture = await makeGateFixture({ working: { version: '1.0.0' } });
    try {
      const before = await fixture.read('openapi/released/1.0.0.yaml');
      await assert.rejects(releaseApi(fixture.paths), /released\/1\.0\.0\.yaml exists: 1\.0\.0 is released already/);
      assert.equal(await fixture.read('openapi/released/1.0.0.yaml'), before);
    } finally {
      await fixture.remove();
    }
  });

  it('when the gate fails, then the release is refused with its reasons and nothing is written', async () => {
    const fixture = await makeGateFixture({ working: { version: '1.1.0', edit: addNickname } });
    try {
      await assert.rejects(releaseApi(fixture.paths), /Not released: the API gate fails\.[\s\S]*no "### 1\.1\.0" entry/);
      assert.deepEqual(await readdir(fixture.paths.releasedDir), ['1.0.0.yaml']);
    } finally {
      await fixture.remove();
    }
  });
});
