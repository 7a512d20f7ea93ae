import * as OpenApiValidator from 'express-openapi-validator';
import type { Request, RequestHandler } from 'express';
import { isEmailAddress } from '../../domain/email-address.js';
import { compileSpecCheckOnlyWhenUsed } from './lazy-spec-check.js';
import { skipParameterMutationWhenNothingToMutate } from './parameter-mutator-fast-path.js';
import { cacheValidatorRouteMatchers } from './route-matcher-cache.js';

type OpenApiDocument = Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'];

/**
 * Every request is checked against openapi/openapi.yaml before a handler sees it: who may call
 * the operation (its `security`: 401 without a valid token, 403 without its scopes), unknown
 * routes (404), methods (405), media types (415), query parameters and body properties (400). With `validateResponses`, every JSON response is
 * checked too, so a handler that breaks the contract fails loudly (a 500 and an error log)
 * instead of misleading a client. Without a bearer token check (no tokens configured: local
 * mode) the spec's security requirements are not enforced.
 *
 * The spec itself is checked against the OpenAPI schema only with `validateResponses` (the
 * tests' mode): at run time the check is start-up work repeated on a file that cannot have
 * changed since CI linted it (redocly) and every test run checked it this way.
 *
 * `document` is the spec as the app parsed it; the validator gets its own copy, as it annotates
 * the document it is given.
 *
 * ajv-formats, which the validator uses, has no `idn-email` (internationalized addresses): the
 * contract's emails are checked by the domain's own rule, the one their uniqueness key follows.
 */
export function openApiValidation(options: {
  document: unknown;
  validateResponses: boolean;
  bearerAuth: ((req: Request, scopes: readonly string[]) => Promise<boolean>) | undefined;
}): RequestHandler[] {
  const bearerAuth = options.bearerAuth;
  cacheValidatorRouteMatchers();
  skipParameterMutationWhenNothingToMutate();
  compileSpecCheckOnlyWhenUsed();
  return OpenApiValidator.middleware({
    apiSpec: structuredClone(options.document) as OpenApiDocument,
    validateApiSpec: options.validateResponses,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: options.validateResponses ? { allErrors: true } : false,
    validateSecurity: bearerAuth ? { handlers: { bearerAuth: (req, scopes) => bearerAuth(req, scopes) } } : false,
    validateFormats: true,
    formats: { 'idn-email': { type: 'string', validate: isEmailAddress } },
    ignoreUndocumented: false,
  }) as RequestHandler[];
}
