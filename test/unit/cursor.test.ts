import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../../src/domain/cursor.js';
import { AppError } from '../../src/errors/app-error.js';

describe('pagination cursors', () => {
  it('when a cursor is encoded, then it decodes to the same id and is URL-safe', () => {
    const cursor = encodeCursor('65a1f0c2e4b0a1b2c3d4e5f6');
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.equal(decodeCursor(cursor), '65a1f0c2e4b0a1b2c3d4e5f6');
  });

  for (const [label, cursor] of [
    ['not base64 JSON', 'abc'],
    ['JSON without the id', Buffer.from('{"b":1}').toString('base64url')],
    ['an id of the wrong shape', Buffer.from('{"a":"zz"}').toString('base64url')],
    ['an operator instead of an id', Buffer.from('{"a":{"$gt":""}}').toString('base64url')],
  ] as const) {
    it(`when a cursor is ${label}, then INVALID_CURSOR is thrown`, () => {
      assert.throws(
        () => decodeCursor(cursor),
        (error: unknown) => error instanceof AppError && error.code === 'INVALID_CURSOR',
      );
    });
  }
});
