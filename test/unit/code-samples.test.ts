import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { CodeSampleError, collectCodeSamples, SAMPLE_FILES } from '../../scripts/lib/code-samples.js';
import { loadCodeSamples, withCodeSamples } from '../../src/http/openapi/code-samples.js';
import { servedSpec } from '../../src/http/openapi/served-spec.js';
import { loadSpec } from '../../src/spec.js';
import { specPath } from '../../src/spec-path.js';

type Operation = { operationId: string; 'x-codeSamples'?: unknown };
const operationsOf = (document: unknown) =>
  Object.values((document as { paths: Record<string, Record<string, Operation>> }).paths).flatMap((item) =>
    Object.entries(item).flatMap(([method, operation]) => (['get', 'post', 'patch', 'delete', 'put'].includes(method) ? [operation] : [])),
  );

describe('collecting the code samples (the build, scripts/lib/code-samples.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'users-api-samples-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const things = { paths: { '/things': { get: { operationId: 'listThings' }, post: { operationId: 'createThing' } } } };
  /** A samples folder with the given operations' files (all of them unless told). */
  const folder = (name: string, files: Record<string, string[]>) => {
    const root = join(dir, name);
    for (const [id, names] of Object.entries(files)) {
      mkdirSync(join(root, id), { recursive: true });
      for (const file of names) writeFileSync(join(root, id, file), `${file} of ${id}\n\n`);
    }
    return root;
  };
  const every = SAMPLE_FILES.map((s) => s.file);

  it('when every operation has every file, then each gets its samples in the order of SAMPLE_FILES, ending with one line break', () => {
    const samples = collectCodeSamples(things, folder('complete', { listThings: every, createThing: every }));
    assert.deepEqual(Object.keys(samples).sort(), ['createThing', 'listThings']);
    assert.deepEqual(
      samples.listThings,
      SAMPLE_FILES.map(({ file, lang, label }) => ({ lang, label, source: `${file} of listThings\n` })),
    );
  });

  it('when an operation has no folder, a folder names no operation, a file is missing or unknown, then it fails listing each', () => {
    const root = folder('flawed', { listThings: ['curl.sh', 'main.go', 'notes.txt'], deleteThing: every });
    assert.throws(
      () => collectCodeSamples(things, root),
      (error: Error) => {
        assert.ok(error instanceof CodeSampleError);
        assert.match(error.message, /deleteThing\/ names no operation of the spec/);
        assert.match(error.message, /operation createThing has no samples: add createThing\//);
        assert.match(error.message, /operation listThings has no TypeScript sample: listThings\/typescript\.ts is missing/);
        assert.match(error.message, /listThings\/notes\.txt is not a sample file/);
        return true;
      },
    );
  });
});

describe('the served contract with its code samples (src/code-samples.ts)', () => {
  const samples = loadCodeSamples();

  it('when the build has run, then every operation of the spec has its three samples, and the canonical file none', () => {
    const canonical = operationsOf(parse(readFileSync(specPath, 'utf8')));
    assert.deepEqual(Object.keys(samples).sort(), canonical.map((op) => op.operationId).sort());
    for (const own of Object.values(samples))
      assert.deepEqual(
        own.map((s) => s.label),
        SAMPLE_FILES.map((s) => s.label),
      );
    assert.deepEqual(
      canonical.filter((op) => op['x-codeSamples'] !== undefined),
      [],
    );
  });

  it('when added to the spec, then its YAML reads back as its document, every operation has them, and the spec read stays without (the validator gets that one)', () => {
    const spec = loadSpec();
    const served = withCodeSamples(spec, samples);
    assert.deepEqual(parse(served.yaml.toString('utf8')), served.document);
    assert.deepEqual(
      operationsOf(served.document).map((op) => op['x-codeSamples']),
      operationsOf(served.document).map((op) => samples[op.operationId]),
    );
    assert.deepEqual(
      operationsOf(spec.document).filter((op) => op['x-codeSamples'] !== undefined),
      [],
    );
  });

  it("when added to local mode's document (YAML the yaml package wrote), then it reads back as its document too", () => {
    const served = withCodeSamples(servedSpec(loadSpec(), { tokens: false }), samples);
    assert.deepEqual(parse(served.yaml.toString('utf8')), served.document);
  });

  it('when a source starts with spaces, has blank lines, tabs, quotes and a "#", then the YAML keeps it exactly', () => {
    const source = '  indented first line\n\n\tif x {\n\t\tfmt.Println("a: #b \'c\'")\n\t}\n';
    const id = 'listUsers';
    const served = withCodeSamples(loadSpec(), { [id]: [{ lang: 'Go', label: 'Go: "odd"', source }] });
    const op = operationsOf(parse(served.yaml.toString('utf8'))).find((o) => o.operationId === id);
    assert.deepEqual(op?.['x-codeSamples'], [{ lang: 'Go', label: 'Go: "odd"', source }]);
  });

  it('when samples name an operation the spec does not have, then it fails naming it', () => {
    assert.throws(() => withCodeSamples(loadSpec(), { noSuchOperation: [] }), /code samples for operations the spec does not have: noSuchOperation/);
  });
});
