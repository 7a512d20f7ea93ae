import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer('concurrency');
});
after(async () => {
  await server.close();
});

describe('concurrent writes over HTTP', () => {
  it('when 50 registrations of one email in mixed case race, then one 201, forty-nine 409 and one document', async () => {
    const email = `Race.${Date.now()}@Example.com`;
    const spellings = [email, email.toLowerCase(), email.toUpperCase()];
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => request(server.baseUrl, 'POST', i % 5 === 0 ? '/register' : '/users', { json: { name: `racer ${i}`, email: spellings[i % 3] } })),
    );
    const statuses = replies.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 49, statuses.join(','));
    assert.equal(await server.db.collection('users').countDocuments({ emailKey: email.toLowerCase() }), 1);
  });

  it('when 20 PATCHes race with the same If-Match, then one 200 and nineteen 412, and the version moved by one', async () => {
    const created = await request(server.baseUrl, 'POST', '/users', { json: { name: 'contested', email: `contested.${Date.now()}@x.io` } });
    const { id } = created.body as { id: string };
    const etag = created.headers.get('etag') ?? '';
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(server.baseUrl, 'PATCH', `/users/${id}`, { json: { name: `writer ${i}` }, headers: { 'if-match': etag } })),
    );
    const winners = replies.filter((r) => r.status === 200);
    assert.equal(winners.length, 1);
    assert.equal(replies.filter((r) => r.status === 412).length, 19);
    const stored = await request(server.baseUrl, 'GET', `/users/${id}`);
    assert.equal(stored.headers.get('etag'), '"2"');
    assert.equal((stored.body as { name: string }).name, (winners[0]?.body as { name: string }).name);
  });

  it('when 20 unconditional PATCHes race, then every one succeeds with its own version', async () => {
    const created = await request(server.baseUrl, 'POST', '/users', { json: { name: 'busy', email: `busy.${Date.now()}@x.io` } });
    const { id } = created.body as { id: string };
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => request(server.baseUrl, 'PATCH', `/users/${id}`, { json: { name: `w${i}` } })));
    assert.ok(replies.every((r) => r.status === 200));
    const versions = replies.map((r) => r.headers.get('etag')).sort();
    assert.equal(new Set(versions).size, 20, 'two writes reported the same version');
    assert.equal((await request(server.baseUrl, 'GET', `/users/${id}`)).headers.get('etag'), '"21"');
  });
});
