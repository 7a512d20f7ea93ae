import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { JwtVerdict } from '../auth/jwt-verifier.js';
import type { Logger } from '../logger.js';

// Bearer tokens (RFC 6750): a configured static token, or a JWT from the identity provider. The
// validator decides from the spec which operations need one; this only says whether a presented
// token is valid.

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** Three base64url parts: only such a token is worth a JWT verification. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The token in an Authorization header, or undefined when there is none of the Bearer form. */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

export type BearerAuthOptions = {
  /** Static tokens (API_TOKENS). */
  tokens: readonly string[];
  /** Verifies a JWT access token, when an identity provider is configured. */
  verifyJwt?: ((token: string) => Promise<JwtVerdict>) | undefined;
  logger: Logger;
};

/**
 * A security handler for express-openapi-validator's `bearerAuth` scheme (it awaits the answer).
 * Static tokens are compared as SHA-256 digests with timingSafeEqual against every configured
 * token (no early exit), so the time taken says nothing about how much of a token was right; a
 * token that is none of them is verified as a JWT. Why a JWT failed goes to the debug log only
 * (the client learns nothing that would help it forge one); tokens are never logged, a valid
 * JWT's `sub` may be.
 */
export function bearerTokenHandler({ tokens, verifyJwt, logger }: BearerAuthOptions): (req: Request) => Promise<boolean> {
  const accepted = tokens.map(digest);
  // The rate limiters and the validator all ask about the same request: check it once (the
  // promise is kept, so a JWT is verified once even when they ask while it is being verified).
  const verdicts = new WeakMap<Request, Promise<boolean>>();
  const isStatic = (token: string): boolean => {
    const presented = digest(token);
    let valid = false;
    for (const candidate of accepted) valid = timingSafeEqual(candidate, presented) || valid;
    return valid;
  };
  const check = async (req: Request): Promise<boolean> => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) return false;
    if (isStatic(token)) return true;
    if (!verifyJwt || !JWT_SHAPE.test(token)) return false;
    const verdict = await verifyJwt(token);
    const reqId: unknown = req.res?.locals.requestId;
    const log = typeof reqId === 'string' ? logger.child({ reqId }) : logger;
    if (verdict.valid) {
      log.debug({ sub: verdict.subject }, 'JWT accepted');
      return true;
    }
    if (verdict.providerUnreachable) log.warn({ reason: verdict.reason }, "JWT refused: the identity provider's keys could not be fetched");
    else log.debug({ reason: verdict.reason }, 'JWT refused');
    return false;
  };
  return (req) => {
    let verdict = verdicts.get(req);
    if (verdict === undefined) {
      verdict = check(req);
      verdicts.set(req, verdict);
    }
    return verdict;
  };
}
