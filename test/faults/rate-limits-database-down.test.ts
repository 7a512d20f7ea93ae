import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OwnFerretDb } from '../support/ferretdb.js';
import { assertProblem } from '../support/problems.js';
import { request } from '../support/http.js';
import { startServerProcess, waitUntil, type ServerProcess } from '../support/server-process.js';

// RATE_LIMIT_STORE=database in the real server process: the limits count in the database, and
// when it is gone a request the limits would count is answered 503 (as the operations they guard
// would be), never let through uncounted and never 500. GET /metrics is the witness: it reads the
// token but not the database, so without the shared count a wrong token there would get 401.

const TOKEN = 'metrics-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('rate limits in the database while it is down', () => {
  let db: OwnFerretDb;
  let server: ServerProcess;
  const metrics = (ip: string, token: string) => request(server.baseUrl, 'GET', '/metrics', { headers: { ...from(ip), ...bearer(token) } });

  before(async () => {
    db = await OwnFerretDb.create();
    await db.start();
    server = await startServerProcess({
      MONGODB_URI: db.uri,
      MONGODB_DB: 'faults_rate_limits',
      API_TOKENS: TOKEN,
      RATE_LIMIT_STORE: 'database',
      AUTH_FAILURE_RATE_LIMIT: '2',
      REGISTRATION_RATE_LIMIT: '2',
      DB_TIMEOUT_MS: '1000',
      DB_RETRY_MAX_MS: '1000',
    });
    assert.ok(await waitUntil(async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200, { timeoutMs: 15_000 }), 'ready at start');
  });
  after(async () => {
    await server?.stop();
    await db?.remove();
  });

  it('when the database is up, then wrong tokens are counted there: 401, 401, then 429', async () => {
    const ip = '192.0.2.10';
    for (let i = 0; i < 2; i++) assertProblem(await metrics(ip, `wrong-token-${i}-000000000000`), 401, 'UNAUTHORIZED');
    assertProblem(await metrics(ip, 'wrong-token-x-000000000000'), 429, 'RATE_LIMITED');
  });

  it('when the database is killed, then a request the limits would count gets 503 with Retry-After, never 401 or 500; a valid token is not counted and is served', async () => {
    await db.kill();
    const wrong = await metrics('192.0.2.11', 'wrong-token-y-000000000000');
    assertProblem(wrong, 503, 'SERVICE_UNAVAILABLE');
    assert.ok(Number(wrong.headers.get('retry-after')) >= 1);
    const registration = await request(server.baseUrl, 'POST', '/users', { json: { name: 'down', email: 'down@example.com' }, headers: from('192.0.2.12') });
    assertProblem(registration, 503, 'SERVICE_UNAVAILABLE');
    const served = await metrics('192.0.2.11', TOKEN);
    assert.equal(served.status, 200);
    assert.match(served.text, /users_api_db_call_errors_total\{operation="rateLimitHit",reason="unavailable"\} [1-9]/);
  });
});
