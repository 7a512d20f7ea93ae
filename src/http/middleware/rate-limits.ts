import type { Request, RequestHandler } from 'express';
import { rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { AppError } from '../../errors/app-error.js';
import type { BearerAuth } from '../../auth/bearer-auth.js';

export type RateLimitOptions = {
  windowMs: number;
  /** Anonymous registrations per client address and window. */
  registrations: number;
  /** Requests with a wrong bearer token per client address and window. */
  authFailures: number;
};

/**
 * Where the limits count when not in this process's memory: a store per limiter, keyed apart by
 * `prefix` (src/data/rate-limit-store.ts, RATE_LIMIT_STORE=database).
 */
export type RateLimitStores = { store(prefix: string): Store };

/**
 * `onRejected` is told of every request the limit refuses (metrics).
 * Counters live in `store`, or else in this process's memory (express-rate-limit's default store,
 * where several instances behind a load balancer each count on their own: docs/security.md).
 * Clients are told their quota in the standard RateLimit headers, and Retry-After when over it.
 */
function limiter(
  options: { windowMs: number; limit: number; what: string; onRejected: () => void } & Partial<Parameters<typeof rateLimit>[0]>,
): RequestHandler {
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
 * Whether the request carries a valid token: the same verdict the access check gives later
 * (src/auth/bearer-auth.ts keeps one per request). Asynchronous, as a JWT may need the provider's
 * keys fetched; a static token answers at once.
 */
export type TokenCheck = (req: Request) => Promise<boolean>;

/**
 * Limits registrations by clients without a valid token; a caller holding a token is trusted
 * (an integration or an administrator) and not counted.
 */
export function registrationLimiter(options: RateLimitOptions, hasValidToken: TokenCheck, onRejected: () => void, stores?: RateLimitStores): RequestHandler {
  const limit = limiter({
    windowMs: options.windowMs,
    limit: options.registrations,
    what: 'registrations',
    onRejected,
    ...(stores ? { store: stores.store('registration:') } : {}),
  });
  // Decided here rather than in the limiter's own `skip`: a trusted request then costs one call,
  // not the limiter's asynchronous round.
  return (req, res, next) => {
    hasValidToken(req).then((valid) => (valid ? next() : limit(req, res, next)), next);
  };
}

/** What the wrong-token limit needs of the bearer-token check (src/auth/bearer-auth.ts). */
export type TokenVerdicts = Pick<BearerAuth, 'verdictNow' | 'callerOf'>;

/**
 * Limits guessing: requests that present a token which turns out wrong are counted and, past the
 * limit, refused with 429 until the window ends, on every operation that reads the token
 * (`readsToken`: the secured ones, and registration, whose limit a valid token lifts). A missing
 * token is not a guess. A token known valid at no cost (a static token, a JWT verified within
 * the minute) is never counted or limited, so clients sharing an address with a guesser keep
 * working.
 *
 * A JWT not seen before is counted **before** it is verified, and the count is given back once
 * it proves valid: past the limit a flood of forged JWTs is refused without a signature check
 * or a fetch from the provider. The cost: a JWT not seen before is refused with 429 too from an
 * address over the limit (telling it from a forged one would take the verification the limit
 * saves), and a burst of first requests with fresh valid tokens from one address counts against
 * the limit while they are verified (requests carrying the same token share one verification,
 * and once verified a token is not counted again).
 */
export function authFailureLimiter(
  options: RateLimitOptions,
  auth: TokenVerdicts,
  readsToken: (req: Request) => boolean,
  onRejected: () => void,
  stores?: RateLimitStores,
): RequestHandler {
  // Requests whose JWT was counted and then let through to be verified: given back if valid.
  const verifying = new WeakSet<Request>();
  const limit = limiter({
    windowMs: options.windowMs,
    limit: options.authFailures,
    what: 'failed authentications',
    onRejected,
    ...(stores ? { store: stores.store('auth-failure:') } : {}),
    skipSuccessfulRequests: true,
    // Read when the response has finished: by then the token was verified (or never will be).
    requestWasSuccessful: async (req) => verifying.has(req) && (await auth.callerOf(req)) !== undefined,
  });
  return (req, res, next) => {
    const verdict = auth.verdictNow(req);
    if (verdict === 'none' || verdict === 'valid' || !readsToken(req)) {
      next();
      return;
    }
    limit(req, res, (error?: unknown) => {
      if (error === undefined && verdict === 'unknown') verifying.add(req);
      next(error);
    });
  };
}
