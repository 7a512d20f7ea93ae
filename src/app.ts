import express, { type Express } from 'express';
import type { UsersService } from './domain/users-service.js';
import type { Logger } from './logger.js';
import { errorHandler, routeNotFound } from './http/error-handler.js';
import { closeConnectionsWhenStopping, healthRoutes, type HealthChecks } from './http/health-routes.js';
import { openApiValidation } from './http/openapi-validation.js';
import { deprecationHeaders, tutorialRoutes } from './http/tutorial-routes.js';
import { usersRoutes } from './http/users-routes.js';

/** The largest accepted request body, as the spec states (16 KiB). */
export const BODY_LIMIT_BYTES = 16 * 1024;

export type AppDependencies = {
  users: UsersService;
  logger: Logger;
  validateResponses: boolean;
  /** Readiness and shutdown state, for GET /readyz (and `Connection: close` while stopping). */
  health: HealthChecks;
};

/**
 * Builds the HTTP application from its dependencies without listening: parsers → contract
 * validation → thin handlers → one error formatter.
 */
export function createApp({ users, logger, validateResponses, health }: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // ETags are the users' versions (see http/conditional.ts), not hashes of response bodies.
  app.set('etag', false);

  app.use(closeConnectionsWhenStopping(health));
  app.use(deprecationHeaders);
  app.use(
    express.json({
      limit: BODY_LIMIT_BYTES,
      type: ['application/json', 'application/merge-patch+json'],
      // Any JSON text parses (a bare string too); the contract then says what shape it must have.
      strict: false,
    }),
  );
  app.use(openApiValidation({ validateResponses }));
  app.use(healthRoutes(health));
  app.use(usersRoutes(users));
  app.use(tutorialRoutes(users));
  app.use(routeNotFound);
  app.use(errorHandler(logger, BODY_LIMIT_BYTES));
  return app;
}
