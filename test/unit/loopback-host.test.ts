import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { AppError } from '../../src/errors/app-error.js';
import { loopbackHostOnly, misdirectedRequestDetail, parseAuthority } from '../../src/http/middleware/loopback-host.js';

describe('parsing a Host value', () => {
  it('when it is a name or an IPv4 address, with or without a port, then host (lower case) and port', () => {
    assert.deepEqual(parseAuthority('localhost:5000'), { host: 'localhost', bracketed: false, port: 5000 });
    assert.deepEqual(parseAuthority('LocalHost'), { host: 'localhost', bracketed: false, port: undefined });
    assert.deepEqual(parseAuthority('127.0.0.1:80'), { host: '127.0.0.1', bracketed: false, port: 80 });
    assert.deepEqual(parseAuthority('Evil.Example:65535'), { host: 'evil.example', bracketed: false, port: 65535 });
    assert.deepEqual(parseAuthority('127.0.0.1:05000'), { host: '127.0.0.1', bracketed: false, port: 5000 }, 'a port is *DIGIT (RFC 3986)');
  });

  it('when it is a bracketed IPv6 address, then the address without brackets, and the port', () => {
    assert.deepEqual(parseAuthority('[::1]:5000'), { host: '::1', bracketed: true, port: 5000 });
    assert.deepEqual(parseAuthority('[::1]'), { host: '::1', bracketed: true, port: undefined });
    assert.deepEqual(parseAuthority('[::FFFF:127.0.0.1]:1'), { host: '::ffff:127.0.0.1', bracketed: true, port: 1 });
  });

  it('when it is malformed, then undefined', () => {
    for (const value of [
      '',
      ':5000',
      'localhost:',
      'localhost:50a0',
      'localhost:65536',
      'localhost:123456',
      'localhost:5000:5000',
      '::1',
      '::1:5000',
      '[::1',
      '[::1]5000',
      '[::1]:',
      '[127.0.0.1]:5000',
      '[evil.example]:5000',
      'local host:5000',
      'user@localhost:5000',
      'localhost/x:5000',
      'localhost\t:5000',
    ]) {
      assert.equal(parseAuthority(value), undefined, JSON.stringify(value));
    }
  });

  it('when it is longer than any host and port (up to a 16 KiB header of brackets, colons or name), then undefined at once', () => {
    for (const value of ['['.repeat(16 * 1024), ':'.repeat(16 * 1024), `${'a'.repeat(16 * 1024)}:5000`, `[${'0:'.repeat(5000)}1]:5000`]) {
      assert.equal(parseAuthority(value), undefined);
    }
    assert.deepEqual(parseAuthority(`${'a'.repeat(253)}:65535`)?.port, 65535, 'the longest name and port still parse');
  });
});

describe('the Host check of local mode', () => {
  type Fake = { headers?: Record<string, string>; raw?: string[]; url?: string; port?: number | undefined; address?: string };
  /** What the check decides for a request: passed on, or the problem it is refused with. */
  function decide(fake: Fake, host = '127.0.0.1'): 'next' | AppError {
    const { headers = {}, raw, url = '/users', address = '127.0.0.1' } = fake;
    const port = 'port' in fake ? fake.port : 5000;
    const req = {
      headers,
      rawHeaders: raw ?? Object.entries(headers).flat(),
      originalUrl: url,
      socket: { localPort: port, localAddress: address },
    } as unknown as Request;
    let outcome: 'next' | AppError | undefined;
    loopbackHostOnly({ host })(req, {} as never, (error?: unknown) => {
      outcome = error === undefined ? 'next' : (error as AppError);
    });
    assert.ok(outcome !== undefined, 'the check called next');
    return outcome;
  }
  const refused = (fake: Fake, host?: string) => {
    const outcome = decide(fake, host);
    assert.ok(outcome instanceof AppError && outcome.code === 'MISDIRECTED_REQUEST', `${JSON.stringify(fake)} was let through`);
    return outcome;
  };

  it('when the Host is a loopback address or localhost with the local port, then the request passes', () => {
    for (const host of [
      '127.0.0.1:5000',
      '127.1.2.3:5000',
      'localhost:5000',
      'LOCALHOST:5000',
      '[::1]:5000',
      '[0:0:0:0:0:0:0:1]:5000',
      '[::ffff:127.0.0.1]:5000',
    ]) {
      assert.equal(decide({ headers: { host } }), 'next', host);
    }
  });

  it('when the Host names another host, another port, or no port while the server is not on 80, then MISDIRECTED_REQUEST', () => {
    for (const host of [
      'evil.example:5000',
      '10.0.0.1:5000',
      '[::2]:5000',
      '[::ffff:10.0.0.1]:5000',
      '0.0.0.0:5000',
      '127.0.0.1:5001',
      'localhost',
      '127.0.0.1',
      'localhost.:5000',
      'sub.localhost:5000',
      '127.000.000.001:5000',
    ]) {
      refused({ headers: { host } });
    }
  });

  it('when the server is on port 80, then a Host without a port passes, and with :80 too', () => {
    assert.equal(decide({ headers: { host: 'localhost' }, port: 80 }), 'next');
    assert.equal(decide({ headers: { host: '127.0.0.1:80' }, port: 80 }), 'next');
    refused({ headers: { host: '127.0.0.1:5000' }, port: 80 });
  });

  it('when HOST is a name (checked at start to be loopback), then that name passes too; otherwise it does not', () => {
    assert.equal(decide({ headers: { host: 'users-api.local:5000' } }, 'Users-API.local'), 'next');
    refused({ headers: { host: 'users-api.local:5000' } });
  });

  it('when there is no Host, two of them, or the local port is unknown (the socket is gone), then MISDIRECTED_REQUEST', () => {
    refused({ headers: {} });
    refused({ headers: { host: '127.0.0.1:5000' }, raw: ['Host', '127.0.0.1:5000', 'host', 'evil.example:5000'] });
    refused({ headers: { host: '127.0.0.1:5000' }, port: undefined });
  });

  it('when the target is in absolute form, then its authority counts, not the Host (RFC 9112 §3.2.2)', () => {
    refused({ headers: { host: '127.0.0.1:5000' }, url: 'http://evil.example:5000/users' });
    refused({ headers: { host: '127.0.0.1:5000' }, url: 'http://user@127.0.0.1:5000/users' });
    assert.equal(decide({ headers: { host: 'evil.example:5000' }, url: 'http://127.0.0.1:5000/users?limit=1' }), 'next');
    assert.equal(decide({ headers: { host: '127.0.0.1:5000' }, url: '*' }), 'next', 'OPTIONS * uses the Host');
  });

  it('when HTTP/2 sends :authority, then it counts; a Host beside it must agree', () => {
    assert.equal(decide({ headers: { ':authority': 'localhost:5000' } }), 'next');
    refused({ headers: { ':authority': 'evil.example:5000' } });
    refused({ headers: { ':authority': 'localhost:5000', host: 'evil.example:5000' } });
  });

  it('when a request is refused, then the detail names the Hosts this server answers, never the one sent', () => {
    const problem = refused({ headers: { host: 'evil.example:5000' } });
    assert.equal(
      problem.detail,
      'This server runs in local mode and answers only requests addressed to its loopback address: Host 127.0.0.1:5000 or localhost:5000.',
    );
    assert.equal(
      refused({ headers: { host: 'evil.example:8080' }, port: 8080, address: '::1' }, 'users-api.local').detail,
      'This server runs in local mode and answers only requests addressed to its loopback address: Host [::1]:8080, localhost:8080 or users-api.local:8080.',
    );
    assert.equal(
      misdirectedRequestDetail(undefined, undefined, ['localhost']),
      'This server runs in local mode and answers only requests addressed to its loopback address.',
    );
  });
});
