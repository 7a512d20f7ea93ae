import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable } from '../../scripts/lib/find-executable.js';
import type { Exit } from './server-process.js';

/** The address the balancer connects to the instances from: the one address they trust (TRUST_PROXY). */
export const BALANCER_SOURCE_ADDRESS = '127.0.0.2';

/** Health checks: every 100 ms; one failure takes an instance out, two successes bring it back. */
export const CHECK = { interMs: 100, fall: 1, rise: 2 } as const;

export type Instance = { name: string; port: number };

export type LoadBalancer = {
  baseUrl: string;
  /** Each instance's state as the balancer sees it: UP, DOWN, MAINT, or e.g. "UP 1/2" while rising. */
  states(): Promise<Record<string, string>>;
  /** Resolves once the balancer sees `name` in `state` (UP or DOWN); rejects after `timeoutMs`. */
  waitFor(name: string, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  /** What haproxy wrote on stderr (its alerts and warnings). */
  output(): string;
  stop(): Promise<void>;
};

const running = new Set<ChildProcess>();
// Never leave a balancer behind, whatever way the test process ends (as server-process.ts does for servers).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A free loopback port, chosen up front (the OS picks it; it is released at once): an instance
 * that restarts listens on it again, so the balancer's configuration names it for good.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The balancer's configuration, as an operator would write it for these instances. Why each
 * setting, the retries above all (GET and HEAD only, once a request was sent), is in
 * docs/operations.md#several-instances.
 */
export function haproxyConfig(port: number, instances: Instance[], statsSocket: string): string {
  return `global
  maxconn 4096
  stats socket ${statsSocket} level admin

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  # Above DB_TIMEOUT_MS (3 s): the service answers 503 itself before this strikes.
  timeout server 10s
  # Above DB_TIMEOUT_MS too: a readiness ping that outlasts it answers 503 itself.
  timeout check 4s
  # How long a client's keep-alive connection to the balancer may stay idle.
  timeout http-keep-alive 4s

frontend users_api
  bind 127.0.0.1:${port}
  default_backend instances

backend instances
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  option forwardfor
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  http-request disable-l7-retry unless METH_GET
  http-reuse safe
  source ${BALANCER_SOURCE_ADDRESS}
  default-server check inter ${CHECK.interMs} fall ${CHECK.fall} rise ${CHECK.rise}
${instances.map(({ name, port: instancePort }) => `  server ${name} 127.0.0.1:${instancePort}`).join('\n')}
`;
}

/** One command on haproxy's stats socket; resolves with its whole answer. */
function ask(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    socket.once('error', reject);
    socket.once('end', () => resolve(text));
    socket.once('connect', () => socket.end(`${command}\n`));
  });
}

/**
 * Runs Debian's HAProxy (HAPROXY_PATH, else `haproxy` on PATH) in the foreground in front of
 * `instances`, on a free loopback port, with the configuration above written to a temporary
 * directory; resolves once it accepts connections.
 */
export async function startLoadBalancer(instances: Instance[]): Promise<LoadBalancer> {
  const haproxy = process.env.HAPROXY_PATH || findExecutable('haproxy');
  if (!haproxy) throw new Error('These tests need HAProxy (Debian: `apt-get install -y haproxy`, which npm test does as root), or HAPROXY_PATH set to one.');
  const dir = await mkdtemp(join(tmpdir(), 'users-api-balancer-'));
  const port = await freePort();
  const statsSocket = join(dir, 'stats.sock');
  const configFile = join(dir, 'haproxy.cfg');
  await writeFile(configFile, haproxyConfig(port, instances, statsSocket));

  const child = spawn(haproxy, ['-db', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const states = async (): Promise<Record<string, string>> => {
    // `show stat` is CSV: "# pxname,svname,…,status,…"; one line per frontend, server and backend.
    const [header, ...rows] = (await ask(statsSocket, 'show stat')).trim().split('\n');
    const columns = (header ?? '').replace(/^# /, '').split(',');
    const [name, status] = [columns.indexOf('svname'), columns.indexOf('status')];
    const names = new Set(instances.map((instance) => instance.name));
    return Object.fromEntries(
      rows
        .map((row) => row.split(','))
        .filter((cells) => names.has(cells[name] ?? ''))
        .map((cells): [string, string] => [cells[name] ?? '', cells[status] ?? '']),
    );
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    const exit = await Promise.race([exited, sleep(50, undefined)]);
    if (exit) throw new Error(`haproxy exited at start (${JSON.stringify(exit)}):\n${output}`);
    if (
      await states().then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`haproxy did not start within 10 s:\n${output}`);
  }

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    states,
    async waitFor(name, state, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < until) {
        last = (await states())[name] ?? 'unknown';
        if (last === state) return;
        await sleep(25);
      }
      throw new Error(`the balancer did not see ${name} ${state} within ${timeoutMs} ms (it is ${last})`);
    },
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
