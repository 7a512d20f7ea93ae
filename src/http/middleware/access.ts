import type { Request, RequestHandler, Response } from 'express';
import { grants } from '../../auth/caller.js';
import { EVERY_USER, ownRecordOf, type Access } from '../../domain/access.js';
import type { BearerAuth } from '../../auth/bearer-auth.js';
import type { SpecOperation } from '../openapi/spec-operations.js';

/** The scope that limits an operation to the caller's own record (see the spec's "Scopes"). */
const OWN_RECORD_SCOPE = 'users:self';

/**
 * Decides, after the validator let a request in, which users it may reach: every user when the
 * caller's token grants one of the operation's scope sets without `users:self`, else only the
 * caller's own record. Without authentication (local mode, or a public operation) every user.
 * One middleware for every operation, found by the validator's match (`operationOf`), rather than
 * a route layer per operation that every request would be tested against.
 *
 * Handlers read the answer with accessOf(res), which fails for a request this did not decide, so
 * a route it does not know answers 500 rather than serving every user.
 */
export function requestAccess(
  operations: readonly SpecOperation[],
  auth: BearerAuth | undefined,
  operationOf: (req: Request) => string | undefined,
): RequestHandler {
  // Per operation: whether it asks for a token, and the scope sets that reach every user.
  const rules = new Map(
    operations.map((operation) => [
      operation.operationId,
      { secured: operation.secured, unlimited: operation.scopeSets.filter((scopes) => !scopes.includes(OWN_RECORD_SCOPE)) },
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
    // The validator has already refused a request without a valid token granting one of the sets.
    if (caller === undefined) throw new Error('access asked for a request without a valid token');
    res.locals.access = rule.unlimited.some((scopes) => grants(caller, scopes)) ? EVERY_USER : ownRecordOf(caller.verifiedEmail);
    next();
  };
}

export function accessOf(res: Response): Access {
  const access = res.locals.access as Access | undefined;
  if (access === undefined) throw new Error('no access was decided for this request (requestAccess did not know its operation)');
  return access;
}
