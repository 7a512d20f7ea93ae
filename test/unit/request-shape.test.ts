import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasBody, normalizedContentType, UNSUPPORTED_MEDIA_TYPE } from '../../src/http/middleware/request-shape.js';

const accepted = new Set(['application/json', 'application/merge-patch+json']);

describe('the request-shape guard', () => {
  it('when a body comes as a media type an operation takes, then parameters other than charset are dropped', () => {
    assert.equal(normalizedContentType('application/json', true, accepted), 'application/json');
    assert.equal(normalizedContentType('Application/JSON ; x=1; y=2', true, accepted), 'application/json');
    assert.equal(normalizedContentType('application/merge-patch+json;boundary=zz', true, accepted), 'application/merge-patch+json');
  });

  it('when the charset is UTF-8 in any spelling the RFC allows, then it is kept as charset=utf-8', () => {
    for (const sent of ['application/json; charset=utf-8', 'application/json;CHARSET="UTF-8"', 'application/json; x=1; charset=Utf-8 ']) {
      assert.equal(normalizedContentType(sent, true, accepted), 'application/json; charset=utf-8', sent);
    }
  });

  it('when the charset is another one, then it becomes one value the JSON parser refuses (415), whatever was sent', () => {
    assert.equal(normalizedContentType('application/json; charset=latin1', true, accepted), 'application/json; charset=unsupported');
    assert.equal(normalizedContentType('application/json; charset=x-1234', true, accepted), 'application/json; charset=unsupported');
  });

  it('when a body comes as any other media type, then it becomes one value (the validator answers 415)', () => {
    for (const sent of ['text/plain', 'a/b; x=1', 'application/x-www-form-urlencoded', '', ';;;', 'application/jsonx']) {
      assert.equal(normalizedContentType(sent, true, accepted), UNSUPPORTED_MEDIA_TYPE, sent);
    }
  });

  it('when there is no body, then an unknown media type is removed and a known one normalized', () => {
    assert.equal(normalizedContentType('a/b; x=1', false, accepted), undefined);
    assert.equal(normalizedContentType('application/json; x=1', false, accepted), 'application/json');
    assert.equal(normalizedContentType(undefined, true, accepted), undefined);
  });

  it('when 20,000 distinct headers arrive, then they come out as at most 2 × media types + 1 values', () => {
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 20_000; i++) {
      for (const body of [true, false]) {
        seen.add(normalizedContentType(`a/b; x=${i}`, body, accepted));
        seen.add(normalizedContentType(`application/json; x=${i}; charset=c${i}`, body, accepted));
        seen.add(normalizedContentType(`application/merge-patch+json; charset=utf-8; v=${i}`, body, accepted));
      }
    }
    assert.ok(seen.size <= 2 * accepted.size + 2, `${seen.size} values: ${[...seen].join(', ')}`);
  });

  it('when the header is 16 KiB of separators and spaces, then it is still reduced to its media type', () => {
    const hostile = `application/json${'; '.repeat(8_000)}x`;
    assert.equal(normalizedContentType(hostile, true, accepted), 'application/json');
  });

  it('when a request frames a body by Transfer-Encoding or a non-zero Content-Length, then it has one', () => {
    assert.equal(hasBody({ 'transfer-encoding': 'chunked' }), true);
    assert.equal(hasBody({ 'content-length': '5' }), true);
    assert.equal(hasBody({ 'content-length': '0' }), false);
    assert.equal(hasBody({}), false);
  });
});
