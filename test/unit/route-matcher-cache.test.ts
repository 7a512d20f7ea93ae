import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { cacheValidatorRouteMatchers } from '../../src/http/openapi/route-matcher-cache.js';

const require = createRequire(import.meta.url);
const validatorsPathToRegexp = () =>
  (
    require(require.resolve('path-to-regexp', { paths: [require.resolve('express-openapi-validator')] })) as {
      pathToRegexp: (path: string, options?: object) => { regexp: RegExp; keys: { name: string }[] };
    }
  ).pathToRegexp;

describe("the validator's route matchers", () => {
  it('when the cache is installed (twice), then a pattern is compiled once and matches as before', () => {
    const uncached = validatorsPathToRegexp()('/users/:id', { sensitive: false, strict: false });
    cacheValidatorRouteMatchers();
    cacheValidatorRouteMatchers();
    const compile = validatorsPathToRegexp();
    const first = compile('/users/:id', { sensitive: false, strict: false });
    assert.equal(compile('/users/:id', { sensitive: false, strict: false }), first);
    assert.notEqual(compile('/users/:id', { sensitive: true, strict: false }), first, 'other options, another matcher');
    const open = compile('/users/:id', { sensitive: false, strict: false, end: false });
    assert.notEqual(open, first, 'an option beyond the two flags, another matcher');
    assert.deepEqual(open.regexp.exec('/users/abc/more')?.slice(1), ['abc']);
    assert.equal(first.regexp.exec('/users/abc/more'), null);
    assert.equal(first.regexp.source, uncached.regexp.source);
    assert.deepEqual(
      first.keys.map((k) => k.name),
      ['id'],
    );
    assert.deepEqual(first.regexp.exec('/users/abc')?.slice(1), ['abc']);
    assert.equal(first.regexp.exec('/users'), null);
  });
});
