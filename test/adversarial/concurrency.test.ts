import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { request } from '../support/http.js';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';
import { startTestServer, testDatabaseTarget, type TestServer } from '../support/test-server.js';

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
      Array.from({ length: 50 }, (_, i) =>
        request(server.baseUrl, 'POST', i % 5 === 0 ? '/register' : '/users', { json: { name: `racer ${i}`, email: spellings[i % 3] } }),
      ),
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

describe('concurrent registrations across two service processes on one database', () => {
  const target = testDatabaseTarget('two_processes');
  let servers: ServerProcess[] = [];

  before(async () => {
    // The first creates the collections and indexes before the second starts, as a rollout would.
    servers.push(await startServerProcess({ MONGODB_URI: target.uri }));
    await waitReady(servers[0]);
    servers.push(await startServerProcess({ MONGODB_URI: target.uri }));
    await waitReady(servers[1]);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
    const client = await new MongoClient(target.uri).connect();
    await client.db(target.dbName).dropDatabase();
    await client.close();
  });

  it('when 50 registrations of one email in mixed case race over both, then one 201, forty-nine 409, one user, and both find it', async () => {
    const email = `Two.Processes.${Date.now()}@Example.com`;
    const spellings = [email, email.toLowerCase(), email.toUpperCase()];
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(servers[i % 2]?.baseUrl ?? '', 'POST', i % 5 === 0 ? '/register' : '/users', { json: { name: `racer ${i}`, email: spellings[i % 3] } }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 49, statuses.join(','));
    const winner = replies.find((r) => r.status === 201)?.body as { id: string };
    const client = await new MongoClient(target.uri).connect();
    try {
      assert.equal(await client.db(target.dbName).collection('users').countDocuments({ emailKey: email.toLowerCase() }), 1);
    } finally {
      await client.close();
    }
    for (const server of servers) {
      const found = await request(server.baseUrl, 'GET', `/user?email=${encodeURIComponent(email.toUpperCase())}`);
      assert.deepEqual(
        (found.body as { id: string }[]).map((u) => u.id),
        [winner.id],
      );
    }
  });
});

async function waitReady(server: ServerProcess | undefined): Promise<void> {
  const ready = await waitUntil(async () => (await request(server?.baseUrl ?? '', 'GET', '/readyz')).status === 200, { timeoutMs: 10_000 });
  if (!ready) throw new Error('the server did not become ready');
}
