import type { Request, RequestHandler, Response } from 'express';
import { grants } from '../../auth/caller.js';
import { EVERY_USER, ownRecordOf, type Access } from '../../domain/access.js';
import type { BearerAuth } from '../../auth/bearer-auth.js';
import type { SpecOperation } from '../openapi/spec-operations.js';
import { AppError } from '../../errors/app-error.js';

/** The scope that limits an operation to the caller's own record (see the spec's "Scopes"). */
const OWN_RECORD_SCOPE = 'users:self';

/**
 * Who may call the operation, and which users it may reach: decided once per request, after the
 * validator matched it to an operation (an unknown path or method is answered 404 or 405 first)
 * and before it checks the parameters and the body (so a 401 or 403 comes before a 400). As the
 * spec's `security` says (the operation's own, else the document's), any one requirement of which
 * suffices:
 * - no valid bearer token for a secured operation: 401;
 * - a valid token that grants none of its scope sets: 403, naming the first set;
 * - otherwise every user when the token grants a set without `users:self`, else only the
 *   caller's own record.
 * Without authentication (local mode), and for a public operation: every user.
 * One middleware for every operation, found by the validator's match (`operationOf`), rather than
 * a route layer per operation that every request would be tested against; it takes the place of
 * the validator's own security check (openapi-validation.ts), which cost a promise per
 * requirement per request.
 *
 * Handlers read the answer with accessOf(res), which fails for a request this did not decide, so
 * a route it does not know answers 500 rather than serving every user.
 */
export function requestAccess(
  operations: readonly SpecOperation[],
  auth: BearerAuth | undefined,
  operationOf: (req: Request) => string | undefined,
): RequestHandler {
  // Per operation: whether it asks for a token, the scope sets that allow it, and those of them that reach every user.
  const rules = new Map(
    operations.map((operation) => [
      operation.operationId,
      {
        secured: operation.secured,
        allowed: operation.scopeSets,
        unlimited: operation.scopeSets.filter((scopes) => !scopes.includes(OWN_RECORD_SCOPE)),
      },
    ]),
  );
  return async (req, res, next) => {
    const operationId = operationOf(req);
    const rule = operationId === undefined ? undefined : rules.get(operationId);
    if (rule === undefined) {
      next();
      return;
    }
    if (!auth || !rule.secured) {
      res.locals.access = EVERY_USER;
      next();
      return;
    }
    const caller = await auth.callerOf(req);
    if (caller === undefined) {
      const sent = req.headers.authorization !== undefined;
      throw new AppError('UNAUTHORIZED', sent ? 'The bearer token is not valid.' : 'This operation needs a bearer token in the Authorization header.');
    }
    if (!rule.allowed.some((scopes) => grants(caller, scopes))) {
      const wanted = rule.allowed[0] ?? [];
      const named = wanted.length > 0 ? ` (${wanted.join(' ')})` : '';
      throw new AppError('INSUFFICIENT_SCOPE', `The bearer token does not grant the scope this operation needs${named}.`, { requiredScopes: wanted });
    }
    res.locals.access = rule.unlimited.some((scopes) => grants(caller, scopes)) ? EVERY_USER : ownRecordOf(caller.verifiedEmail);
    next();
  };
}

export function accessOf(res: Response): Access {
  const access = res.locals.access as Access | undefined;
  if (access === undefined) throw new Error('no access was decided for this request (requestAccess did not know its operation)');
  return access;
}
