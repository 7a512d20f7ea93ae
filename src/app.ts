import cors from 'cors';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { Database } from './data/mongo-connection.js';
import type { UsersService } from './domain/users-service.js';
import type { Logger } from './logger.js';
import { jwtVerifier } from './auth/jwt-verifier.js';
import { asksForTokens, type Config } from './config.js';
import { requestAccess } from './http/middleware/access.js';
import { bearerAuth } from './auth/bearer-auth.js';
import { errorHandler, routeNotFound } from './http/middleware/error-handler.js';
import { inSequence } from './http/middleware/in-sequence.js';
import { docsRoutes } from './http/routes/docs-routes.js';
import { closeConnectionsWhenStopping, healthRoutes, type HealthChecks } from './http/routes/health-routes.js';
import { loopbackHostOnly } from './http/middleware/loopback-host.js';
import { metricsRoutes } from './http/routes/metrics-routes.js';
import { openApiValidation } from './http/openapi/openapi-validation.js';
import { authFailureLimiter, registrationLimiter, type RateLimitStores } from './http/middleware/rate-limits.js';
import { requestLogging } from './http/middleware/request-logging.js';
import { requestOperation } from './http/openapi/request-operation.js';
import { requestShape } from './http/middleware/request-shape.js';
import { responseSecurityHeaders } from './http/middleware/security-headers.js';
import { specOperations } from './http/openapi/spec-operations.js';
import { deprecationHeaders, legacyRoutes } from './http/routes/legacy-routes.js';
import { usersRoutes } from './http/routes/users-routes.js';
import { loadCodeSamples, withCodeSamples } from './http/openapi/code-samples.js';
import { servedSpec } from './http/openapi/served-spec.js';
import { loadSpec } from './spec.js';
import { Metrics } from './telemetry/metrics.js';

/** The largest accepted request body, as the spec states (16 KiB). */
const BODY_LIMIT_BYTES = 16 * 1024;

/** The settings the HTTP application uses (a part of the service's configuration). */
export type AppConfig = Pick<Config, 'host' | 'publicBaseUrl' | 'validateResponses' | 'apiTokens' | 'jwt' | 'rateLimits' | 'trustProxy' | 'corsOrigins'>;

export type AppDependencies = {
  users: UsersService;
  logger: Logger;
  config: AppConfig;
  /** Readiness and shutdown state, for GET /readyz (and `Connection: close` while stopping). */
  health: HealthChecks;
  /** The database the users are stored in, watched for GET /metrics (its calls, pool and state). */
  database: Database;
  /**
   * Where the rate limits count when RATE_LIMIT_STORE=database: the counters in the database
   * (src/data/rate-limit-store.ts), shared by every instance. Absent: this process's memory.
   */
  rateLimitCounters?: RateLimitStores;
  /** The current trace id, when the service traces (see telemetry/tracing.ts): logged with each request. */
  traceId?: () => string | undefined;
};

/** Headers a browser client may read on a cross-origin response. */
const EXPOSED_HEADERS = ['ETag', 'Location', 'Retry-After', 'Deprecation', 'Link', 'X-Request-Id', 'WWW-Authenticate', 'RateLimit', 'RateLimit-Policy'];

/**
 * Builds the HTTP application from its dependencies without listening: logging and protective
 * headers → (in local mode) the Host check → rate limits → parsers → contract validation
 * (with who may call what, and which users the caller may reach) → thin handlers → one error
 * formatter.
 */
export function createApp({ users, logger, config, health, database, rateLimitCounters, traceId }: AppDependencies): Express {
  // Read once: the docs serve it, and its declarations drive authentication, limits and the
  // metrics' operation labels below. It is the contract of this server's mode (served-spec.ts).
  const spec = servedSpec(loadSpec(), { tokens: asksForTokens(config), jwt: config.jwt });
  const operations = specOperations(spec.document);
  const operationOf = requestOperation(operations);
  const metrics = new Metrics(operationOf);
  metrics.watchDatabase(database);
  const app = express();
  app.disable('x-powered-by');
  // ETags are the users' versions (see src/http/responses/conditional.ts), not hashes of response bodies.
  app.set('etag', false);
  // The client address that rate limits count by: X-Forwarded-For only from trusted proxies.
  app.set('trust proxy', config.trustProxy);

  // The middlewares every request passes run as few Express layers (in-sequence.ts), in this order.
  const prelude: RequestHandler[] = [
    requestLogging(logger, { finished: (req, res, seconds) => metrics.observeRequest(req, res, seconds), ...(traceId ? { traceId } : {}) }),
    // Before anything parses the request: headers reduced to what the contract can mean.
    requestShape(operations.flatMap((operation) => operation.bodyMediaTypes)),
    responseSecurityHeaders(),
  ];
  // Local mode answers only requests addressed to its loopback address (DNS rebinding, see
  // src/http/middleware/loopback-host.ts): checked before anything is served, after the security
  // headers so that the 421 carries them as every other response does.
  if (!asksForTokens(config)) prelude.push(loopbackHostOnly({ host: config.host }));
  if (config.corsOrigins.length > 0) {
    prelude.push(cors({ origin: [...config.corsOrigins], exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }));
  }
  prelude.push(
    closeConnectionsWhenStopping(health),
    deprecationHeaders,
    // The spec and its Redoc page: not operations of the API, so answered before the validator
    // (which would 404 them) and before body parsing (they take no body). What they serve shows
    // each operation's code samples; the validator below keeps the document without them.
    docsRoutes(withCodeSamples(spec, loadCodeSamples()), { publicBaseUrl: config.publicBaseUrl }),
  );

  // Authentication and limits follow the spec: its `security` and `x-rate-limit` declarations.
  // The wrong-token limit runs first and counts a token before it is verified (rate-limits.ts);
  // the registration limit and the access check then share one verdict (kept per request), so a
  // JWT is verified once per request.
  const auth = asksForTokens(config)
    ? bearerAuth({
        tokens: config.apiTokens,
        jwt: config.jwt ? jwtVerifier(config.jwt, logger.child({ component: 'identity-provider' })) : undefined,
        logger: logger.child({ component: 'auth' }),
      })
    : undefined;
  const hasValidToken = async (req: Request) => (await auth?.callerOf(req)) !== undefined;
  if (auth) {
    // One check for every route: the operation is looked up only for a token not known valid.
    const readsToken = new Set(
      operations.filter((operation) => operation.secured || operation.rateLimit !== undefined).map((operation) => operation.operationId),
    );
    const isReadingToken = (req: Request) => readsToken.has(operationOf(req) ?? '');
    prelude.push(authFailureLimiter(config.rateLimits, auth, isReadingToken, () => metrics.rateLimited('auth_failure'), rateLimitCounters));
  }
  app.use(inSequence(prelude));
  const registrations = registrationLimiter(config.rateLimits, hasValidToken, () => metrics.rateLimited('registration'), rateLimitCounters);
  for (const operation of operations) {
    if (operation.rateLimit === 'registration') app[operation.method](operation.expressPath, registrations);
  }

  app.use(
    inSequence([
      express.json({
        limit: BODY_LIMIT_BYTES,
        type: ['application/json', 'application/merge-patch+json'],
        // Any JSON text parses (a bare string too); the contract then says what shape it must have.
        strict: false,
      }),
      openApiValidation({
        document: spec.document,
        validateResponses: config.validateResponses,
        // Who may call the operation, and which users it may reach: all, or only the caller's own record.
        access: requestAccess(operations, auth, operationOf),
      }),
    ]),
  );
  // The users' routes first: the requests that matter most then enter no other router.
  app.use(usersRoutes(users));
  app.use(legacyRoutes(users));
  app.use(healthRoutes(health));
  app.use(metricsRoutes(metrics.registry));
  app.use(routeNotFound);
  app.use(errorHandler(logger, BODY_LIMIT_BYTES));
  return app;
}
