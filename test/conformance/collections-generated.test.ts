import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildConformanceCollection, readConformanceSource } from '../../scripts/lib/conformance-collection.js';
import { collectionJson } from '../../scripts/lib/postman-build.js';
import { buildReferenceCollection, readReferenceSource } from '../../scripts/lib/reference-collection.js';
import { readSpecOperations } from './collection-coverage.js';
import { postmanSchemaProblems } from '../support/postman-schema.js';
import { projectRoot } from '../support/project.js';

// The committed Postman collections are generated (`npm run postman:build`), never edited by hand:
// a rebuild gives their exact bytes, they pass the Postman v2.1 schema, and the conformance
// collection's source defines each helper of its scripts once, in the collection's pre-request
// script, where every request script takes the helpers it uses from.

const conformanceFile = join(projectRoot, 'postman', 'users-api.postman_collection.json');
const referenceFile = join(projectRoot, 'postman', 'users-api.reference.postman_collection.json');
const source = readConformanceSource(projectRoot);

/** Where two texts first differ, for a failure message that says where. */
function firstDifference(built: string, committed: string): string {
  const builtLines = built.split('\n');
  const committedLines = committed.split('\n');
  const first = builtLines.findIndex((line, i) => line !== committedLines[i]);
  return `line ${first + 1}: run npm run postman:build\n  built:     ${builtLines[first] ?? '(end)'}\n  committed: ${committedLines[first] ?? '(end)'}`;
}

/** The names a script declares as functions, at any depth: `const name = (…) =>`, `function name(`. */
function declaredFunctions(script: string): string[] {
  return [
    ...script.matchAll(
      /^\s*(?:(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>|function\s+([A-Za-z_$][\w$]*)\s*\()/gm,
    ),
  ].map((match) => match[1] ?? match[2] ?? '');
}

/** The helpers a script takes: `const { a, b } = eval(pm.variables.get('helpers'));`. */
function takenHelpers(script: string): string[] {
  return [...script.matchAll(/const \{([^}]*)\} = eval\(pm\.variables\.get\('helpers'\)\);/g)].flatMap((match) =>
    match[1]!.split(',').map((name) => name.trim()),
  );
}

/** The helpers the collection's pre-request script offers: the keys of its helpers' `return { … }`. */
function offeredHelpers(prerequest: string): string[] {
  const offered = /^ {2}return \{([^}]*)\};\n\};\npm\.variables\.set\('helpers', '\(' \+ helpers \+ '\)\(\)'\);$/m.exec(prerequest);
  assert.ok(offered, "the collection's pre-request script ends by setting the helpers variable");
  return offered[1]!.split(',').map((name) => name.trim());
}

describe('the generated Postman collections', () => {
  it('when the conformance collection is rebuilt from postman/src/conformance, then it is the committed file byte for byte', () => {
    const built = collectionJson(buildConformanceCollection(source));
    // Not assert.equal on 550 KB: the first differing line says where.
    const committed = readFileSync(conformanceFile, 'utf8');
    assert.ok(built === committed, `postman/users-api.postman_collection.json differs from its source at ${firstDifference(built, committed)}`);
  });

  it('when the reference collection is rebuilt from the spec and the captured examples, then it is the committed file byte for byte', () => {
    const built = collectionJson(buildReferenceCollection(readReferenceSource(projectRoot)));
    const committed = readFileSync(referenceFile, 'utf8');
    assert.ok(built === committed, `postman/users-api.reference.postman_collection.json differs from its sources at ${firstDifference(built, committed)}`);
  });

  it('when the reference collection is read, then it has one request per operation and a saved example, answered with its status, for every documented status', () => {
    const reference = JSON.parse(readFileSync(referenceFile, 'utf8')) as {
      item: { name: string; item: { name: string; request: { method: string }; response: { name: string; code: number }[] }[] }[];
    };
    const operations = readSpecOperations(join(projectRoot, 'openapi', 'openapi.yaml'));
    const { spec } = readReferenceSource(projectRoot);
    const summaries = new Map(
      Object.values(spec.paths)
        .flatMap((item) => Object.values(item).map((operation) => operation as { operationId?: string; summary?: string }))
        .filter((o) => o.operationId)
        .map((o) => [o.operationId!, o.summary!]),
    );
    const requests = reference.item.flatMap((folder) => folder.item);
    assert.deepEqual(requests.map((request) => request.name).sort(), operations.map((operation) => summaries.get(operation.operationId)).sort());
    const problems: string[] = [];
    for (const operation of operations) {
      const request = requests.find((candidate) => candidate.name === summaries.get(operation.operationId))!;
      const saved = request.response.map((response) => String(response.code)).sort();
      if (saved.join() !== [...operation.statuses].sort().join())
        problems.push(`${operation.operationId}: documents ${operation.statuses.join(', ')}, saved ${saved.join(', ')}`);
      for (const response of request.response)
        if (!response.name.startsWith(`${response.code} — `))
          problems.push(`${operation.operationId}: "${response.name}" is not named by its status ${response.code}`);
    }
    assert.deepEqual(problems, []);
  });

  it('when checked against the Postman Collection v2.1 schema, then both collections pass, and a broken copy does not', () => {
    assert.deepEqual(postmanSchemaProblems(JSON.parse(readFileSync(referenceFile, 'utf8'))), []);
    const collection = JSON.parse(readFileSync(conformanceFile, 'utf8')) as { item: { item: { request: { method: unknown } }[] }[] };
    assert.deepEqual(postmanSchemaProblems(collection), []);
    collection.item[0]!.item[0]!.request.method = 42;
    assert.notDeepEqual(postmanSchemaProblems(collection), [], 'a request whose method is a number passes the schema');
  });
});

describe('the conformance collection defines each helper once', () => {
  const offered = offeredHelpers(source.prerequest);
  const scripts = source.folders.flatMap((folder) =>
    folder.requests.flatMap((request) =>
      (['prerequest', 'test'] as const).flatMap((listen) =>
        request[listen] === undefined ? [] : [{ where: `${folder.file}: ${request.name} (${listen})`, script: request[listen] }],
      ),
    ),
  );

  it('when the collection pre-request script is read, then it defines each helper it offers exactly once', () => {
    assert.ok(offered.length > 0);
    const helpersBody = source.prerequest.slice(source.prerequest.indexOf('const helpers = () => {'));
    const defined = [...helpersBody.matchAll(/^ {2}const ([A-Za-z_$][\w$]*) = /gm)].map((match) => match[1]!);
    assert.deepEqual([...defined].sort(), [...offered].sort());
  });

  it('when the request scripts are read, then none defines a helper, nor a function another script also defines', () => {
    const definers = new Map<string, string[]>();
    for (const { where, script } of scripts) for (const name of declaredFunctions(script)) definers.set(name, [...(definers.get(name) ?? []), where]);
    const twice = [...definers].filter(([name, where]) => where.length > 1 || offered.includes(name)).map(([name, where]) => `${name}: ${where.join('; ')}`);
    assert.deepEqual(twice, []);
  });

  it('when a request script uses a helper, then it takes it from the helpers variable, and takes only helpers that exist and it uses', () => {
    const problems: string[] = [];
    for (const { where, script } of scripts) {
      const taken = takenHelpers(script);
      for (const name of taken) {
        if (!offered.includes(name)) problems.push(`${where}: takes ${name}, which is no helper`);
        if (!new RegExp(`\\b${name}\\(`).test(script.replace(/^const \{[^}]*\} = eval[^\n]*$/m, '')))
          problems.push(`${where}: takes ${name} but does not call it`);
      }
      for (const name of offered)
        if (new RegExp(`(^|[^.\\w$])${name}\\(`).test(script) && !taken.includes(name)) problems.push(`${where}: calls ${name} without taking it`);
    }
    assert.deepEqual(problems, []);
  });

  it('when the declarations are looked for, then the check finds arrow functions and function declarations', () => {
    assert.deepEqual(declaredFunctions("const a = (x) => x;\nconst b = async () => 1;\nfunction c() {}\nconst d = 'not a function';\n  const e = () => 0;"), [
      'a',
      'b',
      'c',
      'e',
    ]);
    assert.deepEqual(takenHelpers("const { api, exhaust } = eval(pm.variables.get('helpers'));"), ['api', 'exhaust']);
  });
});
