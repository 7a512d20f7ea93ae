import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Several middlewares as one: each runs when the one before calls `next()`, as they would as
 * separate `app.use` layers, and an error (passed to `next`, thrown, or a rejected promise) skips
 * the rest and goes on to Express's error handling.
 *
 * Why not separate layers: Express's router allocates per layer and per request (the match, the
 * parameters, the continuation), whatever the layer does; for middlewares that run on every
 * request that is garbage for nothing (docs/performance.md, "Measurements behind the code").
 */
export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  if (handlers.length === 1 && handlers[0]) return handlers[0];
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      // 'route' and 'router' are Express's own signals: the enclosing router acts on them.
      if (error !== undefined && error !== null) return next(error);
      const handler = handlers[index++];
      if (handler === undefined) return next();
      try {
        const returned: unknown = handler(req, res, step);
        if (returned instanceof Promise) returned.catch((rejected: unknown) => next(rejected ?? new Error('Rejected promise')));
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
