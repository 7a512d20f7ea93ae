// The human-readable report: how the numbers were made, then one table per users count.
import type { OperationResult } from './database-loop.js';
import { SERVER_ORDER, type BenchReport, type UsersRun, type WorkloadRecord } from './results.js';
import { SERVER_COMMANDS } from './servers.js';
import { describeStatuses, NOT_RUN, notRunReason, TOLERATED } from './verdict.js';
import { WORKLOADS, type ServerKind, type WorkloadId } from './workloads.js';

export function formatRate(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

export function formatMs(value: number): string {
  return value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

/** The peers the service is compared with, each in a ratio column of its own. */
const PEERS = ['bare', 'fastify', 'flask'] as const;

function ratio(a: WorkloadRecord | undefined, b: WorkloadRecord | undefined): string {
  if (!a || !b || b.result.rps === 0) return '—';
  return `${(a.result.rps / b.result.rps).toFixed(2)}×`;
}

function cells(record: WorkloadRecord | undefined, notRun: boolean): string[] {
  if (!record) return notRun ? ['—', '—', 'not run‡'] : ['—', '—', '—'];
  const { result, verdict } = record;
  const mark = verdict.kind === 'failed' ? ' **FAILED**' : verdict.kind === 'tolerated' ? ' (tolerated†)' : '';
  return [formatRate(result.rps), `${formatMs(result.latencyMs.p50)} / ${formatMs(result.latencyMs.p99)}`, describeStatuses(result) + mark];
}

function row(values: string[]): string {
  return `| ${values.join(' | ')} |`;
}

function operationRow(name: string, result: OperationResult): string {
  return row([name, formatRate(result.opsPerSec), `${formatMs(result.latencyMs.p50)} / ${formatMs(result.latencyMs.p99)}`, String(result.errors)]);
}

function usersSection(run: UsersRun, report: BenchReport): string[] {
  const servers = SERVER_ORDER.filter((kind) => run.servers[kind] !== undefined);
  const traced = run.servers.traced;
  // The service's variants, each compared with the service itself.
  const variants = (['traced', 'jwt'] as const).filter((kind) => run.servers[kind] !== undefined);
  const lines = [`## ${run.users.toLocaleString('en-US')} users`, ''];
  if (traced)
    lines.push(
      `traced: the service with tracing on; its collector (a sink) received ${traced.spans ?? 0} spans over the run. \`traced/service\` is its throughput against the service with tracing off.`,
      '',
    );
  if (run.servers.jwt)
    lines.push(
      'jwt: the service with every request carrying an RS256 JWT instead of the static token. `jwt/service` is its throughput against the service with the static token.',
      '',
    );
  lines.push(
    row([
      'workload',
      ...servers.flatMap((kind) => [`${kind} req/s`, `${kind} p50 / p99 ms`, `${kind} statuses`]),
      ...variants.map((kind) => `${kind}/service`),
      ...PEERS.map((kind) => `service/${kind}`),
    ]),
    row(['---', ...servers.flatMap(() => ['---:', '---:', '---']), ...variants.map(() => '---:'), ...PEERS.map(() => '---:')]),
  );
  for (const workload of WORKLOADS) {
    const records = (kind: ServerKind) => run.servers[kind]?.workloads[workload.id];
    if (servers.every((kind) => records(kind) === undefined)) continue;
    lines.push(
      row([
        `\`${workload.title}\``,
        ...servers.flatMap((kind) => cells(records(kind), workload.servers.includes(kind) && notRunReason(kind, run.users, workload.id) !== undefined)),
        ...variants.map((kind) => ratio(records(kind), records('service'))),
        ...PEERS.map((kind) => ratio(records('service'), records(kind))),
      ]),
    );
  }
  lines.push(...cpuSection(run, servers));
  lines.push(...roundsSection(run, servers));
  lines.push(
    '',
    `Database ceiling (the \`mongodb\` driver in the bench process against a fresh FerretDB with the same users, ${report.settings.connections} operations in flight, no HTTP):`,
    '',
    row(['operation', 'ops/s', 'p50 / p99 ms', 'errors']),
    row(['---', '---:', '---:', '---:']),
    operationRow('`findOne({_id})`', run.database.findOneById),
    operationRow('`insertOne`', run.database.insertOne),
    '',
    "Start and memory (the server's process; for flask, gunicorn's master and workers summed, peaks too). Ready: `/readyz` answered 200 (service, bare, fastify); for flask, a worker answered (its 404 on an unknown path: each of its routes reads the collection):",
    '',
    row(['server', 'spawn → ready (ms)', 'RSS after the run (MiB)', 'peak RSS (MiB)']),
    row(['---', '---:', '---:', '---:']),
    ...servers.map((kind) => {
      const server = run.servers[kind];
      const mib = (kb: number | undefined) => (kb === undefined || Number.isNaN(kb) ? '—' : (kb / 1024).toFixed(1));
      return row([kind, server ? formatMs(server.readyMs) : '—', mib(server?.memory?.rssKb), mib(server?.memory?.peakRssKb)]);
    }),
    '',
  );
  return lines;
}

/** A caption, then the head of a table with a row per workload and a column per server. */
function tableHead(caption: string, servers: readonly ServerKind[]): string[] {
  return ['', caption, '', row(['workload', ...servers]), row(['---', ...servers.map(() => '---:')])];
}

/** The workloads whose CPU split is shown: the id read is the one the service's goal is set on. */
const CPU_WORKLOADS: readonly WorkloadId[] = ['healthz', 'get-user-by-id'];

/**
 * Where each answered request's CPU time went, per server: its own processes, the database's, the
 * load generator's. They share the machine's cores, so the rate follows their sum.
 */
function cpuSection(run: UsersRun, servers: readonly ServerKind[]): string[] {
  const measured = servers.filter((kind) => CPU_WORKLOADS.some((id) => run.servers[kind]?.workloads[id]?.cpu !== undefined));
  if (measured.length === 0) return [];
  const us = (value: number) => Math.round(value).toLocaleString('en-US');
  const lines = tableHead(
    "CPU time per answered request, µs (from /proc over the measured run: the server's processes / the database / the load generator = their sum; they share the cores, so a rate follows the sum):",
    measured,
  );
  for (const id of CPU_WORKLOADS) {
    const title = WORKLOADS.find((workload) => workload.id === id)?.title ?? id;
    const cellOf = (kind: ServerKind) => {
      const cpu = run.servers[kind]?.workloads[id]?.cpu;
      return cpu
        ? `${us(cpu.serverUs)} / ${us(cpu.databaseUs)} / ${us(cpu.loadGeneratorUs)} = ${us(cpu.serverUs + cpu.databaseUs + cpu.loadGeneratorUs)}`
        : '—';
    };
    lines.push(row([`\`${title}\``, ...measured.map(cellOf)]));
  }
  return lines;
}

/** Every round's req/s per workload and server, when there was more than one round. */
function roundsSection(run: UsersRun, servers: readonly ServerKind[]): string[] {
  const measured = WORKLOADS.filter((workload) => servers.some((kind) => (run.servers[kind]?.workloads[workload.id]?.roundsRps?.length ?? 0) > 1));
  if (measured.length === 0) return [];
  const lines = tableHead("req/s of each round, in the order measured (the table above shows each server's median round):", servers);
  for (const workload of measured) {
    lines.push(
      row([`\`${workload.title}\``, ...servers.map((kind) => run.servers[kind]?.workloads[workload.id]?.roundsRps?.map(formatRate).join(', ') ?? '—')]),
    );
  }
  return lines;
}

export function renderMarkdown(report: BenchReport): string {
  const { machine, settings } = report;
  const lines = [
    `# Benchmark ${report.label}${report.failures.length > 0 ? ' — FAILED' : ''}`,
    '',
    `\`${report.command}\``,
    '',
    row(['machine', '']),
    row(['---', '---']),
    row(['date', report.date]),
    row(['CPU', `${machine.cpu} (${machine.cores} cores)`]),
    row(['RAM', `${machine.ramGiB} GiB`]),
    row(['kernel', machine.kernel]),
    row(['Node (service, bare, fastify)', machine.nodeServers]),
    row(['Node (bench, load generator)', machine.nodeBench]),
    row(['Python (flask)', machine.python]),
    row(['database', `FerretDB ${machine.ferretDb}, a fresh one per server and users count`]),
    row([
      'load',
      `autocannon ${machine.autocannon}, ${settings.connections} connections, ${settings.warmupSec} s warm-up then ${settings.durationSec} s per workload`,
    ]),
    ...((settings.rounds ?? 1) > 1
      ? [
          row([
            'rounds',
            `${settings.rounds} per server and users count, the servers taking turns; each workload is reported by its median round (every round's req/s below each table)`,
          ]),
        ]
      : []),
    ...(settings.workloads ? [row(['workloads', settings.workloads.join(', ')])] : []),
    '',
    'Servers:',
    '',
    ...SERVER_ORDER.map((kind) => `- **${kind}**: ${SERVER_COMMANDS[kind]}`),
    '',
    'The peers are baselines (bench/peers/), not the product. The load generator, the servers and their',
    "databases share the machine's cores, so every figure is for this machine only; compare servers",
    'within one run. Latencies are per response, as autocannon times them; ratios are of req/s.',
    '',
  ];
  if (report.failures.length > 0) {
    lines.push(
      '**Failed runs** (a non-2xx answer, an error or a timeout; their req/s are not throughput):',
      '',
      ...report.failures.map((line) => `- ${line}`),
      '',
    );
  }
  for (const run of report.runs) lines.push(...usersSection(run, report));
  const tolerated = report.runs.some((run) =>
    SERVER_ORDER.some((kind) => Object.values(run.servers[kind]?.workloads ?? {}).some((record) => record.verdict.kind === 'tolerated')),
  );
  if (tolerated) {
    lines.push(
      ...TOLERATED.map((entry) => `† Tolerated from ${entry.minUsers.toLocaleString('en-US')} users for ${entry.workloads.join(', ')}: ${entry.reason}.`),
      '',
    );
  }
  const notRun = report.runs.some((run) =>
    SERVER_ORDER.some(
      (kind) =>
        run.servers[kind] !== undefined &&
        WORKLOADS.some((workload) => workload.servers.includes(kind) && notRunReason(kind, run.users, workload.id) !== undefined),
    ),
  );
  if (notRun) {
    lines.push(
      ...NOT_RUN.map(
        (entry) =>
          `‡ Not run from ${entry.minUsers.toLocaleString('en-US')} users for ${(entry.servers ?? []).join(', ')}: ${entry.workloads.join(', ')}: ${entry.reason}.`,
      ),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
