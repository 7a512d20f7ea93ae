import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeRegExp, normalizeName } from '../../src/domain/user-rules.js';

describe('user rules', () => {
  it('when a name has surrounding white space, then it is stored trimmed', () => {
    assert.equal(normalizeName('  iron man \t'), 'iron man');
  });
  it('when a prefix holds regular-expression syntax, then it is escaped to a literal', () => {
    const pattern = new RegExp(`^${escapeRegExp('a.b*(c)[d]$^')}`);
    assert.equal(pattern.test('a.b*(c)[d]$^ and more'), true);
    assert.equal(pattern.test('axb'), false);
  });
});
