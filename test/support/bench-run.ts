import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchEntry = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

export type BenchRun = { outDir: string; stderr: string; exit: { code: number | null; signal: NodeJS.Signals | null } };

/**
 * Runs `npm run bench`'s entry with these arguments, its results in a new temporary directory
 * (the caller removes it). The bench starts databases of its own: a shared one from the test
 * runner must not matter, so MONGODB_URI points nowhere.
 */
export async function runBench(args: readonly string[]): Promise<BenchRun> {
  const outDir = await mkdtemp(join(tmpdir(), 'users-api-bench-test-'));
  const child = spawn(process.execPath, [benchEntry, ...args, '--out', outDir], {
    env: { ...process.env, MONGODB_URI: 'mongodb://127.0.0.1:9/must-not-be-used' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = await new Promise<BenchRun['exit']>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { outDir, stderr, exit };
}
