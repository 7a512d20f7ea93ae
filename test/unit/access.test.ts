import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request, Response } from 'express';
import { STATIC_TOKEN_CALLER, type Caller } from '../../src/auth/caller.js';
import { EVERY_USER, ownRecordOf, reaches } from '../../src/domain/access.js';
import { accessOf, requestAccess } from '../../src/http/middleware/access.js';
import type { BearerAuth } from '../../src/auth/bearer-auth.js';
import { AppError } from '../../src/errors/app-error.js';
import { specOperations } from '../../src/http/openapi/spec-operations.js';
import { loadSpec } from '../../src/spec.js';

const operations = specOperations(loadSpec().document);
const jwtCaller = (scopes: string, verifiedEmail?: string): Caller => ({ scopes: new Set(scopes.split(' ')), verifiedEmail, subject: 'sub-1' });
const authFor = (caller: Caller | undefined): BearerAuth => ({
  callerOf: async () => caller,
  verdictNow: () => (caller ? 'valid' : 'invalid'),
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

  it('when a secured operation gets no valid token, then UNAUTHORIZED saying whether one was sent (never echoing it), and nothing is decided', async () => {
    const cases: [headers: Record<string, string>, detail: string][] = [
      [{}, 'This operation needs a bearer token in the Authorization header.'],
      [{ authorization: 'Bearer not-a-token-0123456789' }, 'The bearer token is not valid.'],
    ];
    for (const operationId of ['getUser', 'listUsers', 'deleteUser', 'legacyUpdateUser', 'getMetrics']) {
      for (const [headers, detail] of cases) {
        const res = { locals: {} } as Response;
        const req = { headers } as Request;
        await assert.rejects(Promise.resolve(requestAccess(operations, authFor(undefined), () => operationId)(req, res, () => undefined)), (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'UNAUTHORIZED');
          assert.equal(error.detail, detail);
          return true;
        });
        assert.throws(() => accessOf(res), /no access was decided/, operationId);
      }
    }
  });

  it('when a valid token grants none of the scope sets, then INSUFFICIENT_SCOPE naming the first set, as the spec lists them', async () => {
    const cases: [operationId: string, scopes: string, wanted: string[]][] = [
      ['getUser', 'users:write', ['users:read']],
      ['updateUser', 'users:read', ['users:write']],
      ['getMetrics', 'users:read users:write users:self', ['metrics:read']],
    ];
    for (const [operationId, scopes, wanted] of cases) {
      await assert.rejects(
        Promise.resolve(requestAccess(operations, authFor(jwtCaller(scopes)), () => operationId)({} as Request, { locals: {} } as Response, () => undefined)),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'INSUFFICIENT_SCOPE');
          assert.deepEqual(error.requiredScopes, wanted);
          assert.equal(error.detail, `The bearer token does not grant the scope this operation needs (${wanted.join(' ')}).`);
          return true;
        },
        operationId,
      );
    }
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
