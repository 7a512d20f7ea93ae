import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { specOperations } from '../../src/http/openapi/spec-operations.js';

const ok = { '200': { description: 'ok' } };
const document = {
  security: [{ bearerAuth: [] }],
  paths: {
    '/inherits': { get: { operationId: 'inherits', responses: ok } },
    '/public': { get: { operationId: 'public', security: [], responses: ok } },
    '/either': { get: { operationId: 'either', security: [{ bearerAuth: ['a:read'] }, { bearerAuth: ['a:self'] }], responses: ok } },
    '/optional': { get: { operationId: 'optional', security: [{}, { bearerAuth: ['a:read'] }], responses: ok } },
  },
};

describe('specOperations: who may call each operation, from its security', () => {
  const byId = new Map(specOperations(document).map((operation) => [operation.operationId, operation]));

  it("when an operation declares no security, then the document's applies: any valid token", () => {
    assert.equal(byId.get('inherits')?.secured, true);
    assert.deepEqual(byId.get('inherits')?.scopeSets, [[]]);
  });

  it('when an operation declares several requirements, then each is a scope set that suffices', () => {
    assert.equal(byId.get('either')?.secured, true);
    assert.deepEqual(byId.get('either')?.scopeSets, [['a:read'], ['a:self']]);
  });

  it('when an operation declares `security: []` or an empty requirement `{}`, then anyone may call it', () => {
    assert.equal(byId.get('public')?.secured, false);
    assert.equal(byId.get('optional')?.secured, false);
  });
});
