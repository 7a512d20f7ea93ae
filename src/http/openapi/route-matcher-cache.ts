import { createRequire } from 'node:module';

type PathToRegexp = (path: unknown, options?: unknown) => unknown;
type PathToRegexpModule = { pathToRegexp: PathToRegexp & { memoized?: true } };

/** Patterns come from the spec; the bound only guards against some other caller's dynamic ones. */
const MAX_ENTRIES = 1000;

/** The keys of the four `{ sensitive, strict }` options, by `sensitive × 2 + strict`. */
const FLAG_KEYS = ['--', '-t', 's-', 'st'] as const;

/**
 * The part of the cache key for pathToRegexp's options. The validator passes `{ sensitive, strict }`
 * (booleans from the app's settings) for every route of every request, so that shape gets a
 * constant key instead of being serialized each time; anything else is serialized whole (JSON
 * text never equals one of the constants).
 */
function optionsKey(options: unknown): string {
  if (typeof options === 'object' && options !== null) {
    const { sensitive, strict } = options as { sensitive?: unknown; strict?: unknown };
    if (typeof sensitive === 'boolean' && typeof strict === 'boolean' && Object.keys(options).length === 2) {
      return FLAG_KEYS[(sensitive ? 2 : 0) + (strict ? 1 : 0)] ?? '';
    }
  }
  return JSON.stringify(options ?? null);
}

/**
 * express-openapi-validator 5.6 finds a request's operation by compiling every route of the spec
 * with path-to-regexp's `pathToRegexp` on every request (openapi.metadata.js, lookupRoute), and
 * compiling costs far more than matching. Upstream's open pull request #1217 ("perf: cache route
 * matchers") caches the compiled matchers; until it is released, this memoizes `pathToRegexp` in
 * the module instance the validator calls (it reads the export at each call). The function is
 * pure, and its results are only read (their regular expressions are neither global nor sticky),
 * so sharing one result between calls changes nothing but the time taken. Idempotent.
 */
export function cacheValidatorRouteMatchers(): void {
  const require = createRequire(import.meta.url);
  const validator = require.resolve('express-openapi-validator');
  const mod = require(require.resolve('path-to-regexp', { paths: [validator] })) as PathToRegexpModule;
  if (mod.pathToRegexp.memoized) return;
  const compile = mod.pathToRegexp;
  const compiled = new Map<string, unknown>();
  const memoized = (path: unknown, options?: unknown) => {
    if (typeof path !== 'string') return compile(path, options);
    const key = `${path}\0${optionsKey(options)}`;
    let result = compiled.get(key);
    if (result === undefined) {
      result = compile(path, options);
      if (compiled.size < MAX_ENTRIES) compiled.set(key, result);
    }
    return result;
  };
  mod.pathToRegexp = Object.assign(memoized, { memoized: true as const });
}
