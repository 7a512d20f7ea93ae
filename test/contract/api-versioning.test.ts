// The API gate (scripts/lib/api-gate.ts): the real spec against its latest release, then changes
// made on temporary copies (test/support/api-gate-fixture.ts) to show that it fails when it must,
// in oasdiff's words, and passes with the right version and CHANGELOG.md entry.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { checkApi, describeVerdict, projectApiPaths, type ApiGateVerdict } from '../../scripts/lib/api-gate.js';
import { describeFinding, ensureOasdiffBuilt } from '../../scripts/lib/oasdiff.js';
import { makeGateFixture, named, removeFromList, type SpecEdit, type Version } from '../support/api-gate-fixture.js';

before(async () => {
  await ensureOasdiffBuilt((line) => process.stderr.write(`[api-versioning] ${line}\n`));
});

async function gate(versions: { released?: Version[]; working: Version }): Promise<ApiGateVerdict> {
  const fixture = await makeGateFixture(versions);
  try {
    return await checkApi(fixture.paths);
  } finally {
    await fixture.remove();
  }
}

const USER_ANSWERS = ['POST /register', 'GET /user', 'PATCH /user', 'GET /users', 'POST /users', 'GET /users/{id}', 'PATCH /users/{id}'];
const REGISTRATIONS = ['POST /register', 'POST /users'];

const removeUpdatedAt: SpecEdit = (spec) => {
  spec.deleteIn(['components', 'schemas', 'User', 'properties', 'updatedAt']);
  removeFromList(spec, ['components', 'schemas', 'User', 'required'], 'updatedAt');
};
const requirePhone: SpecEdit = (spec) => {
  spec.setIn(['components', 'schemas', 'UserRegistration', 'properties', 'phone'], spec.createNode({ type: 'string', minLength: 3, maxLength: 30 }));
  spec.addIn(['components', 'schemas', 'UserRegistration', 'required'], 'phone');
};
// The released contract has enums only in answers, where oasdiff counts a removed value as safe
// for clients (see the last test): this history first releases 1.1.0 with an enum in a request.
const addOrderParameter: SpecEdit = (spec) => {
  spec.addIn(
    ['paths', '/users', 'get', 'parameters'],
    spec.createNode({
      name: 'order',
      in: 'query',
      required: false,
      description: 'Oldest or newest users first.',
      schema: { type: 'string', enum: ['oldest', 'newest'] },
    }),
  );
};
const release110WithOrder: Version = { version: '1.1.0', edit: addOrderParameter, entry: 'The list can be ordered: `GET /users` takes `order`.' };
const removeNewestOrder: SpecEdit = (spec) => {
  const parameters = spec.getIn(['paths', '/users', 'get', 'parameters']) as { items: unknown[] };
  const order = parameters.items.length - 1; // the one addOrderParameter appended
  removeFromList(spec, ['paths', '/users', 'get', 'parameters', order, 'schema', 'enum'], 'newest');
};
const addNickname: SpecEdit = (spec) => {
  spec.setIn(
    ['components', 'schemas', 'UserRegistration', 'properties', 'nickname'],
    spec.createNode({ type: 'string', maxLength: 50, description: 'What to call the user.' }),
  );
};

/** An entry that names every operation, the broken ones under "#### Breaking". */
function breakingEntry(what: string, operations: readonly string[]): string {
  return `${what}\n\n#### Breaking\n\n- ${named(operations)}.`;
}

const breakingCases: {
  change: string;
  released?: Version[];
  base: string;
  edit: SpecEdit;
  sameMajor: string;
  newMajor: string;
  operations: readonly string[];
  /** What oasdiff prints for it (via describeFinding: level, check id, operation, its text). */
  findings: readonly string[];
}[] = [
  {
    change: 'a required response property is removed (User.updatedAt)',
    base: '1.0.0',
    edit: removeUpdatedAt,
    sameMajor: '1.1.0',
    newMajor: '2.0.0',
    operations: USER_ANSWERS,
    findings: [
      'error [response-required-property-removed] POST /register: removed the required property `updatedAt` from the response with the `201` status',
      'error [response-required-property-removed] GET /user: removed the required property `items/updatedAt` from the response with the `200` status',
      'error [response-required-property-removed] PATCH /user: removed the required property `updatedAt` from the response with the `200` status',
      'error [response-required-property-removed] GET /users: removed the required property `items/items/updatedAt` from the response with the `200` status',
      'error [response-required-property-removed] POST /users: removed the required property `updatedAt` from the response with the `201` status',
      'error [response-required-property-removed] GET /users/{id}: removed the required property `updatedAt` from the response with the `200` status',
      'error [response-required-property-removed] PATCH /users/{id}: removed the required property `updatedAt` from the response with the `200` status',
    ],
  },
  {
    change: 'a new required request property is added (UserRegistration.phone)',
    base: '1.0.0',
    edit: requirePhone,
    sameMajor: '1.1.0',
    newMajor: '2.0.0',
    operations: REGISTRATIONS,
    findings: [
      'error [new-required-request-property] POST /register: added the new required request property `phone`',
      'error [new-required-request-property] POST /users: added the new required request property `phone`',
    ],
  },
  {
    change: "an enum value is removed from a request parameter (GET /users order's 'newest', released in 1.1.0)",
    released: [release110WithOrder],
    base: '1.1.0',
    edit: removeNewestOrder,
    sameMajor: '1.2.0',
    newMajor: '2.0.0',
    operations: ['GET /users'],
    findings: ['error [request-parameter-enum-value-removed] GET /users: removed the enum value `newest` from the `query` request parameter `order`'],
  },
];

describe('API gate', () => {
  it('when the working spec is checked against the latest release, then the gate passes', async () => {
    const paths = projectApiPaths();
    const verdict = await checkApi(paths);
    assert.ok(verdict.passed, describeVerdict(verdict, paths));
  });

  for (const c of breakingCases) {
    it(`when ${c.change} under ${c.sameMajor} with a full entry, then the gate fails, naming each breaking change in oasdiff's words`, async () => {
      const verdict = await gate({ released: c.released, working: { version: c.sameMajor, edit: c.edit, entry: breakingEntry(c.change, c.operations) } });
      assert.equal(verdict.passed, false);
      assert.equal(verdict.releasedVersion, c.base);
      assert.deepEqual(verdict.breaking.map(describeFinding), c.findings);
      assert.deepEqual(verdict.problems, [
        `${c.findings.length} breaking change${c.findings.length === 1 ? '' : 's'} (listed above) need a new major version: info.version is ${c.sameMajor}, the released one ${c.base}`,
      ]);
      for (const finding of c.findings) assert.ok(describeVerdict(verdict, projectApiPaths()).includes(finding), finding);
    });

    it(`when ${c.change} under ${c.newMajor} with an entry naming its operations under "Breaking", then the gate passes`, async () => {
      const verdict = await gate({ released: c.released, working: { version: c.newMajor, edit: c.edit, entry: breakingEntry(c.change, c.operations) } });
      assert.ok(verdict.passed, describeVerdict(verdict, projectApiPaths()));
      assert.equal(verdict.breaking.length, c.findings.length);
    });
  }

  it('when a breaking change comes with a new major but its entry names the operations outside "Breaking", then the gate fails', async () => {
    const verdict = await gate({ working: { version: '2.0.0', edit: requirePhone, entry: `Registrations need a \`phone\`: ${named(REGISTRATIONS)}.` } });
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.problems, ['the CHANGELOG.md entry for 2.0.0 has no "#### Breaking" heading for its breaking changes']);
  });

  it('when a breaking change comes with a new major but "Breaking" names only some of its operations, then the gate fails naming the others', async () => {
    const entry = `Registrations need a \`phone\`: ${named(REGISTRATIONS)}.\n\n#### Breaking\n\n- \`POST /users\` needs \`phone\`.`;
    const verdict = await gate({ working: { version: '2.0.0', edit: requirePhone, entry } });
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.problems, ['the CHANGELOG.md entry for 2.0.0 does not name POST /register under "#### Breaking"']);
  });

  const nicknameEntry = `Users can be registered with a \`nickname\`: ${named(REGISTRATIONS)}.`;

  it('when an optional request property is added under a minor version with an entry naming its operations, then the gate passes', async () => {
    const verdict = await gate({ working: { version: '1.1.0', edit: addNickname, entry: nicknameEntry } });
    assert.ok(verdict.passed, describeVerdict(verdict, projectApiPaths()));
    assert.deepEqual(verdict.breaking, []);
    assert.deepEqual(
      verdict.changes.map(describeFinding),
      REGISTRATIONS.map((operation) => `info [new-optional-request-property] ${operation}: added the new optional request property \`nickname\``),
    );
  });

  it('when an optional request property is added without a new version, then the gate fails: the contract changed', async () => {
    const verdict = await gate({ working: { version: '1.0.0', edit: addNickname } });
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.problems, [
      'the contract differs from the released 1.0.0 but info.version is 1.0.0: give it a higher version and a CHANGELOG.md entry',
    ]);
  });

  it('when an optional request property is added under a minor version without a CHANGELOG entry, then the gate fails', async () => {
    const verdict = await gate({ working: { version: '1.1.0', edit: addNickname } });
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.problems, ['CHANGELOG.md has no "### 1.1.0" entry under "## API"']);
  });

  it('when the entry names only some of the changed operations, then the gate fails naming the others', async () => {
    const verdict = await gate({ working: { version: '1.1.0', edit: addNickname, entry: 'Users can be registered with a `nickname` (`POST /users`).' } });
    assert.equal(verdict.passed, false);
    assert.deepEqual(verdict.problems, ['the CHANGELOG.md entry for 1.1.0 does not name POST /register']);
  });

  it('when an enum value is removed from an answer only (Health.status ok), then oasdiff finds nothing breaking and a minor version with an entry passes', async () => {
    const removeOk: SpecEdit = (spec) => removeFromList(spec, ['components', 'schemas', 'Health', 'properties', 'status', 'enum'], 'ok');
    const verdict = await gate({ working: { version: '1.1.0', edit: removeOk, entry: 'Health answers no longer say `ok`: `GET /healthz`, `GET /readyz`.' } });
    assert.ok(verdict.passed, describeVerdict(verdict, projectApiPaths()));
    assert.deepEqual(verdict.breaking, []);
    assert.deepEqual(
      verdict.changes.map((f) => f.id),
      ['response-property-enum-value-removed', 'response-property-enum-value-removed'],
    );
  });
});
