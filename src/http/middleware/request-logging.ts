import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../logger.js';

export const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type RequestLoggingOptions = {
  /** Told of every request that got its whole response, with its time (metrics: one clock for both). */
  finished?: (req: Request, res: Response, seconds: number) => void;
  /** The trace id of the request being handled, if it is traced (asked once, as the request arrives). */
  traceId?: () => string | undefined;
};

/**
 * One JSON log line per request, with a request id taken from X-Request-Id when the client (or a
 * proxy) sent a sane one, else a new UUID, and returned in X-Request-Id. Only the method, the
 * path (no query string: it can hold an email), the status and the timing are logged: never
 * headers (tokens) or bodies (names, emails). When the service traces, the line carries the
 * request's trace id (`traceId`) too, to find its trace from its line.
 *
 * Written on pino directly rather than with pino-http: the line is the same, but pino-http made a
 * child logger for every request, which only the error handler needs (it makes its own, from
 * `res.locals.requestId`), and its wrapping cost a measurable share of a cheap request (--cpu-prof).
 * Aborted requests (the client left before the response ended) are logged but not `finished`.
 */
export function requestLogging(logger: Logger, options: RequestLoggingOptions = {}): RequestHandler {
  const { finished, traceId: currentTraceId } = options;
  return (req, res, next) => {
    const started = performance.now();
    const traceId = currentTraceId?.();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && CLIENT_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', id);
    // For the error handler's lines; a plain property of an object Express makes per request.
    res.locals.requestId = id;

    const method = req.method;
    const path = req.url.split('?')[0];
    const done = () => {
      res.off('finish', done).off('close', done);
      const statusCode = res.statusCode;
      const elapsed = performance.now() - started;
      const line = { reqId: id, traceId, req: { id, method, path }, res: { statusCode }, responseTime: Math.round(elapsed) };
      if (!res.writableFinished) logger.warn(line, 'request aborted');
      else if (statusCode >= 500) logger.error(line, `request failed with ${statusCode}`);
      else logger.info(line, 'request completed');
      if (res.writableFinished) finished?.(req, res, elapsed / 1000);
    };
    res.on('finish', done).on('close', done);
    next();
  };
}
