// `node dist/bench/ab.js --a <project dir> --b <project dir>`: two builds of the service, run
// alternately (A, B, A, B, …) on one database with the same seeded users, each as `npm run serve`
// runs it with a static token, under the same load on one operation: `--operation get` (default,
// `GET /users/{id}`) or `--operation patch` (`PATCH /users/{id}` without If-Match, a name change
// spread over the seeded users, so every answer is 200 and each write moves a version).
// `--a-env KEY=VALUE` / `--b-env KEY=VALUE` (repeatable) set settings for one side, so one build can
// be compared with itself under other settings (e.g. `--b-env WORKERS=2`), and `--a-node-flags='<flags>'` /
// `--b-node-flags='<flags>'` replace the service's Node flags (src/runtime-flags.ts) for one side.
// Alternating spreads the machine's drift over both, which one run of `npm run bench` per build
// cannot. Every status is counted; a round with anything but 200 fails the comparison. Beside the
// rates, the CPU time the service process used per answered request (from /proc): on a machine
// whose cores the load generator and the database share, it moves less with them than the rate;
// and that CPU divided by the database's in the same round, which cancels most of the machine's
// drift between rounds (both slow down alike). And the process's peak RSS (VmHWM) at the end of
// its round, the figure the bench's goal reads. The service writes its log lines into a file, as
// in `npm run bench`.
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDatabase } from '../scripts/lib/database.js';
import { cpuTicks, memoryOf, microsecondsPerRequest } from './lib/proc-stats.js';
import { startServiceProcess, type ServiceProcess } from './lib/service-process.js';
import { SERVER_NODE_FLAGS } from '../src/runtime-flags.js';

const TOKEN = 'ab-bench-token-0123456789abcdef';

function startBuild(
  dir: string,
  mongodbUri: string,
  logFile: string,
  settings: Record<string, string> = {},
  nodeFlags?: readonly string[],
): Promise<ServiceProcess> {
  return startServiceProcess({
    node: process.execPath,
    entry: join(dir, 'dist/src/server.js'),
    env: { MONGODB_URI: mongodbUri, API_TOKENS: TOKEN, LOG_LEVEL: 'info', REGISTRATION_RATE_LIMIT: '1000000', ...settings },
    ...(nodeFlags ? { nodeFlags } : {}),
    // Its log lines into a file, as `npm run bench` runs it.
    logFile,
  });
}

/** `--x-node-flags='<flags>'` as a list; undefined: the service's own. */
const flagsOf = (words: string | undefined): string[] | undefined => words?.split(' ').filter((word) => word.length > 0);

/** `KEY=VALUE` arguments as settings. */
function settingsOf(pairs: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (pairs ?? []).map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`expected KEY=VALUE, got ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

type Operation = 'get' | 'patch';

async function load(baseUrl: string, ids: string[], seconds: number, operation: Operation): Promise<{ rps: number; statuses: Record<string, number> }> {
  let next = 0;
  const authorization = `Bearer ${TOKEN}`;
  const request =
    operation === 'get'
      ? {
          method: 'GET' as const,
          setupRequest: (sent: autocannon.Request) => ({ ...sent, path: `/users/${ids[next++ % ids.length] ?? ''}`, headers: { authorization } }),
        }
      : {
          method: 'PATCH' as const,
          setupRequest: (sent: autocannon.Request) => ({
            ...sent,
            path: `/users/${ids[next % ids.length] ?? ''}`,
            headers: { authorization, 'content-type': 'application/merge-patch+json' },
            body: JSON.stringify({ name: `AB renamed ${next++}` }),
          }),
        };
  const statuses: Record<string, number> = {};
  const result = await autocannon({
    url: baseUrl,
    connections: 32,
    duration: seconds,
    requests: [request],
  });
  for (const [status, count] of Object.entries(result.statusCodeStats ?? {})) statuses[status] = (count as { count: number }).count;
  return { rps: result.requests.average, statuses };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      a: { type: 'string' },
      b: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '6' },
      warmup: { type: 'string', default: '1.5' },
      users: { type: 'string', default: '1000' },
      operation: { type: 'string', default: 'get' },
      'a-env': { type: 'string', multiple: true },
      'b-env': { type: 'string', multiple: true },
      'a-node-flags': { type: 'string' },
      'b-node-flags': { type: 'string' },
    },
  });
  if (!values.a || !values.b)
    throw new Error(
      'usage: node dist/bench/ab.js --a <project dir> --b <project dir> [--rounds 3] [--duration 6] [--warmup 1.5] [--users 1000] [--operation get|patch] [--a-env KEY=VALUE …] [--b-env KEY=VALUE …] [--a-node-flags="<flags>"] [--b-node-flags="<flags>"]',
    );
  if (values.operation !== 'get' && values.operation !== 'patch') throw new Error(`--operation is get or patch, not ${values.operation}`);
  const operation: Operation = values.operation;
  const builds = { A: resolve(values.a), B: resolve(values.b) };
  const settings = { A: settingsOf(values['a-env']), B: settingsOf(values['b-env']) };
  const nodeFlags = { A: flagsOf(values['a-node-flags']), B: flagsOf(values['b-node-flags']) };
  const database = await startDatabase({ log: (line) => process.stderr.write(`[ab] ${line}\n`) });
  // The embedded database's process, whose CPU per request measures the machine's speed at the time.
  const databasePids = 'pid' in database && typeof database.pid === 'number' ? [database.pid] : [];
  const logs = mkdtempSync(join(tmpdir(), 'users-api-ab-'));
  try {
    const uri = new URL(database.uri);
    uri.pathname = '/ab_bench';
    const seeder = await startBuild(builds.A, uri.toString(), join(logs, 'seeder.log'));
    const ids: string[] = [];
    for (let i = 0; i < Number(values.users); i++) {
      const reply = await fetch(`${seeder.baseUrl}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `AB ${i}`, email: `ab-${i}@example.com` }),
      });
      const body = (await reply.json()) as { id?: string };
      if (reply.status === 201 && body.id) ids.push(body.id);
    }
    await seeder.stop();
    const rows: string[] = [];
    for (let round = 1; round <= Number(values.rounds); round++) {
      const measured: Record<string, { rps: number; cpuUs: number; databaseUs: number; peakMiB: number }> = {};
      for (const name of ['A', 'B'] as const) {
        const server = await startBuild(builds[name], uri.toString(), join(logs, `${name}-${round}.log`), settings[name], nodeFlags[name]);
        await load(server.baseUrl, ids, Number(values.warmup), operation);
        const ticksBefore = cpuTicks([server.pid]);
        const databaseBefore = cpuTicks(databasePids);
        const { rps, statuses } = await load(server.baseUrl, ids, Number(values.duration), operation);
        const ticks = cpuTicks([server.pid]) - ticksBefore;
        const databaseTicks = cpuTicks(databasePids) - databaseBefore;
        const peakMiB = (memoryOf(server.pid)?.peakRssKb ?? 0) / 1024;
        await server.stop();
        if (Object.keys(statuses).some((status) => status !== '200')) throw new Error(`${name}: statuses ${JSON.stringify(statuses)}`);
        const answered = Object.values(statuses).reduce((sum, count) => sum + count, 0);
        const cpuUs = microsecondsPerRequest(ticks, answered);
        const databaseUs = microsecondsPerRequest(databaseTicks, answered);
        measured[name] = { rps, cpuUs, databaseUs, peakMiB };
        process.stderr.write(
          `[ab] round ${round} ${name}: ${Math.round(rps)} req/s, ${Math.round(cpuUs)} µs CPU/request (database ${Math.round(databaseUs)} µs), peak RSS ${Math.round(peakMiB)} MiB ${JSON.stringify(statuses)}\n`,
        );
      }
      const a = measured.A ?? { rps: 0, cpuUs: 0, databaseUs: 0, peakMiB: 0 };
      const b = measured.B ?? { rps: 0, cpuUs: 0, databaseUs: 0, peakMiB: 0 };
      // The service's CPU relative to the database's in the same round: the machine's speed drifts
      // by ±15% between rounds and moves both alike, so this ratio varies less between rounds.
      const relative = (side: typeof a) => side.cpuUs / (side.databaseUs || 1);
      rows.push(
        `| ${round} | ${Math.round(a.rps)} | ${Math.round(b.rps)} | ${(b.rps / (a.rps || 1)).toFixed(2)}× | ${Math.round(a.cpuUs)} | ${Math.round(b.cpuUs)} | ${(b.cpuUs / (a.cpuUs || 1)).toFixed(2)}× | ${databasePids.length > 0 ? `${(relative(b) / (relative(a) || 1)).toFixed(2)}×` : '—'} | ${Math.round(a.peakMiB)} | ${Math.round(b.peakMiB)} |`,
      );
    }
    process.stdout.write(
      `operation: ${operation}\nA: ${builds.A} ${JSON.stringify(settings.A)} ${(nodeFlags.A ?? SERVER_NODE_FLAGS).join(' ')}\nB: ${builds.B} ${JSON.stringify(settings.B)} ${(nodeFlags.B ?? SERVER_NODE_FLAGS).join(' ')}\n\n| round | A req/s | B req/s | B/A | A µs CPU/req | B µs CPU/req | B/A | B/A ÷ the database's | A peak RSS MiB | B peak RSS MiB |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n`,
    );
  } finally {
    await database.stop();
    rmSync(logs, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
