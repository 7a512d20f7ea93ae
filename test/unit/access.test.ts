import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request, Response } from 'express';
import { STATIC_TOKEN_CALLER, type Caller } from '../../src/auth/caller.js';
import { EVERY_USER, ownRecordOf, reaches } from '../../src/domain/access.js';
import { accessOf, requestAccess } from '../../src/http/middleware/access.js';
import type { BearerAuth } from '../../src/auth/bearer-auth.js';
import { specOperations } from '../../src/http/openapi/spec-operations.js';
import { loadSpec } from '../../src/spec.js';

const operations = specOperations(loadSpec().document);
const jwtCaller = (scopes: string, verifiedEmail?: string): Caller => ({ scopes: new Set(scopes.split(' ')), verifiedEmail, subject: 'sub-1' });
const authFor = (caller: Caller | undefined): BearerAuth => ({
  callerOf: async () => caller,
  verdictNow: () => (caller ? 'valid' : 'invalid'),
  check: async () => caller !== undefined,
});

/** What requestAccess decides for a request the validator matched to `operationId`. */
async function decide(operationId: string | undefined, auth: BearerAuth | undefined) {
  const res = { locals: {} } as Response;
  let passed: unknown = 'not called';
  await requestAccess(operations, auth, () => operationId)({} as Request, res, (error?: unknown) => (passed = error));
  assert.equal(passed, undefined, 'next() was called without an error');
  return res;
}

describe('requestAccess', () => {
  it("when the token grants users:read, then getUser reaches every user; with users:self alone, only the caller's own record", async () => {
    assert.deepEqual(accessOf(await decide('getUser', authFor(jwtCaller('users:read')))), EVERY_USER);
    assert.deepEqual(accessOf(await decide('getUser', authFor(jwtCaller('users:self', 'Me@Example.com')))), ownRecordOf('me@example.com'));
  });

  it('when the token grants users:read and users:self, then reads reach every user but writes only its own record', async () => {
    const auth = authFor(jwtCaller('users:read users:self', 'me@example.com'));
    assert.deepEqual(accessOf(await decide('listUsers', auth)), EVERY_USER);
    assert.equal(accessOf(await decide('updateUser', auth)).to, 'own-record');
    assert.equal(accessOf(await decide('legacyDeleteUser', auth)).to, 'own-record');
  });

  it('when the token is a static API token, then it reaches every user everywhere', async () => {
    for (const operationId of ['listUsers', 'getUser', 'updateUser', 'deleteUser', 'legacyListUsers', 'legacyUpdateUser', 'legacyDeleteUser']) {
      assert.deepEqual(accessOf(await decide(operationId, authFor(STATIC_TOKEN_CALLER))), EVERY_USER, operationId);
    }
  });

  it('when no token is asked for (local mode) or the operation is public, then every user', async () => {
    assert.deepEqual(accessOf(await decide('getUser', undefined)), EVERY_USER);
    assert.deepEqual(accessOf(await decide('createUser', authFor(undefined))), EVERY_USER);
  });

  it('when the request matched no operation, then nothing is decided and a handler asking fails (never every user)', async () => {
    const res = await decide(undefined, authFor(STATIC_TOKEN_CALLER));
    assert.throws(() => accessOf(res), /no access was decided/);
  });
});

describe('ownRecordOf and reaches', () => {
  it('when the verified email is written otherwise (case, Unicode or ASCII domain), then it reaches the same user', () => {
    assert.ok(reaches(ownRecordOf('RAHIM@XN--54B7FTA0CC.BD'), 'rahim@বাংলা.bd'));
    assert.ok(reaches(ownRecordOf('e\u0301lise@example.com'), '\u00e9lise@example.com'));
  });

  it('when the email is a look-alike, another address, missing or not an email, then it reaches nobody', () => {
    assert.ok(!reaches(ownRecordOf('\u0430lice@example.com'), 'alice@example.com'));
    assert.ok(!reaches(ownRecordOf('alice@example.org'), 'alice@example.com'));
    assert.ok(!reaches(ownRecordOf(undefined), 'alice@example.com'));
    assert.ok(!reaches(ownRecordOf('not an email'), 'not an email'));
  });
});
