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
