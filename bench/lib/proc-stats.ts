// What Linux's /proc says about the measured processes: CPU time used (to tell when a server has
// finished the work of the previous workload) and memory (resident now, and at its peak).
import { readFileSync, readdirSync } from 'node:fs';

/** Kernel clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on every Linux build in use). */
export const TICKS_PER_SECOND = 100;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** utime + stime of one process, in ticks; 0 when it is gone. */
function processTicks(pid: number): number {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return 0;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

function childrenOf(pid: number): number[] {
  const tasks = (() => {
    try {
      return readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
  })();
  return tasks.flatMap((tid) => (readText(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ').filter(Boolean).map(Number));
}

/** The process and all its descendants (gunicorn's workers, for example). */
function processTree(pid: number): number[] {
  const seen: number[] = [];
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    seen.push(next);
    pending.push(...childrenOf(next));
  }
  return seen;
}

/** CPU time used so far by these processes and their descendants, in ticks. */
export function cpuTicks(roots: readonly number[]): number {
  return roots.flatMap(processTree).reduce((sum, pid) => sum + processTicks(pid), 0);
}

/** CPU ticks spread over the requests answered meanwhile: microseconds per request (none answered counts as one). */
export function microsecondsPerRequest(ticks: number, requests: number): number {
  return ((ticks / TICKS_PER_SECOND) * 1e6) / Math.max(requests, 1);
}

export type Memory = { rssKb: number; peakRssKb: number };

/**
 * VmRSS and VmHWM of a process, summed over it and its descendants (gunicorn's master and
 * workers; a Node server is one process); undefined when it is gone.
 */
export function memoryOf(pid: number): Memory | undefined {
  const statuses = processTree(pid).flatMap((member) => readText(`/proc/${member}/status`) ?? []);
  if (statuses.length === 0) return undefined;
  const field = (status: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return {
    rssKb: statuses.reduce((sum, status) => sum + field(status, 'VmRSS'), 0),
    peakRssKb: statuses.reduce((sum, status) => sum + field(status, 'VmHWM'), 0),
  };
}
