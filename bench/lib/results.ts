// The shape of a run's results: written as <date>-<label>.json, and what the .md and .svg are drawn from.
import type { DatabaseCeiling } from './database-loop.js';
import type { LoadResult } from './load.js';
import type { Machine } from './machine.js';
import type { Memory } from './proc-stats.js';
import type { Verdict } from './verdict.js';
import type { ServerKind, WorkloadId } from './workloads.js';

export const SERVER_ORDER: readonly ServerKind[] = ['service', 'traced', 'jwt', 'bare', 'fastify', 'flask'];

/**
 * CPU time used during the measured run, per answered request, in µs: by the server's processes,
 * by the database's, and by the bench process (the load generator). The cores are shared, so
 * a server's rate follows the sum, not its own share alone.
 */
export type CpuPerRequest = { serverUs: number; databaseUs: number; loadGeneratorUs: number };

export type WorkloadRecord = {
  title: string;
  scaling: boolean;
  result: LoadResult;
  verdict: Verdict;
  cpu?: CpuPerRequest;
  /** With `--rounds` above 1: every round's req/s, in the order measured (this record is the median one). */
  roundsRps?: number[];
};

export type ServerRecord = {
  command: string;
  /** Spawn to first 200 on the readiness route, database up and seeded. */
  readyMs: number;
  /** After the last workload: resident now and at its peak (VmRSS, VmHWM), summed over the server's processes. */
  memory: Memory | undefined;
  /** traced: the spans its collector received over the whole run (set-up and warm-ups included). */
  spans?: number;
  workloads: Partial<Record<WorkloadId, WorkloadRecord>>;
};

export type UsersRun = {
  users: number;
  servers: Partial<Record<ServerKind, ServerRecord>>;
  database: DatabaseCeiling;
};

export type BenchReport = {
  label: string;
  command: string;
  date: string;
  machine: Machine;
  settings: {
    users: number[];
    durationSec: number;
    warmupSec: number;
    connections: number;
    smoke: boolean;
    trace?: boolean;
    jwt?: boolean;
    /** Rounds per server and users count (absent: 1). */
    rounds?: number;
    /** The workloads measured, when `--workloads` chose some (absent: all). */
    workloads?: WorkloadId[];
  };
  runs: UsersRun[];
  /** Runs that failed: a non-2xx answer, an error or a timeout where none is tolerated. */
  failures: string[];
};
