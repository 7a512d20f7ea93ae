import * as OpenApiValidator from 'express-openapi-validator';
import type { RequestHandler } from 'express';
import { isEmailAddress } from '../../domain/email-address.js';
import { inSequence } from '../middleware/in-sequence.js';
import { compileSpecCheckOnlyWhenUsed } from './lazy-spec-check.js';
import { skipParameterMutationWhenNothingToMutate } from './parameter-mutator-fast-path.js';
import { compileValidatorRouteLookup } from './route-lookup.js';

type OpenApiDocument = Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'];

/**
 * Every request is checked against openapi/openapi.yaml before a handler sees it: unknown routes
 * (404), methods (405), who may call the operation (`access`: 401 without a valid token, 403
 * without its scopes, from its `security`), media types (415), query parameters and body
 * properties (400). With `validateResponses`, every JSON response is checked too, so a handler
 * that breaks the contract fails loudly (a 500 and an error log) instead of misleading a client.
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
 *
 * The validator's middlewares (its match, `access`, its request check, and its response check in
 * tests) run as one layer (in-sequence.ts), and without its multipart middleware: the contract
 * takes no multipart body, so a multipart request is answered 415 like any other media type it
 * does not take.
 */
export function openApiValidation(options: {
  document: unknown;
  validateResponses: boolean;
  /**
   * Who may call the operation (src/http/middleware/access.ts), run in the place of the
   * validator's own security check: after it matched the operation, before it checks the request.
   */
  access: RequestHandler;
}): RequestHandler {
  compileValidatorRouteLookup();
  skipParameterMutationWhenNothingToMutate();
  compileSpecCheckOnlyWhenUsed();
  const middlewares = OpenApiValidator.middleware({
    apiSpec: structuredClone(options.document) as OpenApiDocument,
    validateApiSpec: options.validateResponses,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: options.validateResponses ? { allErrors: true } : false,
    validateSecurity: false,
    validateFormats: true,
    formats: { 'idn-email': { type: 'string', validate: isEmailAddress } },
    ignoreUndocumented: false,
    fileUploader: false,
  }) as RequestHandler[];
  // Found by its name: were it renamed by a release, the service would refuse to start rather than
  // run without the access check.
  const security = middlewares.findIndex((middleware) => middleware.name === 'securityMiddleware');
  if (security < 0) throw new Error('express-openapi-validator no longer has a securityMiddleware to put the access check in place of');
  return inSequence([...middlewares.slice(0, security), options.access, ...middlewares.slice(security + 1)]);
}
