import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as OpenApiValidator from 'express-openapi-validator';
import { AppError } from '../../src/errors/app-error.js';
import { errorCatalogue, type ErrorCode } from '../../src/errors/catalogue.js';
import { toProblem } from '../../src/http/responses/problem.js';

const LIMIT = 16384;
const ctx = (instance: string, hasBody = true, hasCredentials = false) => ({ instance, bodyLimitBytes: LIMIT, hasBody, hasCredentials });

function bodyParserError(type: string, status: number): Error {
  return Object.assign(new Error(`raw parser message for ${type}`), { type, status });
}

describe('error mapping to problem+json', () => {
  for (const code of Object.keys(errorCatalogue) as ErrorCode[]) {
    it(`when the domain throws ${code}, then the status and title come from the catalogue`, () => {
      const problem = toProblem(new AppError(code, 'what happened'), ctx('/users'));
      assert.equal(problem.status, errorCatalogue[code].status);
      assert.deepEqual(problem.body, {
        type: `/problems/${code.toLowerCase().replaceAll('_', '-')}`,
        title: errorCatalogue[code].title,
        status: errorCatalogue[code].status,
        detail: 'what happened',
        instance: '/users',
        code,
      });
    });
  }

  it('when the body is not JSON, then 400 MALFORMED_JSON without the parser message', () => {
    const problem = toProblem(bodyParserError('entity.parse.failed', 400), ctx('/users'));
    assert.equal(problem.status, 400);
    assert.equal(problem.body.code, 'MALFORMED_JSON');
    assert.doesNotMatch(JSON.stringify(problem.body), /raw parser message/);
  });

  it('when the body is over the limit, then 413 PAYLOAD_TOO_LARGE stating the limit', () => {
    const problem = toProblem(bodyParserError('entity.too.large', 413), ctx('/users'));
    assert.equal(problem.status, 413);
    assert.equal(problem.body.code, 'PAYLOAD_TOO_LARGE');
    assert.match(problem.body.detail ?? '', /16384 bytes/);
  });

  it('when the charset is not UTF-8, then 415', () => {
    assert.equal(toProblem(bodyParserError('charset.unsupported', 415), ctx('/users')).status, 415);
  });

  it('when the validator rejects a request, then 400 lists every issue with where it is', () => {
    const error = new OpenApiValidator.error.BadRequest({
      path: '/body/email',
      message: 'request/body/email must match format "idn-email"',
      errors: [
        { path: '/body/email', message: 'must match format "idn-email"', errorCode: 'format.openapi.validation' },
        { path: '/query/limit', message: 'must be <= 100.', errorCode: 'maximum.openapi.validation' },
        { path: '/params/id', message: 'must match pattern', errorCode: 'pattern.openapi.validation' },
      ],
    });
    const problem = toProblem(error, ctx('/users'));
    assert.equal(problem.status, 400);
    assert.equal(problem.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(problem.body.errors, [
      { in: 'body', path: '/email', message: 'must match format "idn-email"' },
      { in: 'query', path: '/limit', message: 'must be <= 100' },
      { in: 'path', path: '/id', message: 'must match pattern' },
    ]);
    assert.match(problem.body.detail ?? '', /^The request has 3 problems: /);
  });

  it('when the validator finds no route, then 404 ROUTE_NOT_FOUND', () => {
    const problem = toProblem(new OpenApiValidator.error.NotFound({ path: '/nope', message: 'not found' }), ctx('/nope'));
    assert.equal(problem.status, 404);
    assert.equal(problem.body.code, 'ROUTE_NOT_FOUND');
  });

  it('when no token was sent to a secured operation, then 401 with WWW-Authenticate: Bearer', () => {
    const error = new AppError('UNAUTHORIZED', 'This operation needs a bearer token in the Authorization header.');
    const problem = toProblem(error, ctx('/users', false, false));
    assert.equal(problem.status, 401);
    assert.equal(problem.body.code, 'UNAUTHORIZED');
    assert.deepEqual(problem.headers, { 'WWW-Authenticate': 'Bearer realm="users-api"' });
  });

  it('when a wrong token was sent, then 401 with the invalid_token challenge', () => {
    const error = new AppError('UNAUTHORIZED', 'The bearer token is not valid.');
    const problem = toProblem(error, ctx('/users', false, true));
    assert.deepEqual(problem.headers, { 'WWW-Authenticate': 'Bearer realm="users-api", error="invalid_token"' });
    assert.equal(problem.body.detail, 'The bearer token is not valid.');
  });

  it('when the method is not allowed, then 405 with the Allow header', () => {
    const error = new OpenApiValidator.error.MethodNotAllowed({ path: '/users', message: 'PUT method not allowed', headers: { Allow: 'GET, POST' } });
    const problem = toProblem(error, ctx('/users'));
    assert.equal(problem.status, 405);
    assert.deepEqual(problem.headers, { Allow: 'GET, POST' });
  });

  it('when the media type is unsupported, then 415 UNSUPPORTED_MEDIA_TYPE', () => {
    const error = new OpenApiValidator.error.UnsupportedMediaType({ path: '/users', message: 'unsupported media type text/plain' });
    assert.equal(toProblem(error, ctx('/users')).body.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the media type is unsupported, then the detail names what was sent and what the operation takes', () => {
    const error = new OpenApiValidator.error.UnsupportedMediaType({ path: '/users/1', message: 'unsupported media type application/x-unsupported-media-type' });
    const sent = toProblem(error, {
      ...ctx('/users/1'),
      sentMediaType: 'text/plain',
      acceptedMediaTypes: ['application/merge-patch+json', 'application/json'],
    });
    assert.equal(sent.body.detail, 'This operation takes a body of type application/merge-patch+json or application/json, not text/plain.');
    const unnamed = toProblem(error, { ...ctx('/users'), acceptedMediaTypes: ['application/json'] });
    assert.equal(unnamed.body.detail, 'This operation takes a body of type application/json; send it with that Content-Type.');
  });

  it('when a body is required but none was sent, then 400 saying so rather than 415', () => {
    const error = new OpenApiValidator.error.UnsupportedMediaType({ path: '/users', message: 'unsupported media type undefined' });
    const problem = toProblem(error, ctx('/users', false));
    assert.equal(problem.status, 400);
    assert.equal(problem.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(problem.body.errors, [{ in: 'body', path: '', message: 'is required: send a JSON body' }]);
  });

  it('when the database is unavailable, then 503 SERVICE_UNAVAILABLE with Retry-After in whole seconds (at least 1)', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:27017');
    const problem = toProblem(new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable.', { cause, retryAfterSeconds: 2.2 }), ctx('/users'));
    assert.equal(problem.status, 503);
    assert.equal(problem.body.code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual(problem.headers, { 'Retry-After': '3' });
    assert.doesNotMatch(JSON.stringify(problem.body), /ECONNREFUSED|27017/);
    assert.deepEqual(toProblem(new AppError('SERVICE_UNAVAILABLE', 'Shutting down.'), ctx('/readyz')).headers, { 'Retry-After': '1' });
  });

  it('when anything else is thrown, then 500 INTERNAL_ERROR that discloses nothing', () => {
    const secret = new Error('connection to mongodb://admin:hunter2@db refused');
    const problem = toProblem(secret, ctx('/users'));
    assert.equal(problem.status, 500);
    assert.equal(problem.body.code, 'INTERNAL_ERROR');
    assert.doesNotMatch(JSON.stringify(problem.body), /hunter2|mongodb|stack/);
    assert.equal(problem.cause, secret);
  });
});
