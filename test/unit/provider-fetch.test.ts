import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrustedKeySource, ProviderCoolingDown, providerFetch } from '../../src/auth/provider-fetch.js';
import { createLogger } from '../../src/logger.js';

/** A provider fetch over a fake network and clock; `answers` is what each fetch gets in turn. */
function setUp(answers: (number | 'network-error')[]) {
  let clock = 1_000_000;
  let fetches = 0;
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger('trace', { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const fake: typeof fetch = async () => {
    const answer = answers[fetches++] ?? 200;
    if (answer === 'network-error') throw new TypeError('fetch failed');
    return new Response('{}', { status: answer });
  };
  const provider = providerFetch({ cooldownMs: 30_000, logger, now: () => clock, fetch: fake });
  return { provider, fetches: () => fetches, warnings: () => lines.filter((line) => line.level === 40), advance: (ms: number) => (clock += ms) };
}

describe('fetches from the identity provider', () => {
  it('when a fetch answers 404, then nothing is fetched for the cooldown, whatever the number of callers, and it is logged once', async () => {
    const { provider, fetches, warnings } = setUp([404]);
    assert.equal((await provider.fetch('https://idp.example.com/jwks.json')).status, 404);
    for (let i = 0; i < 50; i++) await assert.rejects(provider.fetch('https://idp.example.com/jwks.json'), ProviderCoolingDown);
    assert.equal(fetches(), 1);
    assert.equal(warnings().length, 1);
  });

  it('when the network fails, then the same cooldown applies; after it, one fetch is tried again', async () => {
    const { provider, fetches, warnings, advance } = setUp(['network-error', 'network-error', 200]);
    await assert.rejects(provider.fetch('https://idp.example.com/jwks.json'), TypeError);
    advance(29_999);
    await assert.rejects(provider.fetch('https://idp.example.com/jwks.json'), ProviderCoolingDown);
    advance(1);
    await assert.rejects(provider.fetch('https://idp.example.com/jwks.json'), TypeError);
    advance(30_000);
    assert.equal((await provider.fetch('https://idp.example.com/jwks.json')).status, 200);
    assert.equal(fetches(), 3);
    assert.equal(warnings().length, 2, 'one line per cooldown');
  });

  it('when fetches succeed, then there is no cooldown and nothing is logged', async () => {
    const { provider, fetches, warnings } = setUp([200, 200, 200]);
    for (let i = 0; i < 3; i++) assert.equal((await provider.fetch('https://idp.example.com/jwks.json')).status, 200);
    assert.equal(fetches(), 3);
    assert.equal(warnings().length, 0);
  });

  it('when a document is found unusable (not the issuer, no https jwks_uri), then that starts the cooldown too', async () => {
    const { provider, fetches } = setUp([200]);
    provider.failed('https://idp.example.com/.well-known/openid-configuration', 'discovery document names another issuer');
    await assert.rejects(provider.fetch('https://idp.example.com/.well-known/openid-configuration'), ProviderCoolingDown);
    assert.equal(fetches(), 0);
  });

  it('when a key source is https, or plain http on loopback, then it is trusted; plain http elsewhere, or another scheme, is not', () => {
    for (const url of ['https://idp.example.com/jwks', 'http://127.0.0.1:8080/jwks', 'http://127.1.2.3/jwks', 'http://localhost/jwks', 'http://[::1]/jwks'])
      assert.equal(isTrustedKeySource(new URL(url)), true, url);
    for (const url of [
      'http://idp.example.com/jwks',
      'http://10.0.0.1/jwks',
      'http://localhost.evil.example/jwks',
      'ftp://idp.example.com/jwks',
      'http://127.0.0.1.evil.example/jwks',
    ])
      assert.equal(isTrustedKeySource(new URL(url)), false, url);
  });
});
