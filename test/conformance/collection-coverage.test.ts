import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { postmanSchemaProblems } from '../support/postman-schema.js';
import { projectRoot } from '../support/project.js';
import {
  assertedStatuses,
  collectionRequests,
  coverage,
  matchOperation,
  readCollection,
  readSpecOperations,
  requestLabel,
  sharedScripts,
  specOperations,
  type CollectionRequest,
} from './collection-coverage.js';

// The Postman collection against the contract, statically: every operation × documented response
// status (5xx excepted: only faults cause them) has a request that asserts it, and every request
// targets an operation of the spec, asserts its status and checks its content type or body.
// (newman.test.ts runs the collection against the real server.)

const root = projectRoot;
const specFile = join(root, 'openapi', 'openapi.yaml');
const collectionFile = join(root, 'postman', 'users-api.postman_collection.json');
const environmentFile = join(root, 'postman', 'local.postman_environment.json');

const operations = readSpecOperations(specFile);
const collection = readCollection(collectionFile);
const requests = collectionRequests(collection);
const report = coverage(operations, requests);

const list = (items: string[]) => items.map((item) => `\n  - ${item}`).join('');
const labels = (items: CollectionRequest[]) => list(items.map(requestLabel));

describe('the Postman collection covers the contract', () => {
  it('when the spec is read, then it lists operations with ids, methods, paths and statuses', () => {
    assert.ok(operations.length > 0);
    for (const operation of operations) {
      assert.match(operation.method, /^[A-Z]+$/, operation.operationId);
      assert.match(operation.path, /^\//, operation.operationId);
      assert.ok(operation.statuses.length > 0, `${operation.operationId} documents no status`);
    }
  });

  it('when a request is mapped, then it targets an operation of the spec', () => {
    assert.ok(requests.length > 0, 'the collection has no requests');
    assert.deepEqual(
      report.unmatched.map((request) => `${request.method} ${request.path} (${requestLabel(request)})`),
      [],
      `requests that target no operation of the spec:${list(report.unmatched.map((request) => `${request.method} ${request.path}: ${requestLabel(request)}`))}`,
    );
  });

  it('when a request is read, then its test script asserts a status with pm.response.to.have.status(N)', () => {
    assert.deepEqual(report.withoutStatus.map(requestLabel), [], `requests asserting no status:${labels(report.withoutStatus)}`);
  });

  it('when a request asserts a status, then the spec documents that status for its operation', () => {
    const found = report.undocumented.map(({ request, operation, status }) => `${operation.operationId} ${status}: ${requestLabel(request)}`);
    assert.deepEqual(found, [], `statuses the spec does not document:${list(found)}`);
  });

  it('when a request is read, then its test script checks the content type or the body', () => {
    assert.deepEqual(report.withoutBodyCheck.map(requestLabel), [], `requests checking neither content type nor body:${labels(report.withoutBodyCheck)}`);
  });

  it('when the spec documents a non-5xx status for an operation, then a request asserts it', () => {
    assert.deepEqual(report.missing, [], `operation × status pairs no request covers:${list(report.missing)}`);
  });

  it(`covered ${report.covered}/${report.total} operation×status pairs (${requests.length} requests)`, (t) => {
    // One line per operation: each documented status and how many requests assert it.
    for (const operation of operations) {
      const pairs = report.pairs.filter((pair) => pair.operation === operation);
      t.diagnostic(`${operation.operationId}: ${pairs.map((pair) => `${pair.status}×${pair.requests.length}`).join(', ')}`);
    }
    t.diagnostic(`covered ${report.covered}/${report.total} operation×status pairs`);
    assert.ok(report.total > 0);
  });

  it("when statuses are asserted, then only in the requests' own scripts, not in collection or folder scripts", () => {
    const shared = sharedScripts(collection).filter((script) => assertedStatuses(script.tests).length > 0);
    assert.deepEqual(
      shared.map((script) => script.where),
      [],
    );
  });
});

describe('the Postman collection is organised by operation', () => {
  const folders = new Map<string, CollectionRequest[]>();
  for (const request of requests) {
    const folder = request.folders[0] ?? '(top level)';
    folders.set(folder, [...(folders.get(folder) ?? []), request]);
  }

  it('when a folder is read, then it holds the requests of one operation and is named after it', () => {
    const problems: string[] = [];
    for (const [folder, inside] of folders) {
      const ids = new Set(inside.map((request) => matchOperation(operations, request.method, request.path)?.operationId ?? '(none)'));
      if (ids.size !== 1) problems.push(`"${folder}" mixes ${[...ids].join(', ')}`);
      for (const id of ids) if (!new RegExp(`\\b${id}\\b`).test(folder)) problems.push(`"${folder}" does not name ${id}`);
    }
    assert.deepEqual(problems, []);
  });

  it('when an operation is looked for, then exactly one folder holds it', () => {
    const owners = operations.map((operation) => ({
      operation,
      folders: [...folders]
        .filter(([, inside]) => inside.some((request) => matchOperation(operations, request.method, request.path) === operation))
        .map(([name]) => name),
    }));
    const wrong = owners
      .filter((owner) => owner.folders.length !== 1)
      .map((owner) => `${owner.operation.operationId}: ${owner.folders.join(', ') || 'no folder'}`);
    assert.deepEqual(wrong, []);
  });

  it('when requests are listed, then each has a description and a name unique in its folder', () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const request of requests) {
      const label = requestLabel(request);
      if (seen.has(label)) problems.push(`repeated: ${label}`);
      seen.add(label);
      if (request.description.trim() === '') problems.push(`no description: ${label}`);
    }
    assert.deepEqual(problems, []);
  });

  it('when imported, then it is a Postman v2.1 collection describing how to run it, with an environment for the local server', () => {
    const json = JSON.parse(readFileSync(collectionFile, 'utf8')) as { info?: { schema?: string } };
    assert.equal(json.info?.schema, 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    assert.deepEqual(postmanSchemaProblems(json), [], 'the collection breaks the Postman v2.1 schema');
    const description = collection.description;
    assert.match(
      typeof description === 'string' ? description : (description?.content ?? ''),
      /npx newman run postman\/users-api\.postman_collection\.json -e postman\/local\.postman_environment\.json/,
    );
    const environment = JSON.parse(readFileSync(environmentFile, 'utf8')) as { values?: { key: string; value: string }[] };
    assert.deepEqual(
      environment.values?.filter((value) => value.key === 'baseUrl').map((value) => value.value),
      ['http://127.0.0.1:5000'],
    );
  });
});

describe('the coverage check itself', () => {
  const spec = specOperations(
    parse(
      [
        'openapi: 3.1.0',
        'paths:',
        '  /things/{id}:',
        '    parameters:',
        '      - $ref: "#/components/parameters/Id"',
        '    get:',
        '      operationId: getThing',
        '      description: |',
        '        get: not an operation',
        '      responses:',
        "        '200':",
        '          description: ok',
        '        "404": { $ref: "#/components/responses/NotFound" }',
        '        4XX:',
        '          description: other client errors',
        "        '500':",
        '          description: fault',
        '        default:',
        '          description: anything else',
      ].join('\n'),
    ),
  );
  const request = (name: string, method: string, url: string, tests: string): CollectionRequest => ({
    folders: ['f'],
    name,
    method,
    url,
    path: url.replace(/^\{\{baseUrl\}\}/, '').replace(/\?.*$/, ''),
    description: 'd',
    prerequest: '',
    tests,
  });

  it('when a small spec is read, then its operation and all its response keys are found', () => {
    assert.deepEqual(
      spec.map((operation) => ({ ...operation, statuses: [...operation.statuses].sort() })),
      [{ operationId: 'getThing', method: 'GET', path: '/things/{id}', statuses: ['200', '404', '4XX', '500', 'default'] }],
    );
  });

  it('when requests use {{vars}}, :params or literal ids, then they map to the path template, and other paths to nothing', () => {
    assert.equal(matchOperation(spec, 'GET', '/things/{{thingId}}')?.operationId, 'getThing');
    assert.equal(matchOperation(spec, 'get', '/things/:id')?.operationId, 'getThing');
    assert.equal(matchOperation(spec, 'GET', '/things/not-an-id')?.operationId, 'getThing');
    assert.equal(matchOperation(spec, 'POST', '/things/1'), undefined);
    assert.equal(matchOperation(spec, 'GET', '/things'), undefined);
    assert.equal(matchOperation(spec, 'GET', '/things/1/more'), undefined);
  });

  it('when pairs are missing, requests stray or assert nothing, then the report names them', () => {
    const result = coverage(spec, [
      request(
        'ok',
        'GET',
        '{{baseUrl}}/things/{{id}}',
        "pm.test('s', () => { pm.response.to.have.status(200); pm.expect(pm.response.json()).to.be.an('object'); });",
      ),
      request('stray', 'GET', '{{baseUrl}}/other', 'pm.response.to.have.status(200); pm.response.json();'),
      request('silent', 'GET', '{{baseUrl}}/things/1', "pm.test('t', () => pm.expect(pm.response.text()).to.equal(''));"),
      request('undocumented', 'GET', '{{baseUrl}}/things/1', 'pm.test("x", () => { pm.response.to.have.status(302); });'),
    ]);
    assert.deepEqual(result.missing, ['getThing (GET /things/{id}) 404', 'getThing (GET /things/{id}) 4XX']);
    assert.equal(`${result.covered}/${result.total}`, '1/3');
    assert.deepEqual(
      result.unmatched.map((r) => r.name),
      ['stray'],
    );
    assert.deepEqual(
      result.withoutStatus.map((r) => r.name),
      ['silent'],
    );
    assert.deepEqual(
      result.undocumented.map((u) => `${u.request.name} ${u.status}`),
      ['undocumented 302'],
    );
    assert.deepEqual(
      result.withoutBodyCheck.map((r) => r.name),
      ['undocumented'],
    );
  });
});
