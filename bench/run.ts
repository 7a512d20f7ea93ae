// `npm run bench`: the service as shipped against three peers (bench/peers/) and the database's
// own ceiling, each server on a fresh embedded FerretDB seeded with the same number of users,
// under the same load. Writes <date>-<label>.{md,json,svg}; exits non-zero if any workload got
// an answer other than 2xx (or none), because such a run measures nothing. See docs/performance.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { inspect } from 'node:util';
import { startFerretDb, ensureFerretDbBuilt } from '../scripts/lib/database.js';
import { addExitHook } from '../scripts/lib/managed-process.js';
import { findProjectRoot } from '../scripts/lib/project-root.js';
import { createTempDataDir } from '../scripts/lib/temp-data-dir.js';
import { measureDatabase } from './lib/database-loop.js';
import { waitUntilIdle } from './lib/drain.js';
import { cpuTicks, microsecondsPerRequest } from './lib/proc-stats.js';
import { ensureFlaskVenv } from './lib/flask-venv.js';
import { mergeRounds } from './lib/rounds.js';
import { runLoad } from './lib/load.js';
import { describeMachine } from './lib/machine.js';
import { benchProvider, type BenchProvider } from './lib/jwt-provider.js';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './lib/options.js';
import { renderMarkdown, formatMs, formatRate } from './lib/report-md.js';
import { renderSvg } from './lib/report-svg.js';
import { SERVER_ORDER, type BenchReport, type CpuPerRequest, type ServerRecord, type UsersRun } from './lib/results.js';
import { seedPeerDatabase, seedThroughProduct, type SeededUser } from './lib/seed.js';
import { SERVER_COMMANDS, startBare, startFastify, startFlask, startService, type RunningServer } from './lib/servers.js';
import { startSpanSink } from './lib/span-sink.js';
import { describeStatuses, failures, judge, notRunReason, type Outcome } from './lib/verdict.js';
import { createTarget, WORKLOADS, type ServerKind, type Workload } from './lib/workloads.js';

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

/** Set when the bench fails: the server logs then stay, since they may say why. */
let keepServerLogs = false;

/** The same picks (emails, ids) for every server: a fixed seed for the PRNG. */
const PICK_SEED = 42;

type FreshDatabase = { uri: string; pid: number; stop(): Promise<void> };

/** A new FerretDB on an empty temporary directory, removed again by stop(). */
async function startFreshDatabase(): Promise<FreshDatabase> {
  const temp = await createTempDataDir();
  try {
    const db = await startFerretDb({ dataDir: temp.dataDir, log });
    return {
      uri: db.uri.replace(/\/?$/, '/bench'),
      pid: db.pid,
      stop: async () => {
        await db.stop();
        await temp.remove();
      },
    };
  } catch (error) {
    await temp.remove();
    throw error;
  }
}

async function settle(pids: number[], what: string): Promise<void> {
  if (!(await waitUntilIdle(pids))) log(`warning: ${what} was still busy after 30 s; measuring anyway`);
}

type Context = { options: BenchOptions; token: string; provider: BenchProvider | undefined; gunicorn: string; workDir: string; outcomes: Outcome[] };

async function measureServer(kind: ServerKind, users: number, context: Context): Promise<ServerRecord> {
  const { options } = context;
  const db = await startFreshDatabase();
  // Where the traced service sends its spans; it flushes the last ones when stopped.
  const sink = kind === 'traced' ? await startSpanSink() : undefined;
  let server: RunningServer | undefined;
  try {
    const seedStarted = performance.now();
    const product = kind === 'service' || kind === 'traced' || kind === 'jwt';
    const provider = kind === 'jwt' ? context.provider : undefined;
    if (kind === 'jwt' && !provider) throw new Error("the jwt server needs the run's provider (--jwt)");
    const seeded: SeededUser[] = product ? await seedThroughProduct(db.uri, users) : await seedPeerDatabase(db.uri, users);
    log(`${kind}: seeded ${users} users in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    await settle([db.pid], 'the database after seeding');

    const logFile = join(context.workDir, `${kind}-${users}.log`);
    const running = product
      ? await startService({
          node: options.node,
          dbUri: db.uri,
          token: context.token,
          logFile,
          ...(kind === 'traced' && sink ? { otlpEndpoint: sink.url } : {}),
          ...(provider ? { jwt: provider } : {}),
        })
      : kind === 'bare'
        ? await startBare({ node: options.node, dbUri: db.uri, logFile })
        : kind === 'fastify'
          ? await startFastify({ node: options.node, dbUri: db.uri, logFile })
          : await startFlask({ gunicorn: context.gunicorn, dbUri: db.uri, logFile });
    server = running;
    log(`${kind}: ready ${formatMs(running.readyMs)} ms after spawn`);

    const headers: Record<string, string> = product ? { authorization: `Bearer ${provider?.token ?? context.token}` } : {};
    const target = createTarget({ kind, baseUrl: running.baseUrl, headers, seeded, connections: options.connections, seed: PICK_SEED });
    const record: ServerRecord = { command: SERVER_COMMANDS[kind], readyMs: running.readyMs, memory: undefined, workloads: {} };
    const pids = [running.pid, db.pid];
    for (const workload of workloadsOf(kind, options)) {
      if (notRunReason(kind, users, workload.id) !== undefined) {
        log(`${kind}, ${users} users, ${workload.title}: not run (see NOT_RUN in bench/lib/verdict.ts)`);
        continue;
      }
      const load = async (phase: 'warmup' | 'measure', durationSec: number) => {
        // Between workloads always; the warm-up's tail is the same load and may run into the measurement.
        if (phase === 'warmup' || workload.quietBeforeMeasuring) await settle(pids, `${kind} before ${workload.title}`);
        const plan = await workload.plan(target, phase);
        const before = { server: cpuTicks([running.pid]), database: cpuTicks([db.pid]), bench: process.cpuUsage() };
        const result = await runLoad({ baseUrl: running.baseUrl, headers, plan, connections: options.connections, durationSec });
        const answered = Math.max(result.requests, 1);
        const bench = process.cpuUsage(before.bench);
        const cpu: CpuPerRequest = {
          serverUs: microsecondsPerRequest(cpuTicks([running.pid]) - before.server, answered),
          databaseUs: microsecondsPerRequest(cpuTicks([db.pid]) - before.database, answered),
          loadGeneratorUs: (bench.user + bench.system) / answered,
        };
        return { result, cpu };
      };
      await load('warmup', options.warmupSec);
      const { result, cpu } = await load('measure', options.durationSec);
      const outcome: Outcome = { server: kind, users, workload: workload.id, title: workload.title, result };
      const verdict = judge(outcome);
      context.outcomes.push(outcome);
      record.workloads[workload.id] = { title: workload.title, scaling: workload.scaling, result, verdict, cpu };
      log(
        `${kind}, ${users} users, ${workload.title}: ${formatRate(result.rps)} req/s, p50 ${formatMs(result.latencyMs.p50)} ms, ` +
          `p99 ${formatMs(result.latencyMs.p99)} ms (${describeStatuses(result)})${verdict.kind === 'ok' ? '' : ` ${verdict.kind.toUpperCase()}`}`,
      );
    }
    record.memory = running.memory();
    if (sink) {
      await running.stop();
      record.spans = sink.spans();
      log(`${kind}: its collector received ${record.spans} spans`);
    }
    return record;
  } finally {
    await server?.stop();
    await sink?.close();
    await db.stop();
  }
}

/** The workloads measured on this server: its own, as `--workloads` chose. */
function workloadsOf(kind: ServerKind, options: BenchOptions): Workload[] {
  return WORKLOADS.filter((candidate) => candidate.servers.includes(kind) && (options.workloads === undefined || options.workloads.includes(candidate.id)));
}

async function measureUsers(users: number, context: Context): Promise<UsersRun> {
  const { options } = context;
  const asked = (kind: ServerKind) => (kind === 'traced' ? options.trace : kind === 'jwt' ? options.jwt : true) && workloadsOf(kind, options).length > 0;
  const kinds = SERVER_ORDER.filter(asked);
  // The servers take turns round after round (rounds.ts); one round is the bench as it always was.
  const rounds = new Map<ServerKind, ServerRecord[]>(kinds.map((kind) => [kind, []]));
  for (let round = 1; round <= options.rounds; round++) {
    if (options.rounds > 1) log(`${users} users: round ${round} of ${options.rounds}`);
    for (const kind of kinds) rounds.get(kind)?.push(await measureServer(kind, users, context));
  }
  const servers: UsersRun['servers'] = Object.fromEntries(kinds.map((kind) => [kind, mergeRounds(rounds.get(kind) ?? [])]));

  const db = await startFreshDatabase();
  try {
    const seeded = await seedPeerDatabase(db.uri, users);
    const database = await measureDatabase({
      dbUri: db.uri,
      seeded,
      inFlight: options.connections,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      settle: () => settle([db.pid], 'the database'),
    });
    log(`database, ${users} users: findOne({_id}) ${formatRate(database.findOneById.opsPerSec)}/s, insertOne ${formatRate(database.insertOne.opsPerSec)}/s`);
    return { users, servers, database };
  } finally {
    await db.stop();
  }
}

function commandLine(argv: readonly string[]): string {
  const quoted = argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`));
  return ['npm run bench', ...(quoted.length > 0 ? ['--', ...quoted] : [])].join(' ');
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseOptions(argv, process.execPath);
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parsed;
  const root = findProjectRoot();
  const outDir = resolve(options.outDir ?? (options.smoke ? mkdtempSync(join(tmpdir(), 'users-api-bench-smoke-')) : join(root, 'bench', 'results')));
  mkdirSync(outDir, { recursive: true });

  // Everything that can fail for want of a tool, before any measuring.
  await ensureFerretDbBuilt(log);
  const gunicorn = await ensureFlaskVenv(log);
  const machine = describeMachine(options.node, join(gunicorn, '..', 'python'));
  const label = options.label ?? `${options.smoke ? 'smoke-' : ''}users-${options.users.join('-')}-node${machine.nodeServers.replace(/^v/, '')}`;
  const date = new Date().toISOString().slice(0, 10);
  log(
    `${label}: users ${options.users.join(', ')}, ${options.connections} connections, ${options.warmupSec} s warm-up + ${options.durationSec} s per workload`,
  );

  // Server logs: removed at exit (interrupted included) unless the bench failed.
  const workDir = mkdtempSync(join(tmpdir(), 'users-api-bench-'));
  addExitHook(() => {
    if (!keepServerLogs) rmSync(workDir, { recursive: true, force: true });
  });
  // 32 characters, as API_TOKENS asks (at least 16); a new one each run.
  const provider = options.jwt ? await benchProvider(workDir) : undefined;
  const context: Context = { options, token: randomBytes(16).toString('hex'), provider, gunicorn, workDir, outcomes: [] };
  const runs: UsersRun[] = [];
  const report = (stoppedBy?: unknown): BenchReport => ({
    label,
    command: commandLine(argv),
    date,
    machine,
    settings: {
      users: options.users,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      connections: options.connections,
      smoke: options.smoke,
      trace: options.trace,
      jwt: options.jwt,
      rounds: options.rounds,
      ...(options.workloads === undefined ? {} : { workloads: options.workloads }),
    },
    runs,
    failures: [
      ...failures(context.outcomes),
      ...(stoppedBy === undefined ? [] : [`the run stopped: ${stoppedBy instanceof Error ? stoppedBy.message : inspect(stoppedBy)}`]),
    ],
  });
  const base = join(outDir, `${date}-${label}`);
  const write = (finished: BenchReport) => {
    writeFileSync(`${base}.json`, `${JSON.stringify(finished, null, 2)}\n`);
    writeFileSync(`${base}.md`, renderMarkdown(finished));
    writeFileSync(`${base}.svg`, renderSvg(finished));
    const shown = relative(process.cwd(), base).startsWith('..') ? base : relative(process.cwd(), base);
    log(`results: ${shown}.md, .json, .svg`);
  };
  try {
    for (const users of options.users) runs.push(await measureUsers(users, context));
  } catch (error) {
    // A long run is not lost to a late failure: what was measured is written, marked as failed.
    if (runs.length > 0) write(report(error));
    throw error;
  }
  const finished = report();
  write(finished);

  if (finished.failures.length > 0) {
    process.stderr.write(
      `\nBENCH FAILED: ${finished.failures.length} workload run(s) got answers other than 2xx, errors or timeouts; ` +
        `their numbers are not throughput:\n${finished.failures.map((line) => `  - ${line}`).join('\n')}\n` +
        `Server logs kept in ${workDir}\n`,
    );
    keepServerLogs = true;
    return 1;
  }
  return 0;
}

// Exit through process.exit so the exit hooks stop every server and database this run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    keepServerLogs = true;
    process.stderr.write(`\nBENCH FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
