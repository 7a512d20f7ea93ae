import * as OpenApiValidator from 'express-openapi-validator';
import type { RequestHandler } from 'express';
import { specPath } from '../spec-path.js';

/**
 * Every request is checked against openapi/openapi.yaml before a handler sees it; unknown routes
 * (404), methods (405), media types (415), query parameters and body properties (400) are refused
 * here. With `validateResponses`, every JSON response is checked too, so a handler that breaks the
 * contract fails loudly (a 500 and an error log) instead of misleading a client.
 */
export function openApiValidation(options: { validateResponses: boolean }): RequestHandler[] {
  return OpenApiValidator.middleware({
    apiSpec: specPath,
    validateApiSpec: true,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: options.validateResponses ? { allErrors: true } : false,
    validateFormats: true,
    ignoreUndocumented: false,
  }) as RequestHandler[];
}
