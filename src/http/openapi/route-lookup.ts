import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';

type PathToRegexp = (path: string, options: { sensitive: boolean; strict: boolean }) => { regexp: RegExp; keys: { name: string }[] };
type PathsDocument = { paths: Record<string, Record<string, unknown>> };
type RouteMethods = Record<string, unknown> & { basePath: string; _expressRoute: string; _openApiRoute: string };

/** What the validator's OpenApiContext (framework/openapi.context.js) holds that its route lookup reads. */
export type ValidatorContext = {
  apiDoc: PathsDocument;
  expressRouteMap: Record<string, RouteMethods>;
  openApiRouteMap: Record<string, RouteMethods>;
  serial: number;
  useRequestUrl: boolean;
  ignoreUndocumented: boolean;
  shouldIgnoreRoute(path: string): boolean | undefined;
  isManagedRoute(path: string): boolean;
};

type ValidatorRequest = Request & { openapi?: Record<string, unknown> };
type Metadata = (req: ValidatorRequest, res: Response, next: NextFunction) => void;
type MetadataFactory = ((context: ValidatorContext, responseApiDoc: PathsDocument | undefined) => Metadata) & { compiled?: true };

// The validator's own error classes, which the error handler turns into problems.
const { BadRequest, MethodNotAllowed, NotFound } = OpenApiValidator.error;

type Route = { expressRoute: string; openApiRoute: string; pathKey: string; regexp: RegExp; keys: string[] };

/** The validator's own modules (its copy of path-to-regexp, its method names, its class), as it loads them. */
function validatorModules() {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('express-openapi-validator');
  const dist = dirname(entry);
  return {
    pathToRegexp: (require(require.resolve('path-to-regexp', { paths: [entry] })) as { pathToRegexp: PathToRegexp }).pathToRegexp,
    httpMethods: (require(join(dist, 'middlewares', 'parsers', 'schema.preprocessor.js')) as { httpMethods: ReadonlySet<string> }).httpMethods,
    validator: require(join(dist, 'openapi.validator.js')) as { OpenApiValidator: { prototype: { metadataMiddleware?: MetadataFactory } } },
  };
}

/**
 * The validator's metadata middleware (which operation a request is for, its path parameters and
 * schemas, or 404/405), with its route table compiled once.
 *
 * express-openapi-validator 5.6's own (middlewares/openapi.metadata.js, `lookupRoute`) walks
 * every route of the spec on every request: `Object.entries` of its route map, a pair object per
 * route, the application's routing settings read twice per route, and each route's pattern
 * compiled again by path-to-regexp (compiling costs far more than matching; upstream's open pull
 * request #1217, "perf: cache route matchers", caches them). It was the largest of the
 * validator's costs on `GET /users/{id}` in a CPU profile (docs/performance.md). This does what it
 * does, in its order, with each route's matcher and schema key prepared once per routing setting:
 * the same `req.openapi`, `req.params` and errors (a test runs both on the same requests).
 */
export function compiledMetadata(context: ValidatorContext, responseApiDoc: PathsDocument | undefined): Metadata {
  const { pathToRegexp, httpMethods } = validatorModules();
  // By `sensitive × 2 + strict`, Express's "case sensitive routing" and "strict routing", read
  // per request as the validator does; compiled on first use.
  const tables: (Route[] | undefined)[] = [];
  const tableFor = (sensitive: boolean, strict: boolean): Route[] =>
    (tables[(sensitive ? 2 : 0) + (strict ? 1 : 0)] ??= Object.entries(context.expressRouteMap).map(([expressRoute, methods]) => {
      const { regexp, keys } = pathToRegexp(expressRoute, { sensitive, strict });
      return {
        expressRoute,
        openApiRoute: methods._openApiRoute,
        pathKey: methods._openApiRoute.substring(methods.basePath.length),
        regexp,
        keys: keys.map((key) => key.name),
      };
    }));

  return (req, _res, next) => {
    // The validator's own path tests, unchanged (it joins the two with a slash when the path is relative).
    const path = req.path.startsWith(req.baseUrl) ? req.path : `${req.baseUrl}/${req.path}`;
    if (context.shouldIgnoreRoute(path)) return next();
    const url = (context.useRequestUrl ? req.url : req.originalUrl).split('?')[0] ?? '';
    const method = req.method.toLowerCase();
    const routes = tableFor(Boolean(req.app.enabled('case sensitive routing')), Boolean(req.app.enabled('strict routing')));
    for (const route of routes) {
      const match = route.regexp.exec(url);
      if (match === null) continue;
      let values: string[];
      try {
        // As the validator does, an unmatched optional parameter too (decoded as "undefined").
        values = match.slice(1).map((value) => decodeURIComponent(value));
      } catch {
        throw new BadRequest({ path: req.path, message: `malformed uri'` });
      }
      const pathParams: Record<string, string | undefined> = {};
      route.keys.forEach((key, index) => {
        pathParams[key] = values[index];
      });
      const schema = context.apiDoc.paths[route.pathKey]?.[method];
      if (!schema) {
        if (context.ignoreUndocumented) return next();
        const allowed = Object.keys(context.openApiRouteMap[route.openApiRoute] ?? {}).filter((key) => httpMethods.has(key.toLowerCase()));
        throw new MethodNotAllowed({ path: req.path, message: `${req.method} method not allowed`, headers: { Allow: allowed.join(', ') } });
      }
      const openapi: Record<string, unknown> = {
        expressRoute: route.expressRoute,
        openApiRoute: route.openApiRoute,
        pathParams,
        schema,
        serial: context.serial,
      };
      if (responseApiDoc) openapi._responseSchema = responseApiDoc.paths[route.pathKey]?.[method];
      req.openapi = openapi;
      req.params = pathParams as Request['params'];
      return next();
    }
    if (context.isManagedRoute(path) && !context.ignoreUndocumented) throw new NotFound({ path: req.path, message: 'not found' });
    next();
  };
}

/**
 * Makes the validator build its metadata middleware with `compiledMetadata`: it asks its own
 * `metadataMiddleware(context, responseApiDoc)` method once, at its first request. Fails at start
 * if a release of the validator no longer has that method. Idempotent.
 */
export function compileValidatorRouteLookup(): void {
  const { prototype } = validatorModules().validator.OpenApiValidator;
  if (prototype.metadataMiddleware?.compiled) return;
  if (typeof prototype.metadataMiddleware !== 'function') {
    throw new Error('express-openapi-validator no longer has a metadataMiddleware method to compile its route lookup in');
  }
  const factory: MetadataFactory = (context, responseApiDoc) => compiledMetadata(context, responseApiDoc);
  prototype.metadataMiddleware = Object.assign(factory, { compiled: true as const });
}
