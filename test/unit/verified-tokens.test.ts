import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Caller } from '../../src/auth/caller.js';
import { VERIFIED_TOKEN_MAX, VERIFIED_TOKEN_TTL_MS, VerifiedTokens } from '../../src/auth/verified-tokens.js';

const caller: Caller = { scopes: new Set(['users:read']), verifiedEmail: undefined, subject: 's' };

describe('VerifiedTokens', () => {
  it('when a remembered token is asked for before it expires, then its caller is returned; another token is not known', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(() => now);
    tokens.remember('a.b.c', caller, now + 30_000);
    now += 29_999;
    assert.equal(tokens.get('a.b.c'), caller);
    assert.equal(tokens.get('a.b.d'), undefined);
  });

  it('when the token has expired, then it is forgotten: the memory never outlives the token', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(() => now);
    tokens.remember('a.b.c', caller, now + 5_000);
    now += 5_000;
    assert.equal(tokens.get('a.b.c'), undefined);
    assert.equal(tokens.size, 0);
    tokens.remember('x.y.z', caller, now - 1);
    assert.equal(tokens.get('x.y.z'), undefined, 'an expired token is not remembered at all');
  });

  it('when a long-lived token is remembered, then it is checked again after the TTL (a withdrawn key stops counting)', () => {
    let now = 1_000_000;
    const tokens = new VerifiedTokens(() => now);
    tokens.remember('a.b.c', caller, now + 3_600_000);
    now += VERIFIED_TOKEN_TTL_MS - 1;
    assert.equal(tokens.get('a.b.c'), caller);
    now += 1;
    assert.equal(tokens.get('a.b.c'), undefined);
  });

  it('when more tokens than the bound are remembered, then the oldest are dropped and the size stays bounded', () => {
    const now = 1_000_000;
    const tokens = new VerifiedTokens(() => now);
    for (let i = 0; i <= VERIFIED_TOKEN_MAX; i++) tokens.remember(`t.${i}.x`, caller, now + 30_000);
    assert.equal(tokens.size, VERIFIED_TOKEN_MAX);
    assert.equal(tokens.get('t.0.x'), undefined);
    assert.equal(tokens.get(`t.${VERIFIED_TOKEN_MAX}.x`), caller);
  });
});
