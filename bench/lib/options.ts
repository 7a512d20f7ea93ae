// The command line of `npm run bench`, parsed and checked once.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WORKLOADS, type WorkloadId } from './workloads.js';

const WORKLOAD_IDS: readonly WorkloadId[] = WORKLOADS.map((workload) => workload.id);

export type BenchOptions = {
  /** Users seeded before measuring; one full round of servers per count. */
  users: number[];
  /** Seconds each workload is measured for (after its warm-up). */
  durationSec: number;
  /** Seconds of the same load before each measurement, not counted. */
  warmupSec: number;
  connections: number;
  /** Node binary for the service and the Node peers (bare, fastify). */
  node: string;
  /** Part of the result file names; undefined: derived from the counts and the Node version. */
  label: string | undefined;
  smoke: boolean;
  /** Also run the service with tracing on (the `traced` server), to show what tracing costs. */
  trace: boolean;
  /** Also run the service with JWTs instead of a static token (the `jwt` server), to show what verifying them costs. */
  jwt: boolean;
  /** Where results go; undefined: bench/results (or a temporary directory in smoke mode). */
  outDir: string | undefined;
  /** Times each server is measured per users count, the servers taking turns (rounds.ts). */
  rounds: number;
  /** The workloads to measure; undefined: every one. */
  workloads: WorkloadId[] | undefined;
};

export const USAGE = `Usage: npm run bench -- [options]

  --users N[,N…]      users seeded before measuring; several counts run one after another (default 10000)
  --duration S        seconds per workload, after a short warm-up (default 6)
  --connections C     concurrent connections of the load generator (default 32)
  --node PATH         Node binary for the service and the Node peers, bare and fastify (default: the
                      one running the bench)
  --label NAME        results are named <date>-<label> (default users-<counts>-node<version>)
  --out DIR           results directory (default bench/results; a temporary directory with --smoke)
  --smoke             300 users, 1 s per workload, 8 connections: a quick end-to-end check
  --trace             also run the service with tracing on ("traced": spans sent to a local sink that
                      counts and discards them), beside it with tracing off ("service")
  --jwt               also run the service with an identity provider's JWTs ("jwt": every request
                      sends an RS256 access token with every scope, verified against a JWKS file),
                      beside it with a static API_TOKENS token ("service")
  --rounds N          measure each server N times per users count, the servers taking turns, and
                      report each workload by its median round (default 1)
  --workloads ID[,…]  measure only these workloads (ids: ${WORKLOAD_IDS.join(', ')})
  --help              this text
`;

export class UsageError extends Error {}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} wants a positive integer, not "${text}"`);
  return value;
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} wants a positive number, not "${text}"`);
  return value;
}

/** Returns the options, or 'help'; throws UsageError on anything it does not understand. */
export function parseOptions(argv: readonly string[], defaultNode: string): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        users: { type: 'string', multiple: true },
        duration: { type: 'string' },
        connections: { type: 'string' },
        node: { type: 'string' },
        label: { type: 'string' },
        out: { type: 'string' },
        smoke: { type: 'boolean', default: false },
        trace: { type: 'boolean', default: false },
        jwt: { type: 'boolean', default: false },
        rounds: { type: 'string' },
        workloads: { type: 'string', multiple: true },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const smoke = values.smoke ?? false;

  const users = (values.users ?? [smoke ? '300' : '10000']).flatMap((item) => item.split(',')).map((item) => positiveInteger('--users', item.trim()));
  const durationSec = values.duration === undefined ? (smoke ? 1 : 6) : positiveNumber('--duration', values.duration);
  const connections = values.connections === undefined ? (smoke ? 8 : 32) : positiveInteger('--connections', values.connections);
  const rounds = values.rounds === undefined ? 1 : positiveInteger('--rounds', values.rounds);
  const workloads = values.workloads?.flatMap((item) => item.split(',')).map((item) => item.trim());
  const unknown = workloads?.filter((id) => !(WORKLOAD_IDS as readonly string[]).includes(id)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--workloads: no workload ${unknown.join(', ')} (ids: ${WORKLOAD_IDS.join(', ')})`);
  if (values.label !== undefined && !/^[\w.-]+$/.test(values.label)) {
    throw new UsageError(`--label may hold letters, digits, '.', '_' and '-' only, not "${values.label}"`);
  }
  return {
    users: [...new Set(users)].sort((a, b) => a - b),
    durationSec,
    // Long enough for connections, JIT and caches to settle; short next to the measurement.
    warmupSec: Math.min(2, Math.max(0.3, durationSec / 4)),
    connections,
    // A path is taken from the current directory; a bare name is looked up on PATH.
    node: values.node === undefined ? defaultNode : values.node.includes('/') ? resolve(values.node) : values.node,
    label: values.label,
    smoke,
    trace: values.trace ?? false,
    jwt: values.jwt ?? false,
    outDir: values.out,
    rounds,
    workloads: workloads === undefined ? undefined : WORKLOAD_IDS.filter((id) => workloads.includes(id)),
  };
}
