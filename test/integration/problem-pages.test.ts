import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCatalogue, problemType, type ErrorCode } from '../../src/errors/catalogue.js';
import { loadSpec } from '../../src/spec.js';
import { request } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Every problem's `type` resolves to a page of the service (RFC 9457 §3.1.1), for every code of
// the catalogue and every `type` the contract's examples show.

let server: TestServer;
const get = (path: string) => request(server.baseUrl, 'GET', path);

/** Every `type` value of the spec's problem examples. */
function exampleTypes(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(exampleTypes);
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const own = typeof record.type === 'string' && record.type.startsWith('/problems/') && typeof record.code === 'string' ? [record.type] : [];
  return [...own, ...Object.values(record).flatMap(exampleTypes)];
}

before(async () => {
  server = await startTestServer('problem-pages', { API_TOKENS: 'problem-pages-token-0123456789' });
});
after(async () => {
  await server.close();
});

describe('the problem type pages', () => {
  for (const code of Object.keys(errorCatalogue) as ErrorCode[]) {
    it(`when ${problemType(code)} is opened, then it is a page naming ${code}, its status, when it happens and what to do`, async () => {
      const reply = await get(problemType(code));
      assert.equal(reply.status, 200);
      assert.match(reply.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
      assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const { title, status } = errorCatalogue[code];
      assert.ok(reply.text.includes(`<h1>${title.replaceAll("'", '&#39;')}</h1>`), 'the title');
      assert.ok(reply.text.includes(`<code>${code}</code>`), 'the code');
      assert.ok(reply.text.includes(`<dd>${status}</dd>`), 'the status');
      assert.match(reply.text, /When it happens<\/dt><dd>[^<]+/);
      assert.match(reply.text, /What to do<\/dt><dd>[^<]+/);
    });
  }

  it('when /problems is opened, then it links every code to its page', async () => {
    const reply = await get('/problems');
    assert.equal(reply.status, 200);
    for (const code of Object.keys(errorCatalogue) as ErrorCode[]) assert.ok(reply.text.includes(`href="${problemType(code)}"`), code);
  });

  it('when a real error is answered, then its type is a page that answers 200', async () => {
    const problem = (await get('/users/not-an-id')).body as { type: string; code: string };
    assert.equal(problem.code, 'UNAUTHORIZED');
    assert.equal((await get(problem.type)).status, 200);
  });

  it("when the contract's examples and its table of codes name problem types, then each resolves", async () => {
    const document = loadSpec().document as { info: { description: string } };
    const linked = [...document.info.description.matchAll(/\]\((\/problems[^)]*)\)/g)].map((match) => match[1] ?? '');
    assert.equal(linked.length, Object.keys(errorCatalogue).length + 1, 'the table links every code, and the index once');
    const types = new Set([...exampleTypes(document), ...linked]);
    for (const type of types) assert.equal((await get(type)).status, 200, type);
  });

  it('when a problem type that does not exist is asked for, then 404 ROUTE_NOT_FOUND, and a page answers only GET', async () => {
    assert.equal((await get('/problems/no-such-problem')).status, 404);
    assert.equal((await request(server.baseUrl, 'POST', '/problems/email-taken', { json: {} })).status, 405);
  });
});
