import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { compileSpecCheckOnlyWhenUsed } from '../../src/http/openapi/lazy-spec-check.js';
import { loadSpec } from '../../src/spec.js';

type SpecCheck = { validate(document: unknown): { errors: unknown[] } };
const require = createRequire(import.meta.url);
const specCheckModule = () =>
  require(join(dirname(require.resolve('express-openapi-validator')), 'framework', 'openapi.schema.validator.js')) as {
    OpenAPISchemaValidator: (new (options: { version: string; validateApiSpec: boolean }) => SpecCheck) & { lazy?: true };
  };

describe("the validator's check of the spec itself", () => {
  it('when deferred (twice), then nothing is compiled until it is used, and it still accepts the spec and refuses a broken one', () => {
    compileSpecCheckOnlyWhenUsed();
    compileSpecCheckOnlyWhenUsed();
    const { OpenAPISchemaValidator } = specCheckModule();
    assert.equal(OpenAPISchemaValidator.lazy, true);
    const spec = loadSpec().document as { openapi: string };
    const check = new OpenAPISchemaValidator({ version: spec.openapi, validateApiSpec: true });
    const compiled = () => (check as unknown as { check?: unknown }).check;
    assert.equal(compiled(), undefined, 'nothing compiled at construction');
    assert.deepEqual(check.validate(spec).errors, []);
    const broken = { openapi: spec.openapi, info: { title: 'x' }, paths: { '/a': { get: { responses: 'none' } } } };
    assert.ok(check.validate(broken).errors.length > 0, 'a document missing info.version and with bad responses is refused');
    assert.notEqual(compiled(), undefined);
  });
});
