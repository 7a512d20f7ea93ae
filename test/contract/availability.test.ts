import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { errorCatalogue } from '../../src/errors/catalogue.js';
import { projectRoot } from '../support/project.js';

// What the contract says about availability. (express-openapi-validator lets an undocumented
// status through, so this is checked on the spec itself.)

type Operation = { operationId: string; responses: Record<string, { $ref?: string }> };
type Spec = {
  paths: Record<string, Record<string, Operation>>;
  components: {
    responses: Record<string, { headers?: Record<string, { $ref?: string }>; content?: Record<string, unknown> }>;
    headers: Record<string, { schema?: { type?: string; minimum?: number } }>;
  };
};

const spec = parse(readFileSync(join(projectRoot, 'openapi', 'openapi.yaml'), 'utf8')) as Spec;
const operations = Object.values(spec.paths).flatMap((item) =>
  Object.entries(item)
    .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
    .map(([, operation]) => operation),
);

/** Operations that never ask the database: liveness, and the metrics (read from the process). */
const DATABASE_FREE = ['getLiveness', 'getMetrics'];

describe('availability in openapi/openapi.yaml', () => {
  it('when an operation needs the database (all but getLiveness and getMetrics), then it documents 503 ServiceUnavailable', () => {
    const missing = operations
      .filter((operation) => !DATABASE_FREE.includes(operation.operationId))
      .filter((operation) => operation.responses['503']?.$ref !== '#/components/responses/ServiceUnavailable')
      .map((operation) => operation.operationId);
    assert.deepEqual(missing, []);
    assert.ok(operations.length >= 11);
  });

  it('when liveness or the metrics are asked for, then they never depend on the database: no 503', () => {
    for (const operationId of DATABASE_FREE) {
      const operation = operations.find((candidate) => candidate.operationId === operationId);
      assert.ok(operation, operationId);
      assert.equal(operation.responses['503'], undefined, operationId);
    }
  });

  it('when a 503 is answered, then it is problem+json with a Retry-After of at least 1 second, and its code is in the catalogue', () => {
    const response = spec.components.responses.ServiceUnavailable;
    assert.ok(response?.content?.['application/problem+json']);
    assert.equal(response.headers?.['Retry-After']?.$ref, '#/components/headers/RetryAfter');
    assert.deepEqual(spec.components.headers.RetryAfter?.schema, { type: 'integer', minimum: 1 });
    assert.equal(errorCatalogue.SERVICE_UNAVAILABLE.status, 503);
  });
});
