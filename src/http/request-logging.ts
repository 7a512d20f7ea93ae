import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One JSON log line per request, with a request id taken from X-Request-Id when the client (or a
 * proxy) sent a sane one, else a new UUID, and returned in X-Request-Id. Only the method, the
 * path (no query string: it can hold an email), the status and the timing are logged: never
 * headers (tokens) or bodies (names, emails).
 */
export function requestLogging(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    // req.log (used by the error handler) carries only the request id, not the whole request.
    quietReqLogger: true,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && CLIENT_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    // The central error handler logs failures with their cause; this line only records the outcome.
    customErrorMessage: (_req, res) => `request failed with ${res.statusCode}`,
  }) as unknown as RequestHandler;
}
