import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One JSON log line per request, with a request id taken from X-Request-Id when the client (or a
 * proxy) sent a sane one, else a new UUID, and returned in X-Request-Id. Only the method, the
 * path (no query string: it can hold an email), the status and the timing are logged: never
 * headers (tokens) or bodies (names, emails).
 *
 * Written on pino directly rather than with pino-http: the line is the same, but pino-http made a
 * child logger for every request, which only the error handler needs (it makes its own, from
 * `res.locals.requestId`), and its wrapping cost a measurable share of a cheap request (--cpu-prof).
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
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
      const line = { reqId: id, req: { id, method, path }, res: { statusCode }, responseTime: Math.round(performance.now() - started) };
      if (!res.writableFinished) logger.warn(line, 'request aborted');
      else if (statusCode >= 500) logger.error(line, `request failed with ${statusCode}`);
      else logger.info(line, 'request completed');
    };
    res.on('finish', done).on('close', done);
    next();
  };
}
