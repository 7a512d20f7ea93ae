// Whether a workload's run counts. Throughput only means something when every request got the
// answer the workload asked for: a 429, a 503 or a timeout is a failure of the run, not a fast
// response. The one exception is listed below with its reason.
import type { LoadResult } from './load.js';
import type { ServerKind, WorkloadId } from './workloads.js';

export type Outcome = {
  server: ServerKind;
  users: number;
  workload: WorkloadId;
  title: string;
  result: LoadResult;
};

export type Verdict = { kind: 'ok' } | { kind: 'tolerated'; problem: string; reason: string } | { kind: 'failed'; problem: string };

type Allowance = { workloads: readonly WorkloadId[]; minUsers: number; reason: string; servers?: readonly ServerKind[] };

/** The baselines' workloads that FerretDB answers by reading the whole collection. */
const BASELINE_SCANS: readonly WorkloadId[] = [
  'get-user-by-email',
  'list-by-email',
  'patch-user',
  'patch-user-by-id',
  'delete-user',
  'list-first-page',
  'list-near-end',
];

/** The entry of `list` that covers this run, if any. */
function entryFor(list: readonly Allowance[], server: ServerKind, users: number, workload: WorkloadId): Allowance | undefined {
  return list.find((entry) => entry.workloads.includes(workload) && users >= entry.minUsers && (entry.servers?.includes(server) ?? true));
}

/**
 * Runs whose non-2xx answers and timeouts are reported in the table instead of failing the bench.
 * Keep this list short and give every entry its reason.
 */
export const TOLERATED: readonly Allowance[] = [
  {
    workloads: ['list-first-page', 'list-near-end'],
    minUsers: 100_000,
    reason:
      'FerretDB v1 answers a page by _id ($gt, sort, limit) by scanning the table (see docs/database.md): ' +
      "from 100k users a page can take longer than the service's database bound (503) or the load generator's timeout",
  },
  {
    servers: ['bare', 'fastify', 'flask'],
    workloads: BASELINE_SCANS,
    minUsers: 10_000,
    reason:
      'the baselines filter the naive way ({emailKey}, {_id, version}, a page per request), which FerretDB v1 answers by ' +
      "reading the whole collection: from 10k users their requests can outlast the load generator's timeout. Their " +
      'figures are reported as measured',
  },
];

/**
 * Runs that are not made at all, each with its reason; the report names them. From 100k users a
 * baseline's full-scan request keeps its database busy for seconds after the load generator gave
 * up on it, and 32 connections leave minutes of such work queued: the workloads after it, even
 * its `_id` lookups, would measure that backlog instead of themselves (seen: the bare peer's
 * `GET /users/{id}` at 109 req/s behind it, and a set-up request that timed out after 60 s).
 */
export const NOT_RUN: readonly Allowance[] = [
  {
    servers: ['bare', 'fastify', 'flask'],
    workloads: BASELINE_SCANS,
    minUsers: 100_000,
    reason:
      "each of the baselines' requests here reads the whole collection (several seconds each at 100k users) and the work " +
      'they leave queued in the database would be measured by every later workload; their cost grows with the users ' +
      'count, as the 1k and 10k rows show',
  },
];

/** Why a run is not made, or undefined when it is. */
export function notRunReason(server: ServerKind, users: number, workload: WorkloadId): string | undefined {
  return entryFor(NOT_RUN, server, users, workload)?.reason;
}

/** "200×1200, 503×3, 2 timeouts": every way the requests ended. */
export function describeStatuses(result: LoadResult): string {
  const parts = Object.entries(result.statuses)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, count]) => `${status}×${count}`);
  if (result.timeouts > 0) parts.push(`${result.timeouts} timeouts`);
  if (result.errors > 0) parts.push(`${result.errors} connection errors`);
  return parts.join(', ') || 'no responses before the run ended';
}

function problemOf(result: LoadResult): string | undefined {
  const non2xx = Object.entries(result.statuses).some(([status, count]) => count > 0 && !/^2\d\d$/.test(status));
  if (non2xx || result.errors > 0 || result.timeouts > 0 || result.requests === 0) return describeStatuses(result);
  return undefined;
}

export function judge(outcome: Outcome): Verdict {
  const problem = problemOf(outcome.result);
  if (problem === undefined) return { kind: 'ok' };
  const allowance = entryFor(TOLERATED, outcome.server, outcome.users, outcome.workload);
  return allowance ? { kind: 'tolerated', problem, reason: allowance.reason } : { kind: 'failed', problem };
}

/** One line per run that failed, naming the server, the users count, the workload and what came back. */
export function failures(outcomes: readonly Outcome[]): string[] {
  return outcomes.flatMap((outcome) => {
    const verdict = judge(outcome);
    return verdict.kind === 'failed' ? [`${outcome.server}, ${outcome.users} users, ${outcome.title} (${outcome.workload}): ${verdict.problem}`] : [];
  });
}
