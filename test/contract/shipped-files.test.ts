import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { renderEnvExample, writtenDefault } from '../../scripts/lib/env-example.js';
import { configSpec } from '../../src/config.js';
import { SERVER_ENV } from '../../src/runtime-flags.js';
import { loadSpec } from '../../src/spec.js';
import { projectRoot } from '../support/project.js';

// The files a service ships beside its code, held to the code: one licence everywhere, the
// settings every file names are the ones src/config.ts declares, and the container files linted.

const read = (file: string) => readFileSync(join(projectRoot, file), 'utf8');
const keys = Object.keys(configSpec);
/** Read by `npm start` (scripts/start.ts), not by the service. */
const START_ONLY = ['EMBEDDED_DB_DIR'];

describe('the files shipped with the service', () => {
  it('when the licence is read from the spec, both packages and the LICENSE files, then it is MIT everywhere', () => {
    const info = (loadSpec().document as { info: { license: { identifier: string } } }).info;
    assert.equal(info.license.identifier, 'MIT');
    for (const file of ['package.json', 'clients/typescript/package.json']) assert.equal((JSON.parse(read(file)) as { license?: string }).license, 'MIT', file);
    assert.match(read('LICENSE'), /^MIT License\n/);
    assert.equal(read('clients/typescript/LICENSE'), read('LICENSE'), 'the client package ships the same licence');
  });

  it('when .env.example is compared with src/config.ts, then it is a fresh rendering (npm run env:example) naming every setting once', () => {
    const file = read('.env.example');
    assert.equal(file, renderEnvExample(), '.env.example is stale: run npm run env:example');
    const named = [...file.matchAll(/^#([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);
    assert.deepEqual(named, keys);
  });

  it("when the configuration reference (docs/operations.md) is compared with src/config.ts, then it lists every setting (and npm start's own), none other, with the same defaults", () => {
    const guide = read('docs/operations.md');
    const start = guide.indexOf('\n## Configuration\n');
    assert.ok(start >= 0, 'docs/operations.md has a Configuration section');
    const section = guide.slice(start, guide.indexOf('\n## ', start + 1));
    const rows = [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]*) \|/gm)].map((match) => ({ key: match[1] ?? '', written: (match[2] ?? '').trim() }));
    assert.deepEqual(rows.map((row) => row.key).sort(), [...keys, ...START_ONLY].sort());
    for (const { key, written } of rows) {
      const declared = (configSpec as Record<string, { default?: unknown }>)[key];
      if (declared === undefined || declared.default === undefined) continue;
      const value = writtenDefault(declared.default);
      const expected = value === '' ? 'empty' : `\`${value}\``;
      assert.equal(written, expected, `${key}'s default in docs/operations.md`);
    }
  });

  it("when the README's configuration essentials are compared with src/config.ts, then each names real settings with their defaults (a fact stated twice must agree)", () => {
    const readme = read('README.md');
    const start = readme.indexOf('\n## Configuration essentials\n');
    assert.ok(start >= 0, 'the README has its configuration essentials');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const rows = [...section.matchAll(/^\| ((?:`[A-Z][A-Z0-9_]+`(?:, )?)+) \| ([^|]*) \|/gm)];
    assert.ok(rows.length >= 5, `${rows.length} rows`);
    for (const row of rows) {
      const named = [...(row[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1] ?? '');
      const written = (row[2] ?? '').trim();
      for (const key of named) assert.ok(keys.includes(key), `${key} is not a setting`);
      const declared = named.map((key) => (configSpec as Record<string, { default?: unknown }>)[key]?.default);
      if (declared.some((value) => value === undefined)) continue; // no default (MONGODB_URI): said in words
      const expected = declared.map((value) => writtenDefault(value)).every((value) => value === '')
        ? 'empty'
        : declared.map((value) => `\`${writtenDefault(value)}\``).join(', ');
      assert.equal(written, expected, `${named.join(', ')}'s default in the README`);
    }
  });

  it('when the Dockerfile is linted by hadolint (every rule, info level included), then it has no finding', async () => {
    const bin = process.env.HADOLINT_PATH;
    assert.ok(bin, 'HADOLINT_PATH is not set: run the suite with `npm test`, which installs hadolint');
    const { stdout } = await promisify(execFile)(bin, ['--no-color', '--failure-threshold', 'info', join(projectRoot, 'Dockerfile')]).catch(
      (error: { stdout?: string; code?: number }) => {
        assert.fail(`hadolint found:\n${error.stdout ?? ''}`);
      },
    );
    assert.equal(stdout.trim(), '');
  });

  it("when the Dockerfile's start command and health check are read, then they are npm run serve's and GET /readyz", () => {
    const dockerfile = read('Dockerfile');
    const serve = (JSON.parse(read('package.json')) as { scripts: { serve: string } }).scripts.serve;
    const command = /^CMD \[(.*)\]$/m.exec(dockerfile)?.[1];
    assert.ok(command, 'a CMD in exec form');
    // serve sets its environment as shell defaults (NAME=${NAME:-value}); the image sets it by ENV.
    const words = serve.split(' ');
    const defaults = words.filter((word) => /^[A-Z_]+=\$\{/.test(word));
    assert.deepEqual(
      defaults,
      Object.entries(SERVER_ENV).map(([name, value]) => `${name}=\${${name}:-${value}}`),
    );
    for (const [name, value] of Object.entries(SERVER_ENV))
      assert.match(dockerfile, new RegExp(`^ENV [^]*?^\\s+${name}=${value}$`, 'm'), `ENV ${name}=${value}`);
    assert.equal((JSON.parse(`[${command}]`) as string[]).join(' '), words.slice(defaults.length).join(' '));
    assert.match(dockerfile, /^HEALTHCHECK [^\n]*\\\n[^\n]*\/readyz/m);
    assert.match(dockerfile, /^USER 1000:1000$/m, 'it runs as a non-root user');
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
  });

  it("when compose.yaml is read, then it is YAML whose service settings are all the service's own, with tokens required", () => {
    const compose = parse(read('compose.yaml')) as { services: Record<string, { environment?: Record<string, string>; build?: string }> };
    const service = compose.services['users-api'];
    assert.ok(service, 'a users-api service');
    assert.equal(service.build, '.');
    const environment = Object.keys(service.environment ?? {});
    assert.deepEqual(
      environment.filter((key) => !keys.includes(key)),
      [],
      'settings the service does not read',
    );
    assert.match(service.environment?.API_TOKENS ?? '', /^\$\{API_TOKENS:\?/, 'API_TOKENS must be given: the container listens on 0.0.0.0');
    assert.ok(compose.services.mongodb, 'a MongoDB beside it');
  });
});
