import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

// Bearer tokens (RFC 6750) checked against the configured list. The validator decides from the
// spec which operations need one; this only says whether a presented token is valid.

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The token in an Authorization header, or undefined when there is none of the Bearer form. */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * A security handler for express-openapi-validator's `bearerAuth` scheme. Tokens are compared as
 * SHA-256 digests with timingSafeEqual against every configured token (no early exit), so the
 * time taken says nothing about how much of a token was right. Tokens are never logged.
 */
export function bearerTokenHandler(tokens: readonly string[]): (req: Request) => boolean {
  const accepted = tokens.map(digest);
  // The rate limiters and the validator all ask about the same request: check it once.
  const verdicts = new WeakMap<Request, boolean>();
  const check = (req: Request): boolean => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) return false;
    const presented = digest(token);
    let valid = false;
    for (const candidate of accepted) valid = timingSafeEqual(candidate, presented) || valid;
    return valid;
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
