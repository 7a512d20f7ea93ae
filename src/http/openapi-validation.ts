import * as OpenApiValidator from 'express-openapi-validator';
import type { Request, RequestHandler } from 'express';
import { specPath } from '../spec-path.js';
import { cacheValidatorRouteMatchers } from './route-matcher-cache.js';

/**
 * Every request is checked against openapi/openapi.yaml before a handler sees it: who may call
 * the operation (its `security`, 401), unknown routes (404), methods (405), media types (415),
 * query parameters and body properties (400). With `validateResponses`, every JSON response is
 * checked too, so a handler that breaks the contract fails loudly (a 500 and an error log)
 * instead of misleading a client. Without a bearer token check (no tokens configured: protected
 * mode) the spec's security requirements are not enforced.
 *
 * The spec itself is checked against the OpenAPI schema only with `validateResponses` (the
 * tests' mode): at run time the check is start-up work repeated on a file that cannot have
 * changed since CI linted it (redocly) and every test run checked it this way.
 */
export function openApiValidation(options: { validateResponses: boolean; bearerAuth: ((req: Request) => boolean) | undefined }): RequestHandler[] {
  const bearerAuth = options.bearerAuth;
  cacheValidatorRouteMatchers();
  return OpenApiValidator.middleware({
    apiSpec: specPath,
    validateApiSpec: options.validateResponses,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: options.validateResponses ? { allErrors: true } : false,
    validateSecurity: bearerAuth ? { handlers: { bearerAuth: (req) => bearerAuth(req) } } : false,
    validateFormats: true,
    ignoreUndocumented: false,
  }) as RequestHandler[];
}
