import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, SignJWT } from 'jose';
import { request, type Reply } from '../support/http.js';
import { IdentityProvider, signingKey, unsignedToken, type SigningKey } from '../support/identity-provider.js';
import { assertProblem } from '../support/problems.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const STATIC_TOKEN = 'static-token-0123456789abcdef';
/** Short, so the tests can wait past it; the default is 30 s. */
const COOLDOWN_MS = 600;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let seq = 0;
/** A client address of its own (TEST-NET-3), so the wrong-token limit of one test does not reach another. */
const client = () => ({ 'x-forwarded-for': `203.0.113.${(++seq % 250) + 1}` });
const now = () => Math.floor(Date.now() / 1000);
/** A secured operation, called from an address of its own with `token`. */
const listWith = (server: TestServer, token: string) => request(server.baseUrl, 'GET', '/users?limit=1', { headers: { ...client(), ...bearer(token) } });

/** A refusal that says no more than the static tokens' one: no reason, nothing of the token. */
function assertRefused(reply: Reply, token: string): void {
  assertProblem(reply, 401, 'UNAUTHORIZED');
  assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="users-api", error="invalid_token"');
  assert.equal((reply.body as { detail?: string }).detail, 'The bearer token is not valid.');
  assert.ok(!reply.text.includes(token.split('.')[1] ?? token), 'the token came back in the answer');
}

describe('JWT access tokens, keys from the JWKS URL', () => {
  let provider: IdentityProvider;
  let rs256: SigningKey;
  let es256: SigningKey;
  let server: TestServer;
  const logLines: string[] = [];
  const get = (token: string | undefined, headers: Record<string, string> = client()) =>
    request(server.baseUrl, 'GET', '/users?limit=1', { headers: { ...headers, ...(token ? bearer(token) : {}) } });

  before(async () => {
    rs256 = await signingKey('RS256', 'rsa-1');
    es256 = await signingKey('ES256', 'ec-1');
    provider = await IdentityProvider.start([rs256, es256]);
    server = await startTestServer(
      'jwt-url',
      {
        ...provider.env('url'),
        API_TOKENS: STATIC_TOKEN,
        JWT_JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
        JWT_CLOCK_TOLERANCE_S: '5',
        AUTH_FAILURE_RATE_LIMIT: '3',
        REGISTRATION_RATE_LIMIT: '1',
      },
      { logLines: (line) => logLines.push(line) },
    );
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  it('when a valid RS256 token is sent, then the secured operation answers 200', async () => {
    assert.equal((await get(await provider.mint({ key: rs256 }))).status, 200);
  });

  it('when a valid ES256 token is sent, then the secured operation answers 200', async () => {
    assert.equal((await get(await provider.mint({ key: es256 }))).status, 200);
  });

  it('when a static API token is sent beside JWT, then it still answers 200; no token still gets 401 without invalid_token', async () => {
    assert.equal((await get(STATIC_TOKEN)).status, 200);
    const none = await get(undefined);
    assertProblem(none, 401, 'UNAUTHORIZED');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="users-api"');
  });

  it('when the token has expired (beyond the clock tolerance), then 401 invalid_token', async () => {
    const token = await provider.mint({ expiresAt: now() - 60 });
    assertRefused(await get(token), token);
  });

  it('when the token is not yet valid (nbf beyond the clock tolerance), then 401 invalid_token', async () => {
    const token = await provider.mint({ notBefore: now() + 60 });
    assertRefused(await get(token), token);
  });

  it('when the token is within the clock tolerance of its exp, then it is still accepted', async () => {
    assert.equal((await get(await provider.mint({ expiresAt: now() - 2 }))).status, 200);
  });

  it('when an accepted token is sent again after it expired (beyond the tolerance), then 401: the service remembers a verified token no longer than it lives', async () => {
    // Accepted for one to two seconds more (the tolerance is 5 s; `exp` is in whole seconds).
    const token = await provider.mint({ expiresAt: now() - 3 });
    assert.equal((await get(token)).status, 200);
    assert.equal((await get(token)).status, 200, 'sent again at once: still accepted');
    await sleep(3_100);
    assertRefused(await get(token), token);
  });

  it('when the token has no exp, then 401 (an access token that never expires is refused)', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: rs256.kid })
      .setIssuer(provider.issuer)
      .setAudience(provider.audience)
      .sign(rs256.privateKey);
    assertRefused(await get(token), token);
  });

  it('when the token comes from another issuer, then 401 invalid_token', async () => {
    const token = await provider.mint({ issuer: 'https://evil.example/' });
    assertRefused(await get(token), token);
  });

  it('when the token is for another audience, then 401 invalid_token', async () => {
    const token = await provider.mint({ audience: 'another-api' });
    assertRefused(await get(token), token);
  });

  it('when the token is signed by another key under a published kid, then 401 invalid_token', async () => {
    const impostor = await signingKey('RS256', rs256.kid);
    const token = await provider.mint({ key: impostor });
    assertRefused(await get(token), token);
  });

  it('when the token is unsigned (alg: none), then 401 invalid_token', async () => {
    const token = unsignedToken({ iss: provider.issuer, aud: provider.audience, sub: 'user-123', exp: now() + 3600 }, rs256.kid);
    assertRefused(await get(token), token);
  });

  it("when the token is HS256 signed with the provider's public key as the secret, then 401 invalid_token", async () => {
    const secret = new TextEncoder().encode(await exportSPKI(rs256.publicKey));
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: rs256.kid })
      .setIssuer(provider.issuer)
      .setAudience(provider.audience)
      .setExpirationTime(now() + 3600)
      .sign(secret);
    assertRefused(await get(token), token);
  });

  it('when a token names an unknown kid, then the JWKS is fetched again once (not again within the cooldown), then 401', async () => {
    await sleep(COOLDOWN_MS + 100);
    const before = provider.jwksFetches;
    const stranger = await signingKey('ES256', 'unknown-kid');
    const token = await provider.mint({ key: stranger });
    assertRefused(await get(token), token);
    assert.equal(provider.jwksFetches, before + 1, 'an unknown kid fetches the key set again');
    assertRefused(await get(token), token);
    const another = await provider.mint({ key: stranger, kid: 'another-unknown-kid' });
    assertRefused(await get(another), another);
    assert.equal(provider.jwksFetches, before + 1, 'no second fetch within the cooldown');
  });

  it('when the provider publishes a new key, then tokens signed with it are accepted without a restart', async () => {
    const rotated = await signingKey('RS256', 'rsa-2');
    provider.addKey(rotated);
    await sleep(COOLDOWN_MS + 100);
    const before = provider.jwksFetches;
    assert.equal((await get(await provider.mint({ key: rotated }))).status, 200);
    assert.equal(provider.jwksFetches, before + 1);
    assert.equal((await get(await provider.mint({ key: rs256 }))).status, 200, 'the old key still works');
  });

  it('when a client keeps sending bad JWTs, then they count as wrong tokens (429); a JWT verified before is not limited there, a fresh one is (it would need a verification)', async () => {
    const attacker = client();
    const known = await provider.mint({ claims: { n: 'known' } });
    assert.equal((await get(known)).status, 200, 'verified once, from another address');
    for (let i = 0; i < 3; i++) {
      const token = await provider.mint({ audience: `guess-${i}` });
      assertRefused(await get(token, attacker), token);
    }
    assertProblem(await get(await provider.mint({ audience: 'guess-x' }), attacker), 429, 'RATE_LIMITED');
    assert.equal((await get(known, attacker)).status, 200);
    assert.equal((await get(STATIC_TOKEN, attacker)).status, 200, 'a static token is never limited');
    assertProblem(await get(await provider.mint({ claims: { n: 'fresh' } }), attacker), 429, 'RATE_LIMITED');
  });

  it('when an address is over the registration limit, then a valid JWT holder there still registers', async () => {
    const address = client();
    const register = (headers: Record<string, string>) =>
      request(server.baseUrl, 'POST', '/users', {
        json: { name: 'jwt', email: `jwt.${Date.now()}.${++seq}@example.com` },
        headers: { ...address, ...headers },
      });
    assert.equal((await register({})).status, 201);
    assertProblem(await register({}), 429, 'RATE_LIMITED');
    for (let i = 0; i < 2; i++) assert.equal((await register(bearer(await provider.mint()))).status, 201);
  });

  it('when JWTs are accepted and refused, then the log says why at debug (and the sub), never the token', async () => {
    logLines.length = 0;
    const good = await provider.mint({ claims: { email: 'secret.person@example.com' } });
    const bad = await provider.mint({ issuer: 'https://evil.example/' });
    assert.equal((await get(good)).status, 200);
    assertRefused(await get(bad), bad);
    const entries = logLines.map((line) => JSON.parse(line) as { level: number; msg: string; sub?: string; reason?: string });
    assert.ok(entries.some((entry) => entry.msg === 'JWT accepted' && entry.sub === 'user-123' && entry.level === 20));
    assert.ok(entries.some((entry) => entry.msg === 'JWT refused' && entry.reason === 'ERR_JWT_CLAIM_VALIDATION_FAILED (iss)' && entry.level === 20));
    const text = logLines.join('\n');
    for (const token of [good, bad]) for (const part of token.split('.')) assert.ok(!text.includes(part), 'a part of a token reached the log');
    assert.ok(!text.includes('secret.person'), "a token's claim reached the log");
  });
});

describe('JWT access tokens: the wrong-token limit counts before it verifies', () => {
  let provider: IdentityProvider;
  let server: TestServer;
  const logLines: string[] = [];
  const get = (token: string, headers: Record<string, string>) =>
    request(server.baseUrl, 'GET', '/users?limit=1', { headers: { ...headers, ...bearer(token) } });
  const refusedJwts = () => logLines.filter((line) => (JSON.parse(line) as { msg: string }).msg === 'JWT refused').length;

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-count')]);
    server = await startTestServer('jwt-count', { ...provider.env('url'), AUTH_FAILURE_RATE_LIMIT: '3' }, { logLines: (line) => logLines.push(line) });
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  it('when one client sends more fresh valid JWTs than the limit, one after another, then every one is answered 200 (each count is given back)', async () => {
    const address = client();
    for (let i = 0; i < 6; i++) assert.equal((await get(await provider.mint({ claims: { n: i } }), address)).status, 200);
  });

  it('when a client is over the limit, then its forged JWTs are refused with 429 without being verified', async () => {
    const attacker = client();
    for (let i = 0; i < 3; i++) assertProblem(await get(await provider.mint({ audience: `guess-${i}` }), attacker), 401, 'UNAUTHORIZED');
    const verifiedBefore = refusedJwts();
    for (let i = 0; i < 5; i++) assertProblem(await get(await provider.mint({ audience: `more-${i}` }), attacker), 429, 'RATE_LIMITED');
    assert.equal(refusedJwts(), verifiedBefore, 'no JWT was verified past the limit');
  });

  it('when a wrong token is sent to registration (POST /users), then it counts toward the wrong-token limit too', async () => {
    const attacker = client();
    const register = (token: string, n: number) =>
      request(server.baseUrl, 'POST', '/users', {
        headers: { ...attacker, ...bearer(token) },
        json: { name: 'guess', email: `guess.${Date.now()}.${n}@example.com` },
      });
    for (let i = 0; i < 3; i++)
      assert.equal((await register(`wrong-static-token-${i}-xxxxxxxx`, i)).status, 201, 'registration is public: a wrong token is ignored');
    assertProblem(await register('wrong-static-token-9-xxxxxxxx', 9), 429, 'RATE_LIMITED');
    assertProblem(await get('wrong-static-token-10-xxxxxxx', attacker), 429, 'RATE_LIMITED');
  });
});

describe('JWT access tokens while the identity provider is down', () => {
  let provider: IdentityProvider;
  let server: TestServer;
  const logLines: string[] = [];
  const get = (token: string) => listWith(server, token);
  const outageWarnings = () => logLines.filter((line) => /identity provider: fetch failed/.test((JSON.parse(line) as { msg: string }).msg)).length;

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-down')]);
    provider.down = true;
    server = await startTestServer(
      'jwt-down',
      { ...provider.env('url'), JWT_JWKS_COOLDOWN_MS: String(COOLDOWN_MS), AUTH_FAILURE_RATE_LIMIT: '1000' },
      { logLines: (line) => logLines.push(line) },
    );
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  it('when JWTs arrive during the outage, then they get 401, the key set is fetched once per cooldown, and the outage is logged once, at warn', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => provider.mint({ claims: { n: i } })));
    for (const token of tokens) assertRefused(await get(token), token);
    assert.equal(provider.jwksFetches, 1);
    assert.equal(outageWarnings(), 1);
    assert.ok(
      logLines.every((line) => (JSON.parse(line) as { level: number; msg: string }).level < 40 || /identity provider/.test(line)),
      'no other warning per request',
    );
  });

  it('when the provider is back and the cooldown has passed, then tokens are accepted again', async () => {
    provider.down = false;
    await sleep(COOLDOWN_MS + 100);
    assert.equal((await get(await provider.mint())).status, 200);
    assert.equal(provider.jwksFetches, 2);
  });
});

describe('JWT access tokens, keys from a JWKS file (closed network)', () => {
  let provider: IdentityProvider;
  let server: TestServer;
  const get = (token: string) => listWith(server, token);

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-file'), await signingKey('ES256', 'ec-file')]);
    server = await startTestServer('jwt-file', provider.env('file'));
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  it('when valid RS256 and ES256 tokens are sent, then 200, and the JWKS URL is never fetched', async () => {
    for (const key of provider.keys) assert.equal((await get(await provider.mint({ key }))).status, 200, key.alg);
    assert.equal(provider.jwksFetches, 0);
  });

  it('when a token names a kid the file does not have, or is signed by another key, then 401 invalid_token', async () => {
    const stranger = await signingKey('RS256', 'rsa-file');
    for (const token of [await provider.mint({ kid: 'unknown' }), await provider.mint({ key: stranger })]) assertRefused(await get(token), token);
  });

  it('when only JWT is configured (no API_TOKENS), then operations ask for a token: none gets 401', async () => {
    assertProblem(await request(server.baseUrl, 'GET', '/users', { headers: client() }), 401, 'UNAUTHORIZED');
  });
});

describe('JWT access tokens, keys found by OpenID Connect discovery (OIDC_ISSUER_URL)', () => {
  let provider: IdentityProvider;
  let server: TestServer;
  const get = (token: string) => listWith(server, token);

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('RS256', 'rsa-oidc')]);
    server = await startTestServer('jwt-discovery', { ...provider.env('discovery'), JWT_JWKS_COOLDOWN_MS: String(COOLDOWN_MS) });
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  it('when the service starts, then it has not asked the provider anything yet (it starts while the provider is away)', () => {
    assert.equal(provider.discoveryFetches, 0);
  });

  it('when tokens of the discovered issuer arrive, then 200, with one look-up of the discovery document and of the key set', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(await provider.mint({ issuer: provider.discoveryIssuer }))).status, 200);
    assert.equal(provider.discoveryFetches, 1);
    assert.equal(provider.jwksFetches, 1);
  });

  it('when a token carries the configured issuer spelled otherwise (a trailing slash), then 401 invalid_token', async () => {
    const token = await provider.mint({ issuer: `${provider.discoveryIssuer}/` });
    assertRefused(await get(token), token);
  });
});

describe('OpenID Connect discovery that cannot be trusted', () => {
  let provider: IdentityProvider;
  let server: TestServer;
  const get = (token: string) => listWith(server, token);

  before(async () => {
    provider = await IdentityProvider.start([await signingKey('ES256', 'ec-oidc')]);
    provider.claimedIssuer = 'https://impostor.example.com';
    server = await startTestServer('jwt-discovery-impostor', { ...provider.env('discovery'), JWT_JWKS_COOLDOWN_MS: String(COOLDOWN_MS) });
  });
  after(async () => {
    await server.close();
    await provider.stop();
  });

  it('when the discovery document names another issuer, then its keys are not used: 401, looked up again only after the cooldown', async () => {
    const token = await provider.mint({ issuer: provider.discoveryIssuer });
    assertRefused(await get(token), token);
    assertRefused(await get(token), token);
    assert.equal(provider.discoveryFetches, 1);
    assert.equal(provider.jwksFetches, 0);
    await sleep(COOLDOWN_MS + 100);
    provider.claimedIssuer = undefined;
    assert.equal((await get(token)).status, 200);
    assert.equal(provider.discoveryFetches, 2);
  });
});
