import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadSpec, writeParsedSpec } from '../../src/spec.js';
import { parsedSpecPath, specPath } from '../../src/spec-path.js';

describe('reading the spec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'users-api-spec-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('when the service reads the spec after a build, then it gets the parsed YAML and the exact bytes', () => {
    const yaml = readFileSync(specPath);
    const spec = loadSpec();
    assert.deepEqual(spec.yaml, yaml);
    assert.deepEqual(spec.document, parse(yaml.toString('utf8')));
    assert.deepEqual((JSON.parse(readFileSync(parsedSpecPath, 'utf8')) as { document: unknown }).document, spec.document, "the build's parsed copy");
  });

  it("when the build's parsed copy was made from these bytes, then it is used; once the YAML changes, the YAML is parsed again", () => {
    const file = join(dir, 'openapi.yaml');
    const parsedFile = join(dir, 'openapi.json');
    writeFileSync(file, 'openapi: 3.1.0\ninfo: { title: A, version: "1" }\n');
    writeParsedSpec(file, parsedFile);
    // Marked so the test can tell the copy from a fresh parse of the same bytes.
    const copy = JSON.parse(readFileSync(parsedFile, 'utf8')) as { sourceSha256: string; document: { info: { title: string } } };
    copy.document.info.title = 'from the parsed copy';
    writeFileSync(parsedFile, JSON.stringify(copy));
    assert.equal((loadSpec(file, parsedFile).document as { info: { title: string } }).info.title, 'from the parsed copy');

    writeFileSync(file, 'openapi: 3.1.0\ninfo: { title: B, version: "1" }\n');
    assert.equal((loadSpec(file, parsedFile).document as { info: { title: string } }).info.title, 'B', 'an edited spec is never served stale');
  });

  it('when there is no parsed copy, then the YAML is parsed', () => {
    const file = join(dir, 'only.yaml');
    writeFileSync(file, 'openapi: 3.1.0\ninfo: { title: C, version: "1" }\n');
    assert.equal((loadSpec(file, join(dir, 'missing.json')).document as { info: { title: string } }).info.title, 'C');
  });
});
