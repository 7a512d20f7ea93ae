import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listeningUrl } from '../../scripts/lib/listening-url.js';

/** The compiled entry point, exactly what `npm run serve` runs. */
const serverEntry = fileURLToPath(new URL('../../src/server.js', import.meta.url));

export type LogLine = { level: number; msg: string; [key: string]: unknown };
export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type ServerProcess = {
  baseUrl: string;
  port: number;
  pid: number;
  /** The JSON log lines written to stdout so far. */
  logs(): LogLine[];
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
};

const running = new Set<ChildProcess>();
// Never leave a server behind, whatever way the test process ends.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs the real server (`node dist/src/server.js`) as a child process on a free loopback port,
 * with the given environment on top of a minimal one, and resolves once it prints
 * "Users API listening on http://…". The load these tests drive comes from one address, so the
 * anonymous registration limit is raised (the limits have their own tests).
 */
export async function startServerProcess(env: Record<string, string>, { startTimeoutMs = 15_000, nodeArgs = [] as string[] } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, serverEntry], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      VALIDATE_RESPONSES: 'true',
      REGISTRATION_RATE_LIMIT: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const lines: LogLine[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const text = partial + chunk;
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    }
  });

  const baseUrl = await listeningUrl(child.stderr, exited, startTimeoutMs);

  return {
    baseUrl,
    port: Number(new URL(baseUrl).port),
    pid: child.pid ?? 0,
    logs: () => [...lines],
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Polls `probe` every `intervalMs` until it returns true; false if `timeoutMs` passes first. */
export async function waitUntil(probe: () => Promise<boolean>, { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number }): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return false;
}
