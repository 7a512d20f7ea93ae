import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Health } from '../../contract.js';
import { AppError } from '../../errors/app-error.js';

/** What the health endpoints need to know about the process they run in. */
export type HealthChecks = {
  /** Resolves when the service can serve requests (its database answers); rejects with SERVICE_UNAVAILABLE if not. */
  ready(): Promise<void>;
  /** True once a graceful shutdown has begun. */
  stopping(): boolean;
};

/**
 * Liveness and readiness, for orchestrators and load balancers. Neither is cached: each answer
 * is about this moment.
 */
export function healthRoutes(health: HealthChecks): Router {
  const router = Router();

  // Alive while the process can answer HTTP at all: never touches the database, so an outage of
  // the database does not get the service restarted (a restart would not bring it back).
  router.get('/healthz', (_req: Request, res: Response<Health>) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response<Health>) => {
    res.set('Cache-Control', 'no-store');
    if (health.stopping()) {
      throw new AppError('SERVICE_UNAVAILABLE', 'The service is shutting down.', { retryAfterSeconds: 1 });
    }
    await health.ready();
    res.json({ status: 'ready' });
  });

  return router;
}

/**
 * Once shutdown has begun, every response asks the client to close its connection, so that
 * keep-alive connections end after their current request instead of being cut.
 */
export function closeConnectionsWhenStopping(health: HealthChecks): RequestHandler {
  return (_req, res, next) => {
    if (health.stopping()) res.set('Connection', 'close');
    next();
  };
}
