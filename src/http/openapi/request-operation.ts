import type { Request } from 'express';
import type { SpecOperation } from './spec-operations.js';

/** What express-openapi-validator leaves on a request it matched to an operation of the spec. */
type MatchedRequest = Request & { openapi?: { schema?: { operationId?: string } } };

/**
 * The operation of the spec a request was for, by its operationId, or undefined for a request
 * that names none (an unknown path, a method the path does not have, the docs pages).
 *
 * Most requests reach the validator, which has matched them already: its answer is read, at the
 * cost of two property reads. Requests answered before it (a rate limit's 429, a body too large
 * or not JSON) are matched here against the spec's paths: only those pay for the matching.
 */
export function requestOperation(operations: readonly SpecOperation[]): (req: Request) => string | undefined {
  const matchers = operations.map((operation) => ({
    operationId: operation.operationId,
    method: operation.method.toUpperCase(),
    pattern: new RegExp(`^${operation.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  return (req) => {
    const matched = (req as MatchedRequest).openapi?.schema?.operationId;
    if (matched !== undefined) return matched;
    const path = req.originalUrl.split('?', 1)[0] ?? '';
    return matchers.find((matcher) => matcher.method === req.method && matcher.pattern.test(path))?.operationId;
  };
}
