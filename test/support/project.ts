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

/** Like runBin, but a non-zero exit is an answer (its code), not an error: for tools that exit 1 on findings. */
export async function runBinStatus(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await runBin(bin, args);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}
