import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

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
