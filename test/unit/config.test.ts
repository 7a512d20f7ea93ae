import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { asksForTokens, ConfigError, loadConfig } from '../../src/config.js';

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
      assert.throws(() => loadConfig({ ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: value }), (error: unknown) => error instanceof ConfigError && /OTEL_EXPORTER_OTLP_ENDPOINT/.test(error.message));
    }
  });

  it('when PORT is 0, then it is accepted (a free port)', () => {
    assert.equal(loadConfig({ ...minimal, PORT: '0' }).port, 0);
  });

  it('when MONGODB_URI is missing, then a ConfigError names it and says what it is for', () => {
    assert.throws(() => loadConfig({}), (error: unknown) => error instanceof ConfigError && /MONGODB_URI/.test(error.message) && /npm start/.test(error.message));
  });

  it('when several values are invalid, then every bad key is named at once', () => {
    assert.throws(
      () => loadConfig({ ...minimal, PORT: '70000', LOG_LEVEL: 'loud', SHUTDOWN_GRACE_MS: '-1' }),
      (error: unknown) =>
        error instanceof ConfigError && ['PORT', 'LOG_LEVEL', 'SHUTDOWN_GRACE_MS'].every((key) => error.message.includes(key)),
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
  const jwksFile = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'config-jwks-')), 'jwks.json');
    writeFileSync(path, content);
    return path;
  };

  it('when no JWT key is set, then JWT is off, and without API_TOKENS the service is in protected mode', () => {
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
    const config = loadConfig({ ...minimal, ...jwt, JWT_SCOPE_CLAIM: 'scp', JWT_EMAIL_CLAIM: 'upn', JWT_EMAIL_VERIFIED_CLAIM: 'https://example.com/email_verified' });
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
    refused({ JWT_JWKS_URL: jwt.JWT_JWKS_URL }, /JWT_ISSUER: required when JWT is configured \(JWT_JWKS_URL is set\)/, /JWT_AUDIENCE: required when JWT is configured/);
  });

  it('when issuer and audience are set but no key source, then the error asks for a JWKS URL, a file or discovery', () => {
    refused({ JWT_ISSUER: jwt.JWT_ISSUER, JWT_AUDIENCE: jwt.JWT_AUDIENCE }, /JWT_JWKS_URL, JWT_JWKS_FILE or OIDC_ISSUER_URL: one is required when JWT is configured/);
  });

  it('when both a JWKS URL and a JWKS file are set, then the error says to set exactly one source', () => {
    refused({ ...jwt, JWT_JWKS_FILE: jwksFile('{"keys":[{"kty":"EC"}]}') }, /JWT_JWKS_URL, JWT_JWKS_FILE: set exactly one source/);
  });

  it('when OIDC_ISSUER_URL and an audience are set, then the issuer is that URL and the keys come from its discovery document', () => {
    const config = loadConfig({ ...minimal, OIDC_ISSUER_URL: 'https://keycloak.example.com/realms/users', JWT_AUDIENCE: jwt.JWT_AUDIENCE });
    assert.equal(config.jwt?.issuer, 'https://keycloak.example.com/realms/users');
    assert.deepEqual(config.jwt?.keys, { discovery: new URL('https://keycloak.example.com/realms/users/.well-known/openid-configuration') });
  });

  it('when OIDC_ISSUER_URL comes with another key source or another JWT_ISSUER, then each conflict is named', () => {
    refused({ ...jwt, OIDC_ISSUER_URL: 'https://other.example.com' }, /JWT_JWKS_URL, OIDC_ISSUER_URL: set exactly one source/, /JWT_ISSUER, OIDC_ISSUER_URL: they differ/);
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
