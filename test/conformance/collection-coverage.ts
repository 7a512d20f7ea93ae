// Reads the OpenAPI spec and the Postman collection (through the Postman SDK) and works out which operation × documented
// response status pairs the collection exercises. Used by collection-coverage.test.ts.
//
// Requests are mapped to operations by method and URL path ({{baseUrl}} stripped, `{{var}}` and
// `:var` segments standing for path parameters); the statuses a request checks are read from the
// `pm.response.to.have.status(N)` calls of its own test script.

import { readFileSync } from 'node:fs';
import postman, {
  type Collection,
  type CollectionDefinition,
  type EventList,
  type Item,
  type ItemGroup,
  type PropertyBaseDefinition,
} from 'postman-collection';
import { parse } from 'yaml';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export type SpecOperation = {
  operationId: string;
  method: string; // upper case
  path: string; // the path template, e.g. /users/{id}
  statuses: string[]; // the documented response keys: "200", "4XX", "default"…
};

export type CollectionRequest = {
  /** Folder names from the collection root down to the request's folder. */
  folders: string[];
  name: string;
  method: string;
  /** The URL as written, e.g. {{baseUrl}}/users/{{userId}}?limit=2. */
  url: string;
  /** The URL's path: {{baseUrl}}, scheme and host, query and fragment removed. */
  path: string;
  description: string;
  prerequest: string;
  tests: string;
};

// ---------------------------------------------------------------------------------------------
// The spec

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The operations of a parsed OpenAPI document (as a YAML or JSON parser returns it). */
export function specOperations(spec: unknown): SpecOperation[] {
  if (!isMapping(spec) || !isMapping(spec.paths)) throw new Error('the spec has no paths');
  const operations: SpecOperation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    if (!isMapping(item)) throw new Error(`path ${path} is not a mapping`);
    if ('$ref' in item) throw new Error(`path ${path} is a $ref, which this check does not follow`);
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const where = `${method.toUpperCase()} ${path}`;
      if (!isMapping(operation)) throw new Error(`${where} is not a mapping`);
      if (typeof operation.operationId !== 'string' || operation.operationId === '') throw new Error(`${where} has no operationId`);
      if (!isMapping(operation.responses) || Object.keys(operation.responses).length === 0) throw new Error(`${where} documents no responses`);
      operations.push({ operationId: operation.operationId, method: method.toUpperCase(), path, statuses: Object.keys(operation.responses) });
    }
  }
  if (operations.length === 0) throw new Error('the spec has no operations');
  const ids = operations.map((operation) => operation.operationId);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (repeated.length > 0) throw new Error(`operationIds are not unique: ${repeated.join(', ')}`);
  return operations;
}

export function readSpecOperations(specFile: string): SpecOperation[] {
  return specOperations(parse(readFileSync(specFile, 'utf8')));
}

/** The documented statuses a collection has to cover: specific codes and ranges, not 5xx nor default. */
export function statusesToCover(operation: SpecOperation): string[] {
  return operation.statuses.filter((status) => /^[1-4](\d\d|XX)$/i.test(status));
}

/** Whether an asserted status is documented by `key` ("404", "4XX"). */
export function statusMatches(key: string, status: number): boolean {
  return /^[1-5]XX$/i.test(key) ? Math.floor(status / 100) === Number(key[0]) : Number(key) === status;
}

// ---------------------------------------------------------------------------------------------
// The collection

/** A collection file, read through the Postman SDK. */
export function readCollection(file: string): Collection {
  return new postman.Collection(JSON.parse(readFileSync(file, 'utf8')) as CollectionDefinition);
}

function scriptOf(events: EventList, listen: 'prerequest' | 'test'): string {
  return events
    .listeners(listen)
    .map((event) => event.script?.exec?.join('\n') ?? '')
    .join('\n');
}

function textOf(description: PropertyBaseDefinition['description']): string {
  return typeof description === 'string' ? description : (description?.content ?? '');
}

/** The path of a Postman URL: no {{baseUrl}} (or scheme and host), no query, no fragment. */
export function urlPath(url: string): string {
  const path = url
    .replace(/^\{\{baseUrl\}\}/, '')
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
    .replace(/[?#].*$/, '');
  return path.startsWith('/') ? path : `/${path}`;
}

/** The folder names from the collection down to an item's folder. */
function foldersOf(item: Item): string[] {
  const folders: string[] = [];
  // Up to, not including, the collection (the only ancestor without a parent).
  for (let parent = item.parent() as ItemGroup<Item> | undefined; parent?.parent(); parent = parent.parent() as ItemGroup<Item> | undefined)
    folders.unshift(parent.name);
  return folders;
}

/** Every request of a Postman collection, depth first, with its folders. */
export function collectionRequests(collection: Collection): CollectionRequest[] {
  const requests: CollectionRequest[] = [];
  collection.forEachItem((item) => {
    const url = item.request.url.toString();
    requests.push({
      folders: foldersOf(item),
      name: item.name ?? '(unnamed)',
      method: (item.request.method ?? 'GET').toUpperCase(),
      url,
      path: urlPath(url),
      description: textOf(item.request.description) || textOf(item.description),
      prerequest: scriptOf(item.events, 'prerequest'),
      tests: scriptOf(item.events, 'test'),
    });
  });
  return requests;
}

/** Scripts of the collection and its folders, which run around every request below them. */
export function sharedScripts(collection: Collection): { where: string; tests: string; prerequest: string }[] {
  const shared = [{ where: 'the collection', tests: scriptOf(collection.events, 'test'), prerequest: scriptOf(collection.events, 'prerequest') }];
  collection.forEachItemGroup((group) =>
    shared.push({ where: `folder "${group.name}"`, tests: scriptOf(group.events, 'test'), prerequest: scriptOf(group.events, 'prerequest') }),
  );
  return shared;
}

export const requestLabel = (request: CollectionRequest): string => [...request.folders, request.name].join(' / ');

/** The statuses a test script asserts with pm.response.to.have.status(N). */
export function assertedStatuses(tests: string): number[] {
  return [...tests.matchAll(/pm\.response\.to\.have\.status\(\s*(\d{3})\s*\)/g)].map((match) => Number(match[1]));
}

/** Whether a test script checks the response's content type or body. */
export function checksContentTypeOrBody(tests: string): boolean {
  return /headers\.get\(\s*['"]content-type['"]\s*\)|to\.have\.header\(\s*['"]content-type['"]|pm\.response\.(json|text)\(|to\.(have\.)?(be\.)?(json|jsonBody|body)\b|responseBody/i.test(
    tests,
  );
}

/** The operation a request targets: same method, and a path that fits the operation's template. */
export function matchOperation(operations: SpecOperation[], method: string, path: string): SpecOperation | undefined {
  const segments = path.split('/').slice(1);
  return operations.find((operation) => {
    if (operation.method !== method.toUpperCase()) return false;
    const template = operation.path.split('/').slice(1);
    return (
      template.length === segments.length &&
      template.every((part, i) => {
        const actual = segments[i]!;
        // A {param} takes any non-empty segment; a literal needs the same text, not a variable.
        return /^\{[^}]+\}$/.test(part) ? actual !== '' : part === actual;
      })
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The report

export type Pair = { operation: SpecOperation; status: string; requests: CollectionRequest[] };

export type CoverageReport = {
  pairs: Pair[];
  covered: number;
  total: number;
  /** "createUser (POST /users) 409" for each pair no request covers. */
  missing: string[];
  /** Requests whose method and path are no operation of the spec. */
  unmatched: CollectionRequest[];
  /** Requests asserting no status with pm.response.to.have.status(N). */
  withoutStatus: CollectionRequest[];
  /** Requests asserting a status their operation does not document. */
  undocumented: { request: CollectionRequest; operation: SpecOperation; status: number }[];
  /** Requests whose test script checks neither content type nor body. */
  withoutBodyCheck: CollectionRequest[];
};

export function coverage(operations: SpecOperation[], requests: CollectionRequest[]): CoverageReport {
  const report: CoverageReport = { pairs: [], covered: 0, total: 0, missing: [], unmatched: [], withoutStatus: [], undocumented: [], withoutBodyCheck: [] };
  const byOperation = new Map<SpecOperation, { request: CollectionRequest; statuses: number[] }[]>();

  for (const request of requests) {
    const statuses = assertedStatuses(request.tests);
    if (statuses.length === 0) report.withoutStatus.push(request);
    if (!checksContentTypeOrBody(request.tests)) report.withoutBodyCheck.push(request);
    const operation = matchOperation(operations, request.method, request.path);
    if (!operation) {
      report.unmatched.push(request);
      continue;
    }
    for (const status of statuses) {
      if (!operation.statuses.some((key) => statusMatches(key, status))) report.undocumented.push({ request, operation, status });
    }
    byOperation.set(operation, [...(byOperation.get(operation) ?? []), { request, statuses }]);
  }

  for (const operation of operations) {
    for (const status of statusesToCover(operation)) {
      const covering = (byOperation.get(operation) ?? []).filter((entry) => entry.statuses.some((asserted) => statusMatches(status, asserted)));
      report.pairs.push({ operation, status, requests: covering.map((entry) => entry.request) });
      if (covering.length === 0) report.missing.push(`${operation.operationId} (${operation.method} ${operation.path}) ${status}`);
    }
  }
  report.total = report.pairs.length;
  report.covered = report.total - report.missing.length;
  return report;
}
