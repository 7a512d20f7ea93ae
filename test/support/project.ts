import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The project root: this file runs as dist/test/support/project.js. */
export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

const run = promisify(execFile);

/** Runs a command installed in node_modules/.bin, from the project root unless told another directory. */
export async function runBin(bin: string, args: string[], { cwd = projectRoot }: { cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  return run(`${projectRoot}node_modules/.bin/${bin}`, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
}
