import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { asksForTokens, ConfigError, loadConfig, localModeListenAddress, type LookupAll } from '../../src/config.js';

const minimal = { MONGODB_URI: 'mongodb://127.0.0.1:27017/' };

describe('configuration', () => {
  it('when only MONGODB_URI is set, then the documented defaults apply', () => {
    const config = loadConfig(minimal);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 5000);
    assert.equal(config.mongodbDb, 'users_api');
    assert.equal(config.validateResponses, false);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.dbTimeoutMs, 3000);
    assert.equal(config.dbRetryMaxMs, 5000);
    assert.equal(config.shutdownGraceMs, 10_000);
    assert.equal(config.shutdownDrainMs, 0);
  });

  it('when SHUTDOWN_DRAIN_MS is at most half of SHUTDOWN_GRACE_MS, then it is used; more, or not a whole number, is refused by name', () => {
    assert.equal(loadConfig({ ...minimal, SHUTDOWN_DRAIN_MS: '5000' }).shutdownDrainMs, 5000);
    assert.equal(loadConfig({ ...minimal, SHUTDOWN_DRAIN_MS: '3000', SHUTDOWN_GRACE_MS: '6000' }).shutdownDrainMs, 3000);
    for (const env of [
      { SHUTDOWN_DRAIN_MS: '5001' },
      { SHUTDOWN_DRAIN_MS: '2000', SHUTDOWN_GRACE_MS: '3000' },
      { SHUTDOWN_DRAIN_MS: '-1' },
      { SHUTDOWN_DRAIN_MS: '1.5' },
    ]) {
      assert.throws(
        () => loadConfig({ ...minimal, ...env }),
        (error: unknown) => error instanceof ConfigError && /SHUTDOWN_DRAIN_MS/.test(error.message),
        JSON.stringify(env),
      );
    }
  });

  it('when no OTLP endpoint is set (or it is empty), then tracing is off and the service name is users-api', () => {
    assert.equal(loadConfig(minimal).otlpEndpoint, undefined);
    assert.equal(loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: '' }).otlpEndpoint, undefined);
    assert.equal(loadConfig(minimal).otelServiceName, 'users-api');
  });

  it('when OTEL_EXPORTER_OTLP_ENDPOINT is an http URL, then it is used; anything else is refused by name', () => {
    const config = loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'users-api-eu' });
    assert.equal(config.otlpEndpoint, 'http://collector:4318');
    assert.equal(config.otelServiceName, 'users-api-eu');
    for (const value of ['collector:4318', 'grpc://collector:4317']) {
      assert.throws(
        () => loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: value }),
        (error: unknown) => error instanceof ConfigError && /OTEL_EXPORTER_OTLP_ENDPOINT/.test(error.message),
      );
    }
  });

  it('when RATE_LIMIT_STORE is unset, then the limits count in memory; database is accepted and anything else is refused by name', () => {
    assert.equal(loadConfig(minimal).rateLimits.store, 'memory');
    assert.equal(loadConfig({ ...minimal, RATE_LIMIT_STORE: 'database' }).rateLimits.store, 'database');
    assert.throws(
      () => loadConfig({ ...minimal, RATE_LIMIT_STORE: 'redis' }),
      (error: unknown) => error instanceof ConfigError && /RATE_LIMIT_STORE/.test(error.message),
    );
  });

  it('when PORT is 0, then it is accepted (a free port)', () => {
    assert.equal(loadConfig({ ...minimal, PORT: '0' }).port, 0);
  });

  it('when MONGODB_URI is missing, then a ConfigError names it and says what it is for', () => {
    assert.throws(
      () => loadConfig({}),
      (error: unknown) => error instanceof ConfigError && /MONGODB_URI/.test(error.message) && /npm start/.test(error.message),
    );
  });

  it('when several values are invalid, then every bad key is named at once', () => {
    assert.throws(
      () => loadConfig({ ...minimal, PORT: '70000', LOG_LEVEL: 'loud', SHUTDOWN_GRACE_MS: '-1' }),
      (error: unknown) => error instanceof ConfigError && ['PORT', 'LOG_LEVEL', 'SHUTDOWN_GRACE_MS'].every((key) => error.message.includes(key)),
    );
  });
});

describe('configuration of JWT access tokens', () => {
  const jwt = { JWT_ISSUER: 'https://idp.example.com/', JWT_AUDIENCE: 'users-api', JWT_JWKS_URL: 'https://idp.example.com/jwks.json' };
  const refused = (env: Record<string, string>, ...patterns: RegExp[]) =>
    assert.throws(
      () => loadConfig({ ...minimal, ...env }),
      (error: unknown) => error instanceof ConfigError && patterns.every((pattern) => pattern.test(error.message)),
    );
  const files = mkdtempSync(join(tmpdir(), 'config-jwks-'));
  after(() => rmSync(files, { recursive: true, force: true }));
  let written = 0;
  const jwksFile = (content: string) => {
    const path = join(files, `jwks-${written++}.json`);
    writeFileSync(path, content);
    return path;
  };

  it('when no JWT key is set, then JWT is off, and without API_TOKENS the service is in local mode', () => {
    const config = loadConfig(minimal);
    assert.equal(config.jwt, undefined);
    assert.equal(asksForTokens(config), false);
  });

  it('when issuer, audience and a JWKS URL are set, then JWT is on with the documented defaults', () => {
    const config = loadConfig({ ...minimal, ...jwt });
    assert.deepEqual(config.jwt, {
      issuer: 'https://idp.example.com/',
      audience: 'users-api',
      keys: { url: new URL('https://idp.example.com/jwks.json') },
      algorithms: ['RS256', 'ES256'],
      clockToleranceS: 30,
      jwksCooldownMs: 30_000,
      claims: { scope: 'scope', email: 'email', emailVerified: 'email_verified' },
    });
    assert.equal(asksForTokens(config), true);
  });

  it('when JWT is on without API_TOKENS, then the service may listen beyond loopback (it asks for tokens)', () => {
    assert.equal(loadConfig({ ...minimal, ...jwt, HOST: '0.0.0.0' }).host, '0.0.0.0');
  });

  it('when the tuning keys are set, then they are used; a negative tolerance or a zero cooldown is refused by name', () => {
    const config = loadConfig({ ...minimal, ...jwt, JWT_ALGORITHMS: 'PS256, EdDSA', JWT_CLOCK_TOLERANCE_S: '0', JWT_JWKS_COOLDOWN_MS: '500' });
    assert.deepEqual(config.jwt?.algorithms, ['PS256', 'EdDSA']);
    assert.equal(config.jwt?.clockToleranceS, 0);
    assert.equal(config.jwt?.jwksCooldownMs, 500);
    refused({ ...jwt, JWT_CLOCK_TOLERANCE_S: '-1' }, /JWT_CLOCK_TOLERANCE_S/);
    refused({ ...jwt, JWT_JWKS_COOLDOWN_MS: '0' }, /JWT_JWKS_COOLDOWN_MS/);
  });

  it('when the claim names are set (Entra-style scp), then they are used; a claim name with spaces or quotes is refused by name', () => {
    const config = loadConfig({
      ...minimal,
      ...jwt,
      JWT_SCOPE_CLAIM: 'scp',
      JWT_EMAIL_CLAIM: 'upn',
      JWT_EMAIL_VERIFIED_CLAIM: 'https://example.com/email_verified',
    });
    assert.deepEqual(config.jwt?.claims, { scope: 'scp', email: 'upn', emailVerified: 'https://example.com/email_verified' });
    refused({ ...jwt, JWT_SCOPE_CLAIM: 'scope scp' }, /JWT_SCOPE_CLAIM/);
    refused({ ...jwt, JWT_EMAIL_CLAIM: '"email"' }, /JWT_EMAIL_CLAIM/);
    refused({ ...jwt, JWT_EMAIL_VERIFIED_CLAIM: '' }, /JWT_EMAIL_VERIFIED_CLAIM/);
  });

  it('when JWT_ALGORITHMS names none, an HS* algorithm or an unknown one, then it is refused and says why', () => {
    refused({ ...jwt, JWT_ALGORITHMS: 'none' }, /JWT_ALGORITHMS: "none" would accept unsigned tokens/);
    refused({ ...jwt, JWT_ALGORITHMS: 'RS256,HS256' }, /JWT_ALGORITHMS: "HS256" is symmetric/);
    refused({ ...jwt, JWT_ALGORITHMS: 'hs512' }, /JWT_ALGORITHMS: "hs512" is symmetric/);
    refused({ ...jwt, JWT_ALGORITHMS: 'RS255' }, /JWT_ALGORITHMS: "RS255" is not one of/);
    refused({ ...jwt, JWT_ALGORITHMS: ' , ' }, /JWT_ALGORITHMS: must name at least one/);
  });

  it('when only a JWKS URL is set, then the missing issuer and audience are each named as required with JWT', () => {
    refused(
      { JWT_JWKS_URL: jwt.JWT_JWKS_URL },
      /JWT_ISSUER: required when JWT is configured \(JWT_JWKS_URL is set\)/,
      /JWT_AUDIENCE: required when JWT is configured/,
    );
  });

  it('when issuer and audience are set but no key source, then the error asks for a JWKS URL, a file or discovery', () => {
    refused(
      { JWT_ISSUER: jwt.JWT_ISSUER, JWT_AUDIENCE: jwt.JWT_AUDIENCE },
      /JWT_JWKS_URL, JWT_JWKS_FILE or OIDC_ISSUER_URL: one is required when JWT is configured/,
    );
  });

  it('when both a JWKS URL and a JWKS file are set, then the error says to set exactly one source', () => {
    refused({ ...jwt, JWT_JWKS_FILE: jwksFile('{"keys":[{"kty":"EC"}]}') }, /JWT_JWKS_URL, JWT_JWKS_FILE: set exactly one source/);
  });

  it('when PUBLIC_BASE_URL is set, then it is kept without a trailing slash; one with credentials, a query, a fragment or another scheme is refused', () => {
    assert.equal(loadConfig({ ...minimal, PUBLIC_BASE_URL: 'https://api.example.com/users-api/' }).publicBaseUrl, 'https://api.example.com/users-api');
    assert.equal(loadConfig(minimal).publicBaseUrl, undefined);
    for (const bad of [
      'ftp://api.example.com',
      'https://user:pw@api.example.com',
      'https://api.example.com/?x=1',
      'https://api.example.com/#top',
      'not a url',
    ]) {
      refused({ PUBLIC_BASE_URL: bad }, /PUBLIC_BASE_URL: must be an http\(s\) URL/);
    }
  });

  it('when a key source is plain http to another machine, then it is refused (anyone on the path could hand over keys); loopback http is accepted', () => {
    refused(
      { ...jwt, JWT_JWKS_URL: 'http://idp.example.com/jwks.json' },
      /JWT_JWKS_URL: "http:\/\/idp.example.com\/jwks.json" is plain http to another machine/,
    );
    refused({ OIDC_ISSUER_URL: 'http://10.0.0.5/realms/users', JWT_AUDIENCE: 'users-api' }, /OIDC_ISSUER_URL: .* is plain http to another machine/);
    for (const local of ['http://127.0.0.1:8080/jwks.json', 'http://localhost/jwks.json', 'http://[::1]:9000/jwks.json']) {
      assert.ok(loadConfig({ ...minimal, ...jwt, JWT_JWKS_URL: local }).jwt, local);
    }
  });

  it('when OIDC_ISSUER_URL and an audience are set, then the issuer is that URL and the keys come from its discovery document', () => {
    const config = loadConfig({ ...minimal, OIDC_ISSUER_URL: 'https://keycloak.example.com/realms/users', JWT_AUDIENCE: jwt.JWT_AUDIENCE });
    assert.equal(config.jwt?.issuer, 'https://keycloak.example.com/realms/users');
    assert.deepEqual(config.jwt?.keys, { discovery: new URL('https://keycloak.example.com/realms/users/.well-known/openid-configuration') });
  });

  it('when OIDC_ISSUER_URL comes with another key source or another JWT_ISSUER, then each conflict is named', () => {
    refused(
      { ...jwt, OIDC_ISSUER_URL: 'https://other.example.com' },
      /JWT_JWKS_URL, OIDC_ISSUER_URL: set exactly one source/,
      /JWT_ISSUER, OIDC_ISSUER_URL: they differ/,
    );
    refused({ OIDC_ISSUER_URL: 'https://idp.example.com' }, /JWT_AUDIENCE: required when JWT is configured \(OIDC_ISSUER_URL is set\)/);
    refused({ OIDC_ISSUER_URL: 'ftp://idp.example.com', JWT_AUDIENCE: 'a' }, /OIDC_ISSUER_URL: must be an http or https URL/);
  });

  it('when JWT_JWKS_URL is not an http(s) URL, then it is refused by name', () => {
    refused({ ...jwt, JWT_JWKS_URL: 'file:///etc/jwks.json' }, /JWT_JWKS_URL: must be an http or https URL/);
  });

  it('when JWT_JWKS_FILE holds a key set, then its keys are read at start', () => {
    const file = jwksFile('{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","kid":"k1"}]}');
    const config = loadConfig({ ...minimal, JWT_ISSUER: jwt.JWT_ISSUER, JWT_AUDIENCE: jwt.JWT_AUDIENCE, JWT_JWKS_FILE: file });
    assert.deepEqual(config.jwt?.keys, { file, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', kid: 'k1' }] } });
  });

  it('when JWT_JWKS_FILE is missing, not JSON or not a key set, then it is refused by name with the reason', () => {
    const base = { JWT_ISSUER: jwt.JWT_ISSUER, JWT_AUDIENCE: jwt.JWT_AUDIENCE };
    refused({ ...base, JWT_JWKS_FILE: join(tmpdir(), 'no-such-dir-for-config-test', 'jwks.json') }, /JWT_JWKS_FILE: cannot read .* \(ENOENT\)/);
    refused({ ...base, JWT_JWKS_FILE: jwksFile('not json') }, /JWT_JWKS_FILE: cannot read .* \(not JSON\)/);
    refused({ ...base, JWT_JWKS_FILE: jwksFile('{"keys":[]}') }, /JWT_JWKS_FILE: .* is not a JSON Web Key Set/);
  });
});

describe('configuration of TRUST_PROXY', () => {
  const trusted = (value: string) => loadConfig({ ...minimal, TRUST_PROXY: value }).trustProxy;
  const refused = (value: string, ...patterns: RegExp[]) =>
    assert.throws(
      () => loadConfig({ ...minimal, TRUST_PROXY: value }),
      (error: unknown) => error instanceof ConfigError && /TRUST_PROXY: /.test(error.message) && patterns.every((pattern) => pattern.test(error.message)),
      `TRUST_PROXY=${value} is refused`,
    );

  it('when TRUST_PROXY is not set, then only loopback proxies are trusted', () => {
    assert.equal(loadConfig(minimal).trustProxy, 'loopback');
  });

  it('when TRUST_PROXY names loopback, linklocal or uniquelocal, then each is passed to Express as written', () => {
    for (const name of ['loopback', 'linklocal', 'uniquelocal']) assert.equal(trusted(name), name);
  });

  it('when TRUST_PROXY lists plain IPv4 and IPv6 addresses (IPv4-mapped ones too), then they are trusted, the entries trimmed', () => {
    assert.equal(trusted('10.1.2.3'), '10.1.2.3');
    assert.equal(trusted(' 10.1.2.3 , ::1,fe80::1%eth0,::ffff:10.1.2.3, loopback ,'), '10.1.2.3,::1,fe80::1%eth0,::ffff:10.1.2.3,loopback');
    assert.equal(trusted('0.0.0.0'), '0.0.0.0', 'one address, however odd, is not a range');
  });

  it('when an IPv4 subnet has a prefix of /8 or longer, as a length or a netmask, then it is trusted', () => {
    for (const subnet of [
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.1.0/24',
      '10.1.2.3/32',
      '10.0.0.0/255.0.0.0',
      '192.168.0.0/255.255.0.0',
      '10.1.2.3/255.255.255.255',
    ]) {
      assert.equal(trusted(subnet), subnet);
    }
  });

  it('when an IPv6 subnet has a prefix of /16 or longer and leaves IPv4 out, or is an IPv4-mapped subnet of /104 or longer, then it is trusted', () => {
    for (const subnet of [
      'fd12:3456::/32',
      '2001:db8::/16',
      'fe80::/64',
      '::1/128',
      '::/96',
      '::ffff:10.0.0.0/104',
      '::ffff:192.168.1.0/120',
      '::ffff:a00:0/104',
    ]) {
      assert.equal(trusted(subnet), subnet);
    }
  });

  it('when TRUST_PROXY is a hop count from 1 to 5, then it is passed as a number; 0 and false both mean no proxy', () => {
    assert.equal(trusted('1'), 1);
    assert.equal(trusted('5'), 5);
    assert.equal(trusted('0'), false);
    assert.equal(trusted('false'), false);
    assert.equal(trusted('FALSE'), false);
  });

  it('when TRUST_PROXY is true, then it is refused, saying why and to name the proxies', () => {
    refused('true', /would let any client choose its address/, /name the proxies \(e\.g\. loopback, 10\.0\.0\.0\/8/);
    refused(' TRUE ', /would let any client choose its address/);
  });

  it('when a hop count is above 5, then it is refused, saying that the client writes the entries past the real proxies', () => {
    refused('6', /a hop count of 6 trusts X-Forwarded-For entries the client wrote itself whenever fewer than 6 proxies/, /1 to 5/);
    refused('100', /a hop count of 100/);
  });

  it('when an IPv4 subnet spans everyone or nearly (0.0.0.0/0, 0.0.0.0/1, … /7, or such a netmask), then it is refused with the share it spans', () => {
    refused('0.0.0.0/0', /"0\.0\.0\.0\/0" spans every IPv4 address/, /\/8 or longer \(e\.g\. 10\.0\.0\.0\/8\)/);
    refused('0.0.0.0/1', /"0\.0\.0\.0\/1" spans half of all IPv4 addresses/);
    refused('128.0.0.0/1', /half of all IPv4 addresses/);
    refused('10.0.0.0/7', /1\/128 of all IPv4 addresses/);
    refused('0.0.0.0/0.0.0.0', /spans every IPv4 address/);
    refused('10.0.0.0/254.0.0.0', /1\/128 of all IPv4 addresses/);
    refused('loopback,0.0.0.0/0', /"0\.0\.0\.0\/0" spans every IPv4 address/);
  });

  it('when an IPv6 subnet is shorter than /16 (::/0, ::/1, fc00::/7), then it is refused with the share it spans', () => {
    refused('::/0', /"::\/0" spans every IPv6 address/, /\/16 or longer/, /uniquelocal/);
    refused('::/1', /half of all IPv6 addresses/);
    refused('8000::/1', /half of all IPv6 addresses/);
    refused('fc00::/7', /1\/128 of all IPv6 addresses/);
    refused('2000::/15', /1\/32768 of all IPv6 addresses/);
  });

  it('when an IPv6 subnet holds all of ::ffff:0:0/96 (every IPv4 address, mapped), then it is refused', () => {
    for (const subnet of ['::/16', '::/80', '::ffff:0:0/96', '::fffe:0:0/95', '::ffff:10.0.0.0/96']) {
      refused(subnet, new RegExp(`"${subnet.replace(/[.]/g, '\\.')}" holds ::ffff:0:0/96, every IPv4 address`), /e\.g\. 10\.0\.0\.0\/8/);
    }
  });

  it('when an IPv4-mapped subnet is shorter than /104 (an IPv4 /8), then it is refused as the IPv4 subnet it is', () => {
    refused(
      '::ffff:0.0.0.0/97',
      /"::ffff:0\.0\.0\.0\/97" is an IPv4 subnet in IPv6 form, \/1 as IPv4, and spans half of all IPv4 addresses/,
      /\/104 or longer/,
    );
    refused('::ffff:10.0.0.0/103', /\/7 as IPv4/);
  });

  it('when a subnet has no valid prefix (too long, not a number, a non-contiguous or IPv6 netmask), then it is refused saying what comes after the /', () => {
    refused('10.0.0.0/33', /"10\.0\.0\.0\/33": after the \/ comes a prefix length from 0 to 32 or a netmask/);
    refused('10.0.0.0/', /after the \/ comes a prefix length from 0 to 32/);
    refused('10.0.0.0/255.0.255.0', /after the \/ comes a prefix length from 0 to 32 or a netmask such as 255\.255\.0\.0/);
    refused('10.0.0.0/8/8', /after the \/ comes a prefix length/);
    refused('fd00::/129', /"fd00::\/129": after the \/ comes a prefix length from 0 to 128/);
    refused('fd00::/ffff::', /from 0 to 128/);
  });

  it('when an entry is neither a name, an address nor a subnet, then it is refused by name with the names it may be', () => {
    for (const entry of ['proxy.internal', 'Loopback', '[::1]', '010.0.0.1', '10.0.0', '1,loopback', 'loopback/8', '*']) {
      refused(entry, new RegExp(`is not an IP address, a subnet \\(address/prefix\\) or one of loopback, linklocal, uniquelocal`));
    }
  });

  it('when TRUST_PROXY is empty or only commas, then it is refused, saying to name the proxies or write false', () => {
    refused('', /is empty; name the proxies/, /write false for none/);
    refused(' , ', /is empty/);
  });
});

describe('HOST in local mode (no token asked)', () => {
  /** A resolver that knows only these names (the machine's is not consulted). */
  const resolver =
    (names: Record<string, string[]>): LookupAll =>
    async (hostname) => {
      const addresses = names[hostname];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const refusedWith = (pattern: RegExp) => (error: unknown) =>
    error instanceof ConfigError && pattern.test(error.message) && /API_TOKENS is empty/.test(error.message);

  it('when HOST is a non-loopback address, then loading the configuration refuses it at once; a name waits for its look-up', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '']) {
      assert.throws(() => loadConfig({ ...minimal, HOST: host }), refusedWith(/HOST: .* is reachable from other machines/), host);
    }
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'some-name.example']) {
      assert.equal(loadConfig({ ...minimal, HOST: host }).host, host);
    }
  });

  it('when HOST is a loopback address, then it is listened on as it is, without a look-up', async () => {
    const lookup: LookupAll = async () => assert.fail('an address needs no look-up');
    for (const host of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1']) assert.equal(await localModeListenAddress(host, lookup), host);
  });

  it('when HOST is a name whose every address is loopback (an /etc/hosts alias), then its first address is listened on', async () => {
    const lookup = resolver({ 'users-api.local': ['127.0.0.2', '::1'], 'v6-only': ['::1'], mapped: ['::ffff:127.0.0.1'] });
    assert.equal(await localModeListenAddress('users-api.local', lookup), '127.0.0.2');
    assert.equal(await localModeListenAddress('v6-only', lookup), '::1');
    assert.equal(await localModeListenAddress('mapped', lookup), '::ffff:127.0.0.1');
  });

  it('when HOST is a name with any address beyond loopback, then it is refused naming those addresses, whatever the name', async () => {
    const lookup = resolver({ localhost: ['127.0.0.1', '192.168.1.20'], rebound: ['10.0.0.5'], mapped: ['::ffff:10.0.0.5', '::1'] });
    await assert.rejects(
      localModeListenAddress('localhost', lookup),
      refusedWith(/HOST: "localhost" resolves to 192\.168\.1\.20, which other machines can reach/),
    );
    await assert.rejects(localModeListenAddress('rebound', lookup), refusedWith(/"rebound" resolves to 10\.0\.0\.5,/));
    await assert.rejects(localModeListenAddress('mapped', lookup), refusedWith(/"mapped" resolves to ::ffff:10\.0\.0\.5,/));
  });

  it('when HOST is a name that does not resolve, or resolves to nothing, then it is refused and says so', async () => {
    await assert.rejects(localModeListenAddress('users-api.invalid', resolver({})), refusedWith(/HOST: "users-api\.invalid" does not resolve \(ENOTFOUND\)/));
    await assert.rejects(localModeListenAddress('empty', resolver({ empty: [] })), refusedWith(/"empty" resolves to no address/));
  });

  it("when HOST is localhost, then this machine's resolver gives loopback addresses only, and one of them is listened on", async () => {
    const address = await localModeListenAddress('localhost');
    assert.ok(['127.0.0.1', '::1'].includes(address) || address.startsWith('127.'), address);
  });
});
