import { hash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { STATIC_TOKEN_CALLER, type Caller } from './caller.js';
import type { JwtVerifier } from './jwt-verifier.js';
import { BEARER_AUTHORIZATION } from '../../clients/typescript/src/bearer-token.js';
import type { Logger } from '../logger.js';

// Bearer tokens (RFC 6750): a configured static token, or a JWT from the identity provider. The
// access check (src/http/middleware/access.ts) decides from the spec which operations need one and
// with which scopes; this says who a presented token names.

/** Three base64url parts: only such a token is worth a JWT verification. */
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

// One-shot hashing: a Hash object per request cost more than the digest itself (--cpu-prof). The
// digest is asked for as text and copied into a Buffer from Node's pool: a 'buffer' digest is a
// new ArrayBuffer from C++ each time: digest and comparison took 0.9–1.6 µs that way against
// 0.6–0.8 µs this way (Node 20 and 24), and the collector had an external allocation to track.
const digest = (token: string) => Buffer.from(hash('sha256', token, 'base64'), 'latin1');

/** The token in an Authorization header, or undefined when there is none of the Bearer form. */
function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER_AUTHORIZATION.exec(header)?.[1] : undefined;
}

export type BearerAuthOptions = {
  /** Static tokens (API_TOKENS). */
  tokens: readonly string[];
  /** Verifies JWT access tokens, when an identity provider is configured. */
  jwt?: JwtVerifier | undefined;
  logger: Logger;
};

/**
 * What can be said of a request's token without verifying anything: none presented, valid (a
 * static token, or a JWT verified recently), invalid (no token this service could accept), or
 * unknown until a JWT is verified.
 */
export type TokenVerdictNow = 'none' | 'valid' | 'invalid' | 'unknown';

export type BearerAuth = {
  /** Who the request's bearer token names; undefined when it has none, or not a valid one. */
  callerOf(req: Request): Promise<Caller | undefined>;
  /** The verdict that costs nothing (no signature check, no fetch): what the limits decide on first. */
  verdictNow(req: Request): TokenVerdictNow;
};

/**
 * Static tokens are compared as SHA-256 digests with timingSafeEqual against every configured
 * token (no early exit), so the time taken says nothing about how much of a token was right; a
 * token that is none of them is verified as a JWT. Why a JWT failed goes to the debug log only
 * (the client learns nothing that would help it forge one); tokens are never logged, a valid
 * JWT's `sub` may be.
 */
export function bearerAuth({ tokens, jwt, logger }: BearerAuthOptions): BearerAuth {
  const accepted = tokens.map(digest);
  // The rate limiters and the access check both ask about the same request: check it once (the
  // promise is kept, so a JWT is verified once even when they ask while it is being verified).
  const callers = new WeakMap<Request, Promise<Caller | undefined>>();
  const isStatic = (token: string): boolean => {
    const presented = digest(token);
    let valid = false;
    for (const candidate of accepted) valid = timingSafeEqual(candidate, presented) || valid;
    return valid;
  };
  const identify = async (req: Request): Promise<Caller | undefined> => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) return undefined;
    if (isStatic(token)) return STATIC_TOKEN_CALLER;
    if (!jwt || !JWT_SHAPE.test(token)) return undefined;
    const verdict = await jwt.verify(token);
    const reqId: unknown = req.res?.locals.requestId;
    const log = typeof reqId === 'string' ? logger.child({ reqId }) : logger;
    if (verdict.valid) {
      log.debug({ sub: verdict.caller.subject }, 'JWT accepted');
      return verdict.caller;
    }
    // An unreachable provider is logged once per cooldown where it is fetched (provider-fetch.ts).
    log.debug({ reason: verdict.reason, providerUnreachable: verdict.providerUnreachable }, 'JWT refused');
    return undefined;
  };
  const callerOf = (req: Request): Promise<Caller | undefined> => {
    let caller = callers.get(req);
    if (caller === undefined) {
      caller = identify(req);
      callers.set(req, caller);
    }
    return caller;
  };
  return {
    callerOf,
    verdictNow(req) {
      const token = bearerToken(req.get('authorization'));
      if (token === undefined) return 'none';
      if (isStatic(token)) {
        // Kept as the request's verdict: the access check then hashes it no more.
        if (!callers.has(req)) callers.set(req, Promise.resolve(STATIC_TOKEN_CALLER));
        return 'valid';
      }
      if (!jwt || !JWT_SHAPE.test(token)) return 'invalid';
      return jwt.remembered(token) !== undefined ? 'valid' : 'unknown';
    },
  };
}
