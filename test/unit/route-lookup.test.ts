import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as OpenApiValidator from 'express-openapi-validator';
import { compiledMetadata, compileValidatorRouteLookup, type ValidatorContext } from '../../src/http/openapi/route-lookup.js';
import { loadSpec } from '../../src/spec.js';

type PathsDocument = Parameters<typeof compiledMetadata>[1];
type Middleware = (req: object, res: object, next: (error?: unknown) => void) => unknown;
type Factory = (context: ValidatorContext, responseApiDoc: PathsDocument) => Middleware;

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('express-openapi-validator'));
const validatorClass = (require(join(dist, 'openapi.validator.js')) as { OpenApiValidator: { prototype: { metadataMiddleware: Factory } } }).OpenApiValidator;
/** The validator's own metadata middleware, the one `compiledMetadata` stands in for. */
const { applyOpenApiMetadata } = require(join(dist, 'middlewares', 'openapi.metadata.js')) as { applyOpenApiMetadata: Factory };

/**
 * The context and response document the validator builds from the contract, as it hands them to
 * its metadata middleware at its first request (caught there, then the request left unanswered).
 */
async function validatorContext(): Promise<{ context: ValidatorContext; responseApiDoc: PathsDocument }> {
  const prototype = validatorClass.prototype;
  const installed = prototype.metadataMiddleware;
  let caught: { context: ValidatorContext; responseApiDoc: PathsDocument } | undefined;
  prototype.metadataMiddleware = (context, responseApiDoc) => {
    caught = { context, responseApiDoc };
    return () => undefined;
  };
  try {
    const middlewares = OpenApiValidator.middleware({
      apiSpec: structuredClone(loadSpec().document) as Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'],
      validateApiSpec: false,
      validateRequests: true,
      validateResponses: true,
    }) as unknown as Middleware[];
    const metadata = middlewares.find((middleware) => (middleware as { name?: string }).name === 'metadataMiddleware');
    assert.ok(metadata, "the validator's metadata middleware");
    await metadata({}, {}, (error) => assert.ifError(error));
  } finally {
    prototype.metadataMiddleware = installed;
  }
  assert.ok(caught, 'the validator asked for its metadata middleware');
  return caught;
}

type Outcome = { error: { name: string; status: unknown; message: string; headers: unknown } } | { next: unknown; openapi: unknown; params: unknown };

/** What a metadata middleware does with one request: what it sets on it and passes on, or throws. */
function outcome(middleware: Middleware, method: string, url: string, settings: Record<string, boolean>): Outcome {
  const req: Record<string, unknown> = {
    method,
    url,
    originalUrl: url,
    baseUrl: '',
    path: url.split('?')[0],
    params: {},
    app: { enabled: (setting: string) => settings[setting] === true },
  };
  let passed: unknown = 'not called';
  try {
    middleware(req, {}, (error) => {
      passed = error;
    });
  } catch (error) {
    const { name, status, message, headers } = error as { name: string; status?: unknown; message: string; headers?: unknown };
    return { error: { name, status, message, headers } };
  }
  return { next: passed, openapi: req.openapi, params: req.params };
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];
const URLS = [
  '/users',
  '/users/',
  '/USERS',
  '/users?limit=2&cursor=%zz',
  '/users/65f000000000000000000001',
  '/users/65f000000000000000000001/',
  '/users/a%20b',
  '/users/%2F',
  '/users/%E0%A4%A',
  '/users/abc/def',
  '/users//',
  '/user',
  '/user?email=ada%40example.com',
  '/register',
  '/delete',
  '/healthz',
  '/readyz',
  '/metrics',
  '/nowhere',
  '/',
];
const SETTINGS: Record<string, boolean>[] = [
  {},
  { 'case sensitive routing': true },
  { 'strict routing': true },
  { 'case sensitive routing': true, 'strict routing': true },
];

describe("the validator's route lookup, compiled", () => {
  it('when any request of the matrix is looked up, then it gets what the validator gives it: operation, schemas (the same objects), parameters, or the same error', async () => {
    const { context, responseApiDoc } = await validatorContext();
    let errors = 0;
    let matched = 0;
    for (const responses of [responseApiDoc, undefined]) {
      const theirs = applyOpenApiMetadata(context, responses);
      const ours = compiledMetadata(context, responses) as unknown as Middleware;
      for (const settings of SETTINGS) {
        for (const method of METHODS) {
          for (const url of URLS) {
            const expected = outcome(theirs, method, url, settings);
            const actual = outcome(ours, method, url, settings);
            const where = `${method} ${url} ${JSON.stringify(settings)}${responses ? ' (responses checked)' : ''}`;
            assert.deepEqual(actual, expected, where);
            if ('error' in expected) errors++;
            else if (expected.openapi !== undefined) {
              matched++;
              const [mine, its] = [actual, expected].map((result) => (result as { openapi: { schema: unknown; _responseSchema?: unknown } }).openapi);
              assert.equal(mine?.schema, its?.schema, `${where}: the very schema object`);
              assert.equal(mine?._responseSchema, its?._responseSchema, `${where}: the very response schema object`);
            }
          }
        }
      }
    }
    // The matrix reaches every kind of answer: operations, 404, 405 and the malformed parameter.
    assert.ok(matched > 100, `${matched} matched`);
    assert.ok(errors > 100, `${errors} errors`);
    const kinds = new Set(
      URLS.flatMap((url) => METHODS.map((method) => outcome(applyOpenApiMetadata(context, responseApiDoc), method, url, {}))).flatMap((result) =>
        'error' in result ? [result.error.status] : [],
      ),
    );
    assert.deepEqual([...kinds].sort(), [400, 404, 405]);
  });

  it('when installed (twice), then the validator builds its metadata middleware with it', () => {
    compileValidatorRouteLookup();
    compileValidatorRouteLookup();
    assert.equal((validatorClass.prototype.metadataMiddleware as unknown as { compiled?: true }).compiled, true);
  });
});
