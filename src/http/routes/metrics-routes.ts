import { Router } from 'express';
import type { Registry } from 'prom-client';

/**
 * GET /metrics: the registry in the Prometheus text format. Declared in the spec (getMetrics), so
 * the validator has already checked the request and its bearer token, as for any secured
 * operation. Never cached: each answer is about this moment.
 */
export function metricsRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const text = await registry.metrics();
    res.set('Cache-Control', 'no-store').type(registry.contentType).send(text);
  });
  return router;
}
