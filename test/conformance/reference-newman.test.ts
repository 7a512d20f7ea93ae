import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import newman, { type NewmanRunOptions, type NewmanRunSummary } from 'newman';
import { projectRoot } from '../support/project.js';
import { startTestServer } from '../support/test-server.js';
import { matchOperation, readSpecOperations, statusMatches, urlPath } from './collection-coverage.js';

// Runs the reference collection with newman against the real application, in collection order
// (register, list, get, update, delete, …), with the local environment: every answer is a status
// the spec documents for the request's operation, and the ones the environment allows are 2xx.

const collection: unknown = JSON.parse(readFileSync(join(projectRoot, 'postman', 'users-api.reference.postman_collection.json'), 'utf8'));
const environment = JSON.parse(readFileSync(join(projectRoot, 'postman', 'local.postman_environment.json'), 'utf8')) as {
  values: { key: string; value: string }[];
};
const token = environment.values.find((variable) => variable.key === 'token')?.value ?? '';
const operations = readSpecOperations(join(projectRoot, 'openapi', 'openapi.yaml'));

test(
  'the reference collection runs in order against the real server with documented statuses, 2xx where the environment allows',
  { timeout: 120_000 },
  async () => {
    const server = await startTestServer('reference_newman', { API_TOKENS: token });
    let summary: NewmanRunSummary;
    try {
      summary = await new Promise((resolve, reject) => {
        const options: NewmanRunOptions = {
          collection: collection as NewmanRunOptions['collection'],
          environment: environment,
          envVar: [{ key: 'baseUrl', value: server.baseUrl }],
          reporters: [],
        };
        newman.run(options, (error, result) => (error ? reject(error) : resolve(result)));
      });
    } finally {
      await server.close();
    }
    const answers = summary.run.executions.map((execution) => {
      const path = urlPath(execution.request.url.toString().replace(server.baseUrl, ''));
      const operation = matchOperation(operations, execution.request.method, path);
      return { name: execution.item.name, operation, status: execution.response?.code ?? 0 };
    });
    assert.equal(answers.length, operations.length, 'one request per operation ran');
    const undocumented = answers.filter(({ operation, status }) => !operation || !operation.statuses.some((key) => statusMatches(key, status)));
    assert.deepEqual(
      undocumented.map((answer) => `${answer.name}: ${answer.status}`),
      [],
    );
    // The tutorial's update and delete send a random email ({{$randomEmail}}), which no user has: 404.
    const expectedNot2xx = ['legacyUpdateUser', 'legacyDeleteUser'];
    const refused = answers.filter(({ operation, status }) => (status < 200 || status > 299) && !expectedNot2xx.includes(operation?.operationId ?? ''));
    assert.deepEqual(
      refused.map((answer) => `${answer.name}: ${answer.status}`),
      [],
    );
    assert.deepEqual(
      summary.run.failures.map((failure) => failure.error.message),
      [],
    );
  },
);
