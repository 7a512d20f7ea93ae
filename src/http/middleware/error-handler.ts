import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../../logger.js';
import { AppError } from '../../errors/app-error.js';
import { toProblem } from '../responses/problem.js';
import { hasBody, SENT_MEDIA_TYPE } from './request-shape.js';

/** What express-openapi-validator leaves on a request it matched: the operation, body media types included. */
type MatchedRequest = { openapi?: { schema?: { requestBody?: { content?: Record<string, unknown> } } } };

/** The one place where anything thrown becomes an application/problem+json response. */
export function errorHandler(logger: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem = toProblem(error, {
      instance: req.originalUrl.split('?')[0] ?? req.path,
      bodyLimitBytes,
      hasBody: hasBody(req.headers),
      hasCredentials: req.headers.authorization !== undefined,
      // The guard (request-shape.ts) kept what it replaced; otherwise the header is one of the spec's types.
      sentMediaType: (res.locals[SENT_MEDIA_TYPE] as string | undefined) ?? req.headers['content-type']?.split(';', 1)[0],
      acceptedMediaTypes: Object.keys((req as MatchedRequest).openapi?.schema?.requestBody?.content ?? {}),
    });
    // With the request's id (see request-logging.ts) when request logging is on.
    const reqId: unknown = res.locals.requestId;
    const log = typeof reqId === 'string' ? logger.child({ reqId }) : logger;
    if (problem.status === 503) {
      // The data layer has logged the outage itself, once; each refused request is a warning.
      log.warn({ code: problem.body.code, method: req.method, path: req.path, retryAfter: problem.headers['Retry-After'] }, 'service unavailable');
    } else if (problem.status >= 500) {
      // The full error (a stack, a driver message, a response that broke the contract) goes to
      // the log only.
      log.error({ err: error, method: req.method, path: req.path }, 'request failed');
    } else {
      log.debug({ code: problem.body.code, method: req.method, path: req.path }, error instanceof AppError ? error.message : 'rejected');
    }
    res.status(problem.status).set(problem.headers).type('application/problem+json').json(problem.body);
  };
}

/** Whatever no route answered: a problem, never Express's HTML page. */
export const routeNotFound: RequestHandler = (_req, _res, next) => {
  next(new AppError('ROUTE_NOT_FOUND', 'No operation of this API has that path.'));
};
