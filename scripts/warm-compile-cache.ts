// The build's last step: loads the server's modules once, with the server's Node flags (V8 keeps
// a cache only for the flags it was made with), so that Node stores their compiled code in
// dist/.compile-cache and the service's first start skips compiling (see src/server-modules.ts).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS } from '../src/runtime-flags.js';
import { enableCompileCache, loadServerModules } from '../src/server-modules.js';

if (process.argv[2] === '--load') {
  enableCompileCache();
  await loadServerModules();
} else {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [...SERVER_NODE_FLAGS, self, '--load'], { stdio: 'inherit' });
  // Only time is at stake: a failure here is reported and the build goes on.
  if (result.status !== 0) process.stderr.write(`warming the compile cache failed (${result.status ?? result.signal}); the first start will compile\n`);
}
