import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import express, { type ErrorRequestHandler } from 'express';
import { openApiValidation } from '../../src/http/openapi/openapi-validation.js';
import { request } from '../support/http.js';

const require = createRequire(import.meta.url);
const { RequestParameterMutator } = require('express-openapi-validator/dist/middlewares/parsers/req.parameter.mutator.js') as {
  RequestParameterMutator: { prototype: { modifyRequest: (req: unknown) => void } };
};

// Counts the validator's own rewrites: installed before the fast path, which then wraps it.
let rewrites = 0;
const validatorsOwn = RequestParameterMutator.prototype.modifyRequest;
RequestParameterMutator.prototype.modifyRequest = function (this: unknown, req: unknown) {
  rewrites++;
  validatorsOwn.call(this, req);
};

const ok = { '200': { description: 'ok' } };
const document = {
  openapi: '3.1.0',
  info: { title: 'fast path', version: '1' },
  paths: {
    '/things/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: { parameters: [{ name: 'If-None-Match', in: 'header', schema: { type: 'string' } }], responses: ok },
    },
    '/tagged/{id}': {
      get: {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'X-Tags', in: 'header', style: 'simple', schema: { type: 'array', items: { type: 'string' } } },
        ],
        responses: ok,
      },
    },
    '/listed': { get: { parameters: [{ name: 'tag', in: 'query', schema: { type: 'array', items: { type: 'string' } } }], responses: ok } },
  },
};

describe("the validator's parameter rewriting", () => {
  let baseUrl = '';
  let close = () => {};
  before(async () => {
    const app = express();
    app.use(openApiValidation({ document, validateResponses: false, access: (_req, _res, next) => next() }));
    app.get(['/things/:id', '/tagged/:id', '/listed'], (req, res) => {
      res.json({ params: req.params, tags: req.headers['x-tags'] ?? null, query: req.query });
    });
    app.use(((error: { status?: number }, _req, res, _next) => {
      res.status(error.status ?? 500).json({ status: error.status });
    }) satisfies ErrorRequestHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  after(() => close());

  it('when a request has no query string and only plain path and header parameters, then the rewrite is skipped and the request is the same', async () => {
    const before = rewrites;
    for (let i = 0; i < 3; i++) {
      const reply = await request(baseUrl, 'GET', '/things/abc', { headers: { 'if-none-match': '"x"' } });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { params: { id: 'abc' }, tags: null, query: {} });
    }
    assert.equal(rewrites, before);
  });

  it('when the request has a query string, then the validator rewrites it (and refuses an undeclared parameter)', async () => {
    const before = rewrites;
    const reply = await request(baseUrl, 'GET', '/things/abc?x=1');
    assert.equal(reply.status, 400);
    assert.equal(rewrites, before + 1);
  });

  it('when an operation has an array parameter, then the validator still splits it', async () => {
    const before = rewrites;
    const tagged = await request(baseUrl, 'GET', '/tagged/abc', { headers: { 'x-tags': 'a,b' } });
    assert.deepEqual(tagged.body, { params: { id: 'abc' }, tags: ['a', 'b'], query: {} });
    const listed = await request(baseUrl, 'GET', '/listed?tag=a&tag=b');
    assert.deepEqual(listed.body, { params: {}, tags: null, query: { tag: ['a', 'b'] } });
    assert.equal(rewrites, before + 2);
  });
});
