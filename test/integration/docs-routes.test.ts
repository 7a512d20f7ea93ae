import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { codeSamplesDir, SAMPLE_FILES } from '../../scripts/lib/code-samples.js';
import { redocBundlePath } from '../../src/http/routes/docs-routes.js';
import { specPath } from '../../src/spec-path.js';
import { HTTP_METHODS } from '../conformance/collection-coverage.js';
import { request, type Reply } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
const get = (path: string, headers?: Record<string, string>) => request(server.baseUrl, 'GET', path, headers ? { headers } : {});
const specText = readFileSync(specPath, 'utf8');

// With tokens the service serves its canonical contract, byte for byte but for `servers` (which
// names the server) and the operations' `x-codeSamples` (added for Redoc); local mode's own
// document is checked at the end.
before(async () => {
  server = await startTestServer('docs-routes', { API_TOKENS: 'docs-routes-token-0123456789' });
});
after(async () => {
  await server.close();
});

/** The YAML text without its top-level `servers` block (which the served copy rewrites). */
const withoutServers = (yaml: string) => yaml.replace(/^servers:\n(?:[ \t].*\n|\n)*/m, '');

/** The YAML text without the operations' `x-codeSamples` blocks (which the served copy adds). */
function withoutCodeSamples(yaml: string): string {
  const lines = yaml.split('\n');
  const kept: string[] = [];
  for (let at = 0; at < lines.length; at++) {
    if (lines[at] !== '      x-codeSamples:') {
      kept.push(lines[at] ?? '');
      continue;
    }
    let end = at + 1;
    while (end < lines.length && (lines[end]?.trim() === '' || /^ {7}/.test(lines[end] ?? ''))) end++;
    while (end > at + 1 && lines[end - 1]?.trim() === '') end--; // the blank lines after the block are the file's
    at = end - 1;
  }
  return kept.join('\n');
}

/** The canonical document with each operation's samples read from openapi/code-samples/, as /docs should show them. */
function withSamplesFromFiles(document: { paths: Record<string, Record<string, unknown>> }) {
  const copy = structuredClone(document);
  for (const item of Object.values(copy.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!(HTTP_METHODS as readonly string[]).includes(method)) continue;
      const id = (operation as { operationId: string }).operationId;
      (operation as Record<string, unknown>)['x-codeSamples'] = SAMPLE_FILES.map(({ file, lang, label }) => ({
        lang,
        label,
        source: readFileSync(join(codeSamplesDir(), id, file), 'utf8'),
      }));
    }
  }
  return copy;
}

/** A strong entity tag, as a content hash gives: "…", never W/"…". */
function strongEtag(reply: Reply): string {
  const etag = reply.headers.get('etag') ?? '';
  assert.match(etag, /^"[\w-]{20,}"$/);
  return etag;
}

/** The conditional GET every documentation resource answers the same way. */
function revalidationTests(path: string) {
  it('when If-None-Match carries its ETag, then 304 with no body and the same ETag', async () => {
    const etag = strongEtag(await get(path));
    const reply = await get(path, { 'if-none-match': etag });
    assert.equal(reply.status, 304);
    assert.equal(reply.text, '');
    assert.equal(reply.headers.get('etag'), etag);
  });

  it('when If-None-Match carries its ETag in weak form among others, then 304 (weak comparison)', async () => {
    const etag = strongEtag(await get(path));
    assert.equal((await get(path, { 'if-none-match': `"other", W/${etag}` })).status, 304);
  });

  it('when If-None-Match carries another tag, then 200 with the body', async () => {
    const reply = await get(path, { 'if-none-match': '"stale"' });
    assert.equal(reply.status, 200);
    assert.ok(reply.text.length > 0);
  });
}

describe('GET /openapi.yaml', () => {
  it('when requested, then 200 application/yaml with exactly the file the validator uses but for its servers, which name this server, and the code samples, to revalidate', async () => {
    const reply = await get('/openapi.yaml');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/yaml; charset=utf-8');
    assert.equal(reply.headers.get('cache-control'), 'no-cache');
    assert.equal(withoutServers(withoutCodeSamples(reply.text)), withoutServers(specText), "every other byte is the file's");
    assert.deepEqual(
      (parse(reply.text) as { servers: { url: string }[] }).servers.map((entry) => entry.url),
      [server.baseUrl],
    );
    strongEtag(reply);
  });

  it('when the method is HEAD, then 200 with its headers and no body', async () => {
    const reply = await request(server.baseUrl, 'HEAD', '/openapi.yaml');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/yaml; charset=utf-8');
    assert.equal(reply.text, '');
  });

  revalidationTests('/openapi.yaml');
});

describe('GET /openapi.json', () => {
  it("when requested, then 200 application/json equal to the YAML file parsed with the yaml package, with every operation's code samples from openapi/code-samples/", async () => {
    const reply = await get('/openapi.json');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(reply.headers.get('cache-control'), 'no-cache');
    const canonical = parse(specText) as { paths: Record<string, Record<string, unknown>> };
    assert.deepEqual(reply.body, {
      ...withSamplesFromFiles(canonical),
      servers: [{ url: server.baseUrl, description: 'This server: where this document is served.' }],
    });
  });

  it("when compared with /openapi.yaml parsed, then they are the same document (the samples' YAML reads back as written)", async () => {
    assert.deepEqual(parse((await get('/openapi.yaml')).text), (await get('/openapi.json')).body);
  });

  it('when compared with the YAML, then its ETag differs (another representation)', async () => {
    assert.notEqual(strongEtag(await get('/openapi.json')), strongEtag(await get('/openapi.yaml')));
  });

  revalidationTests('/openapi.json');
});

describe('GET /docs', () => {
  const urlsIn = (html: string) => [...html.matchAll(/\s(?:src|href|spec-url)="([^"]*)"/g)].map((match) => match[1] ?? '');

  it('when requested, then 200 HTML that has Redoc render /openapi.json with the bundle this service serves', async () => {
    const reply = await get('/docs');
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(reply.headers.get('cache-control'), 'no-cache');
    assert.match(reply.text, /<redoc spec-url="\/openapi\.json"><\/redoc>/);
    assert.match(reply.text, /<script src="\/docs\/redoc\.standalone\.js\?v=[\w-]+"><\/script>/);
  });

  it('when requested, then every URL in the page is same-origin and nothing names another host or a font service', async () => {
    const { text } = await get('/docs');
    const urls = urlsIn(text);
    assert.ok(urls.length >= 3, text);
    for (const url of urls) {
      const resolved = new URL(url, `${server.baseUrl}/docs`);
      assert.ok(resolved.origin === server.baseUrl || resolved.protocol === 'data:', `${url} is not same-origin`);
    }
    assert.doesNotMatch(text, /\/\/|fonts\.g|cdn\./i);
  });

  it('when requested, then its Content-Security-Policy allows nothing outside the service', async () => {
    const policy = (await get('/docs')).headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.doesNotMatch(policy, /https?:|\*/);
  });

  it('when requested as /docs/, then the same page', async () => {
    const [plain, slash] = await Promise.all([get('/docs'), get('/docs/')]);
    assert.equal(slash.status, 200);
    assert.equal(slash.text, plain.text);
  });

  revalidationTests('/docs');
});

describe('GET /docs/redoc.standalone.js', () => {
  const bundleUrl = async () => /<script src="([^"]+)"/.exec((await get('/docs')).text)?.[1] ?? '';

  it("when the page's script is requested, then 200 JavaScript cached for a year under a content-versioned URL", async () => {
    const url = await bundleUrl();
    const reply = await get(url);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(reply.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const etag = strongEtag(reply);
    assert.equal(url.split('?v=')[1], etag.slice(1, 13));
  });

  it("when served, then it is the installed Redoc 2 bundle with Redocly's logo (its one external URL) made an empty data: URL", async () => {
    const logo = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
    const installed = readFileSync(redocBundlePath, 'utf8');
    assert.ok(installed.includes(logo));
    assert.equal((await get(await bundleUrl())).text, installed.replaceAll(logo, 'data:,'));
  });
});

describe('other methods on the documentation paths', () => {
  for (const path of ['/openapi.yaml', '/openapi.json', '/docs', '/docs/redoc.standalone.js']) {
    it(`when POST ${path}, then 405 METHOD_NOT_ALLOWED with Allow: GET, HEAD`, async () => {
      const reply = await request(server.baseUrl, 'POST', path, { json: {} });
      assert.equal(reply.status, 405);
      assert.equal(reply.headers.get('allow'), 'GET, HEAD');
      assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal((reply.body as { code: string }).code, 'METHOD_NOT_ALLOWED');
    });
  }
});

describe('in local mode (no API_TOKENS): the contract of the server that runs', () => {
  type Operation = { security?: unknown; responses: Record<string, unknown>; 'x-rate-limit'?: string };
  type Document = { security?: unknown; info: { description: string }; components: Record<string, unknown>; paths: Record<string, Record<string, Operation>> };
  let open: TestServer;
  let served: Document;
  const canonical = parse(specText) as Document;
  const operationsOf = (document: Document) =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
        .map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, operation })),
    );

  before(async () => {
    open = await startTestServer('docs-routes-local');
    served = (await request(open.baseUrl, 'GET', '/openapi.json')).body as Document;
  });
  after(async () => {
    await open.close();
  });

  it('when /openapi.json is read, then it asks for no token anywhere and declares no security scheme', () => {
    assert.equal(served.security, undefined);
    assert.equal(served.components.securitySchemes, undefined);
    assert.deepEqual(
      operationsOf(served)
        .filter(({ operation }) => operation.security !== undefined)
        .map(({ where }) => where),
      [],
    );
  });

  it('when /openapi.json is read, then every operation is there with its answers but those only tokens cause (401, 403; 429 without a limit of its own), and 421', () => {
    const expected = operationsOf(canonical).map(({ where, operation }) => ({
      where,
      statuses: Object.keys(operation.responses)
        .filter((status) => status !== '401' && status !== '403' && (status !== '429' || operation['x-rate-limit'] !== undefined))
        .concat('421')
        .sort(),
    }));
    assert.ok(
      expected.some(({ statuses }) => statuses.includes('429')),
      'the registration limit still answers 429',
    );
    assert.deepEqual(
      operationsOf(served).map(({ where, operation }) => ({ where, statuses: Object.keys(operation.responses) })),
      expected,
    );
  });

  it('when /openapi.json is read, then every operation answers 421 MISDIRECTED_REQUEST, documented once as problem+json with an example', () => {
    const refs = operationsOf(served).map(({ where, operation }) => ({ where, ref: operation.responses['421'] }));
    assert.deepEqual(
      refs,
      refs.map(({ where }) => ({ where, ref: { $ref: '#/components/responses/MisdirectedRequest' } })),
    );
    const response = (
      served.components.responses as Record<
        string,
        { description: string; content: Record<string, { schema: unknown; examples: Record<string, { value: Record<string, unknown> }> }> }
      >
    ).MisdirectedRequest;
    assert.ok(response, 'components/responses/MisdirectedRequest');
    assert.match(response.description, /DNS rebinding/);
    assert.deepEqual(Object.keys(response.content), ['application/problem+json']);
    const media = response.content['application/problem+json'];
    assert.deepEqual(media?.schema, { $ref: '#/components/schemas/Problem' });
    const examples = Object.values(media?.examples ?? {});
    assert.ok(examples.length > 0);
    for (const { value } of examples) assert.deepEqual([value.status, value.code, value.title], [421, 'MISDIRECTED_REQUEST', 'Misdirected request']);
  });

  it('when the canonical contract is read, then no operation answers 421 (with tokens there is no Host check)', () => {
    assert.deepEqual(
      operationsOf(canonical)
        .filter(({ operation }) => operation.responses['421'] !== undefined)
        .map(({ where }) => where),
      [],
    );
  });

  it('when /openapi.json is read, then its introduction says first that this server runs in local mode, and why', () => {
    assert.match(served.info.description, /^> \*\*This server runs in local mode\.\*\* It was started without `API_TOKENS`/);
    assert.match(
      served.info.description,
      /^[^\n]*answers only requests addressed to that address[^\n]*refuses any other with `421 MISDIRECTED_REQUEST`[^\n]*\(DNS rebinding\)/,
    );
    assert.ok(served.info.description.endsWith(canonical.info.description));
  });

  it('when /openapi.yaml is read, then it is the same document as /openapi.json', async () => {
    const reply = await request(open.baseUrl, 'GET', '/openapi.yaml');
    assert.equal(reply.headers.get('content-type'), 'application/yaml; charset=utf-8');
    assert.deepEqual(parse(reply.text), served);
  });
});

describe('the served contract behind a proxy (PUBLIC_BASE_URL)', () => {
  let proxied: TestServer;
  before(async () => {
    proxied = await startTestServer('docs-public-url', { API_TOKENS: 'docs-routes-token-0123456789', PUBLIC_BASE_URL: 'https://api.example.com/users-api/' });
  });
  after(async () => {
    await proxied.close();
  });

  it('when PUBLIC_BASE_URL is set, then both documents name it (without its trailing slash) as their only server', async () => {
    const json = (await request(proxied.baseUrl, 'GET', '/openapi.json')).body as { servers: { url: string }[] };
    assert.deepEqual(
      json.servers.map((entry) => entry.url),
      ['https://api.example.com/users-api'],
    );
    const yaml = parse((await request(proxied.baseUrl, 'GET', '/openapi.yaml')).text) as { servers: { url: string }[] };
    assert.deepEqual(
      yaml.servers.map((entry) => entry.url),
      ['https://api.example.com/users-api'],
    );
  });

  it("when the public URL has a path, then the API is still served at the root (the proxy strips the prefix; the validator's paths are unchanged)", async () => {
    assert.equal((await request(proxied.baseUrl, 'GET', '/healthz')).status, 200);
    assert.equal((await request(proxied.baseUrl, 'GET', '/users', { headers: { authorization: 'Bearer docs-routes-token-0123456789' } })).status, 200);
  });
});
