import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { etagOf, ifMatchCondition, ifNoneMatchHits, ifNoneMatchHitsTag } from '../../src/http/responses/conditional.js';

describe('ETags and conditional headers', () => {
  it('when a version is tagged, then the tag is a strong entity tag', () => {
    assert.equal(etagOf(3), '"3"');
  });

  describe('If-Match', () => {
    it('when absent or blank, then there is no condition', () => {
      assert.equal(ifMatchCondition(undefined), undefined);
      assert.equal(ifMatchCondition('  '), undefined);
    });
    it('when "*", then any existing version satisfies it', () => {
      assert.deepEqual(ifMatchCondition('*'), { any: true });
    });
    it('when it lists tags, then their versions are accepted', () => {
      assert.deepEqual(ifMatchCondition('"1", "7"'), { versions: [1, 7] });
    });
    it('when a tag is weak or not one of ours, then it matches no version (strong comparison)', () => {
      assert.deepEqual(ifMatchCondition('W/"1", "abc", "0"'), { versions: [] });
      assert.deepEqual(ifMatchCondition('garbage'), { versions: [] });
    });
  });

  describe('If-None-Match', () => {
    it('when it lists the current version, weak or strong, then it hits', () => {
      assert.equal(ifNoneMatchHits('"2"', 2), true);
      assert.equal(ifNoneMatchHits('W/"2"', 2), true);
      assert.equal(ifNoneMatchHits('"1", "2"', 2), true);
      assert.equal(ifNoneMatchHits('*', 2), true);
    });
    it('when absent or listing other versions, then it misses', () => {
      assert.equal(ifNoneMatchHits(undefined, 2), false);
      assert.equal(ifNoneMatchHits('"1"', 2), false);
    });
    it('when it lists a content tag, weak or strong, or "*", then that tag hits', () => {
      assert.equal(ifNoneMatchHitsTag('"aB-9_x"', '"aB-9_x"'), true);
      assert.equal(ifNoneMatchHitsTag('"other", W/"aB-9_x"', '"aB-9_x"'), true);
      assert.equal(ifNoneMatchHitsTag(' * ', '"aB-9_x"'), true);
    });
    it('when absent or listing other content tags, then a content tag misses', () => {
      assert.equal(ifNoneMatchHitsTag(undefined, '"aB-9_x"'), false);
      assert.equal(ifNoneMatchHitsTag('"ab-9_x"', '"aB-9_x"'), false);
      assert.equal(ifNoneMatchHitsTag('aB-9_x', '"aB-9_x"'), false);
    });
  });
});
