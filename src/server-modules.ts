import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Where Node keeps the compiled code of the service's modules between starts: dist/.compile-cache,
 * beside the code it was compiled from, so it goes wherever the build goes and a new build starts
 * it afresh. `npm run build` fills it (scripts/warm-compile-cache.ts), so even the first start
 * after a build skips compiling: loading the modules was the largest part of the time from start
 * to ready (figures: docs/performance.md). A cache made on another Node or with
 * other V8 flags is ignored, never wrong.
 */
const compileCacheDir = fileURLToPath(new URL('../.compile-cache', import.meta.url));

/** Turns the cache on for the modules loaded after this call (Node >= 22.1; older Nodes skip it). */
export function enableCompileCache(): void {
  (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(compileCacheDir);
}

/**
 * The modules the server runs on, loaded after the cache is on: dynamically, because static
 * imports are all compiled before any code of the importing module runs.
 */
export function loadServerModules() {
  return Promise.all([
    import('./app.js'),
    import('./config.js'),
    import('./data/mongo-connection.js'),
    import('./data/users-repository.js'),
    import('./domain/users-service.js'),
    import('./logger.js'),
  ]);
}
