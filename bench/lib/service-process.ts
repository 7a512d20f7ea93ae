// The service as `npm run serve` runs it, for the scripts that measure it directly (bench/hostile.ts,
// bench/ab.ts): a child process on a free loopback port, ready once /readyz answers 200.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../../src/runtime-flags.js';
import { listeningUrl } from '../../scripts/lib/listening-url.js';
import { addExitHook } from '../../scripts/lib/managed-process.js';

export type ServiceProcess = {
  baseUrl: string;
  pid: number;
  /** What it wrote to stdout so far (its JSON log lines). */
  stdout(): string;
  /** SIGTERM, SIGKILL after 10 s. */
  stop(): Promise<void>;
};

const START_TIMEOUT_MS = 30_000;

/**
 * Starts `entry` (a built dist/src/server.js) on `node` with `env` over a minimal environment, with
 * the service's Node flags unless `nodeFlags` replaces them (to measure other flags).
 */
export async function startServiceProcess(options: {
  node: string;
  entry: string;
  env: Record<string, string>;
  nodeFlags?: readonly string[];
  /**
   * A file for its stdout, as `npm run bench` gives its servers; without it, a pipe this process
   * reads (which makes this process, the load generator, handle every log line too).
   */
  logFile?: string;
}): Promise<ServiceProcess> {
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child = spawn(options.node, [...(options.nodeFlags ?? SERVER_NODE_FLAGS), options.entry], {
    env: { PATH: process.env.PATH ?? '', ...SERVER_ENV, HOST: '127.0.0.1', PORT: '0', ...options.env },
    stdio: ['ignore', logFd ?? 'pipe', 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd);
  const removeHook = addExitHook(() => child.kill('SIGKILL'));
  let piped = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (piped += chunk));
  const stdout = () => (options.logFile === undefined ? piped : readFileSync(options.logFile, 'utf8'));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  if (!child.stderr) throw new Error('the service was started without a pipe for its stderr');
  const baseUrl = await listeningUrl(child.stderr, exited, START_TIMEOUT_MS);
  while (
    (await fetch(`${baseUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline) throw new Error('the service did not become ready in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    baseUrl,
    pid: child.pid ?? -1,
    stdout,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      removeHook();
    },
  };
}
