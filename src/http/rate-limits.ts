import type { Request, RequestHandler } from 'express';
import { rateLimit, type RateLimitInfo } from 'express-rate-limit';
import { AppError } from '../errors/app-error.js';
import { bearerToken } from './auth.js';

export type RateLimitOptions = {
  windowMs: number;
  /** Anonymous registrations per client address and window. */
  registrations: number;
  /** Requests with a wrong bearer token per client address and window. */
  authFailures: number;
};

/**
 * `onRejected` is told of every request the limit refuses (metrics).
 * Counters live in this process's memory (express-rate-limit's default store): with several
 * instances behind a load balancer each counts on its own (see the README for a shared store).
 * Clients are told their quota in the standard RateLimit headers, and Retry-After when over it.
 */
function limiter(options: { windowMs: number; limit: number; what: string; onRejected: () => void } & Partial<Parameters<typeof rateLimit>[0]>): RequestHandler {
  const { what, onRejected, ...rest } = options;
  return rateLimit({
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...rest,
    handler: (req, res, next) => {
      const resetTime = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
      const seconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + options.windowMs) - Date.now()) / 1000));
      res.set('Retry-After', String(seconds));
      onRejected();
      next(new AppError('RATE_LIMITED', `Too many ${what} from this client; retry after ${seconds} seconds.`));
    },
  });
}

/**
 * Whether the request carries a valid token: the same verdict the validator's security handler
 * gives later (http/auth.ts keeps one per request). Asynchronous, as a JWT may need the provider's
 * keys fetched; a static token answers at once.
 */
export type TokenCheck = (req: Request) => Promise<boolean>;

/**
 * Limits registrations by clients without a valid token; a caller holding a token is trusted
 * (an integration or an administrator) and not counted.
 */
export function registrationLimiter(options: RateLimitOptions, hasValidToken: TokenCheck, onRejected: () => void): RequestHandler {
  const limit = limiter({ windowMs: options.windowMs, limit: options.registrations, what: 'registrations', onRejected });
  // Decided here rather than in the limiter's own `skip`: a trusted request then costs one call,
  // not the limiter's asynchronous round.
  return (req, res, next) => {
    hasValidToken(req).then((valid) => (valid ? next() : limit(req, res, next)), next);
  };
}

/**
 * Limits guessing: only requests that present a wrong token are counted and, past the limit,
 * refused with 429 until the window ends. A missing token is not a guess, and requests with a
 * valid token are never counted or limited, so clients sharing an address with a guesser (a NAT,
 * a proxy) keep working, and any number of valid requests may be in flight at once.
 */
export function authFailureLimiter(options: RateLimitOptions, hasValidToken: TokenCheck, onRejected: () => void): RequestHandler {
  const limit = limiter({ windowMs: options.windowMs, limit: options.authFailures, what: 'failed authentications', onRejected });
  // Every request to a secured operation passes here: the usual one (a valid token) goes on at once.
  return (req, res, next) => {
    if (bearerToken(req.get('authorization')) === undefined) {
      next();
      return;
    }
    hasValidToken(req).then((valid) => (valid ? next() : limit(req, res, next)), next);
  };
}
