import { isIP } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../errors/app-error.js';
import { isLoopbackAddress } from '../../loopback-address.js';

/** A request's authority (RFC 9110 §7.2): its host in lower case (an IPv6 address without its brackets) and its port, if it names one. */
export type Authority = { host: string; bracketed: boolean; port: number | undefined };

// The longest authority worth reading: a 253-character name, ":" and a port. Anything longer
// names no host of this server; it is refused before any of it is scanned (a header may be 16 KiB).
const MAX_AUTHORITY_LENGTH = 253 + 1 + 5;
// RFC 3986 reg-name characters (unreserved, sub-delims, pct-encoded): one class, so the test is
// linear in the (bounded) input.
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=%]+$/;
const PORT = /^[0-9]{1,5}$/;
const SLASH = 0x2f;
const OPEN_BRACKET = 0x5b;

/**
 * Splits a Host value (`uri-host [ ":" port ]`) into host and port, or undefined when it is none:
 * empty, too long, an unclosed or non-IPv6 `[…]`, a colon outside brackets (an IPv6 address
 * must be bracketed), an empty, non-numeric or out-of-range port, or stray characters.
 */
export function parseAuthority(value: string): Authority | undefined {
  if (value.length === 0 || value.length > MAX_AUTHORITY_LENGTH) return undefined;
  let host: string;
  let rest: string;
  const bracketed = value.charCodeAt(0) === OPEN_BRACKET;
  if (bracketed) {
    const close = value.indexOf(']');
    if (close < 0) return undefined;
    host = value.slice(1, close);
    if (isIP(host) !== 6) return undefined;
    rest = value.slice(close + 1);
  } else {
    const colon = value.indexOf(':');
    host = colon < 0 ? value : value.slice(0, colon);
    rest = colon < 0 ? '' : value.slice(colon);
    if (!REG_NAME.test(host)) return undefined;
  }
  if (rest === '') return { host: host.toLowerCase(), bracketed, port: undefined };
  const digits = rest.slice(1);
  if (rest.charCodeAt(0) !== 0x3a || !PORT.test(digits) || Number(digits) > 65535) return undefined;
  return { host: host.toLowerCase(), bracketed, port: Number(digits) };
}

/**
 * The authority a request is addressed to, as the client wrote it: an absolute-form target's
 * (RFC 9112 §3.2.2: it overrides Host), else HTTP/2's `:authority` (a Host beside it must agree,
 * RFC 9113 §8.3.1), else the one Host header. Several Host headers are no authority (RFC 9112
 * §3.2: a 400 case); Node keeps only the first in `req.headers`, so `rawHeaders` is counted.
 * Never `req.hostname`: Express takes that from X-Forwarded-Host when the peer is a trusted proxy,
 * which loopback is by default.
 */
function authorityOf(req: Request): string | undefined {
  const target = req.originalUrl;
  if (target.charCodeAt(0) !== SLASH && target !== '*') {
    const start = target.indexOf('://');
    if (start < 0) return undefined;
    let end = start + 3;
    while (end < target.length && target[end] !== '/' && target[end] !== '?' && target[end] !== '#') end++;
    return target.slice(start + 3, end);
  }
  let host: string | undefined;
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (name.length === 4 && name.toLowerCase() === 'host') {
      host = raw[i + 1];
      hosts++;
    }
  }
  if (hosts > 1) return undefined;
  const pseudo = req.headers[':authority'];
  if (typeof pseudo === 'string') return host === undefined || host === pseudo ? pseudo : undefined;
  return host;
}

/** Whether an authority names this server: a loopback address or name, with the port the connection came to (none: 80). */
function addressesThisServer(authority: Authority, localPort: number, names: ReadonlySet<string>): boolean {
  if (authority.port === undefined ? localPort !== 80 : authority.port !== localPort) return false;
  if (authority.bracketed || isIP(authority.host) === 4) return isLoopbackAddress(authority.host);
  return names.has(authority.host);
}

/** What a refused request is told: the Hosts this server answers, e.g. "127.0.0.1:5000 or localhost:5000". */
export function misdirectedRequestDetail(localAddress: string | undefined, localPort: number | undefined, names: Iterable<string>): string {
  const lead = 'This server runs in local mode and answers only requests addressed to its loopback address';
  if (localPort === undefined) return `${lead}.`;
  const address = localAddress === undefined ? '127.0.0.1' : isIP(localAddress) === 6 ? `[${localAddress}]` : localAddress;
  const hosts = [address, ...names].map((host) => `${host}:${localPort}`);
  const listed = hosts.length === 1 ? hosts[0] : `${hosts.slice(0, -1).join(', ')} or ${hosts.at(-1)}`;
  return `${lead}: Host ${listed}.`;
}

/**
 * Local mode asks for no token, so it must answer nobody but this machine. Listening on
 * loopback keeps other machines out, not web pages: a page on a name whose DNS answer turns to
 * 127.0.0.1 (DNS rebinding) makes the visitor's browser send same-origin requests here, with its
 * own name in Host, and read what they return. So every request must be addressed to this server
 * by a loopback address (127.x.y.z, [::1]) or name (`localhost`, and HOST when it is a name,
 * which server.ts has checked resolves to loopback only), with the port the connection was
 * accepted on; anything else is 421 MISDIRECTED_REQUEST (RFC 9110 §15.5.20), before any route.
 * An HTTP/1.1 request without Host never gets here: Node answers it 400 (RFC 9112 §3.2).
 */
export function loopbackHostOnly({ host }: { host: string }): RequestHandler {
  const names = new Set(['localhost']);
  if (host !== '' && isIP(host) === 0) names.add(host.toLowerCase());
  return (req, _res, next) => {
    const { localAddress, localPort } = req.socket;
    const value = authorityOf(req);
    const authority = value === undefined ? undefined : parseAuthority(value);
    if (authority && localPort !== undefined && addressesThisServer(authority, localPort, names)) {
      next();
      return;
    }
    next(new AppError('MISDIRECTED_REQUEST', misdirectedRequestDetail(localAddress, localPort, names)));
  };
}
