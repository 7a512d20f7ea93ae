import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildConformanceCollection, readConformanceSource } from '../../scripts/lib/conformance-collection.js';
import { collectionJson } from '../../scripts/lib/postman-build.js';
import { postmanSchemaProblems } from '../support/postman-schema.js';
import { projectRoot } from '../support/project.js';

// The committed Postman collections are generated (`npm run postman:build`), never edited by hand:
// a rebuild gives their exact bytes, they pass the Postman v2.1 schema, and the conformance
// collection's source defines each helper of its scripts once, in the collection's pre-request
// script, where every request script takes the helpers it uses from.

const conformanceFile = join(projectRoot, 'postman', 'users-api.postman_collection.json');
const source = readConformanceSource(projectRoot);

/** The names a script declares as functions, at any depth: `const name = (…) =>`, `function name(`. */
function declaredFunctions(script: string): string[] {
  return [...script.matchAll(/^\s*(?:(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?(?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>|function\s+([A-Za-z_$][\w$]*)\s*\()/gm)].map(
    (match) => match[1] ?? match[2] ?? '',
  );
}

/** The helpers a script takes: `const { a, b } = eval(pm.variables.get('helpers'));`. */
function takenHelpers(script: string): string[] {
  return [...script.matchAll(/const \{([^}]*)\} = eval\(pm\.variables\.get\('helpers'\)\);/g)].flatMap((match) => match[1]!.split(',').map((name) => name.trim()));
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
    const builtLines = built.split('\n');
    const committedLines = committed.split('\n');
    const first = builtLines.findIndex((line, i) => line !== committedLines[i]);
    assert.ok(
      built === committed,
      `postman/users-api.postman_collection.json differs from its source at line ${first + 1}: run npm run postman:build\n  built:     ${builtLines[first] ?? '(end)'}\n  committed: ${committedLines[first] ?? '(end)'}`,
    );
  });

  it('when checked against the Postman Collection v2.1 schema, then the conformance collection passes, and a broken copy does not', () => {
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
      (['prerequest', 'test'] as const).flatMap((listen) => (request[listen] === undefined ? [] : [{ where: `${folder.file}: ${request.name} (${listen})`, script: request[listen]! }])),
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
        if (!new RegExp(`\\b${name}\\(`).test(script.replace(/^const \{[^}]*\} = eval[^\n]*$/m, ''))) problems.push(`${where}: takes ${name} but does not call it`);
      }
      for (const name of offered) if (new RegExp(`(^|[^.\\w$])${name}\\(`).test(script) && !taken.includes(name)) problems.push(`${where}: calls ${name} without taking it`);
    }
    assert.deepEqual(problems, []);
  });

  it('when the declarations are looked for, then the check finds arrow functions and function declarations', () => {
    assert.deepEqual(declaredFunctions("const a = (x) => x;\nconst b = async () => 1;\nfunction c() {}\nconst d = 'not a function';\n  const e = () => 0;"), ['a', 'b', 'c', 'e']);
    assert.deepEqual(takenHelpers("const { api, exhaust } = eval(pm.variables.get('helpers'));"), ['api', 'exhaust']);
  });
});
