// `--rounds N`: each server is measured N times per users count, the servers taking turns (service,
// bare, fastify, …, service, bare, …), so that the machine's drift over minutes (measured: the
// database alone 1,732–4,429 findOne/s within one run) falls on every server alike. Each workload
// is then reported by its median round, with every round's req/s beside it.
import type { ServerRecord, WorkloadRecord } from './results.js';
import type { WorkloadId } from './workloads.js';

/** The record of the round with the median req/s (the lower middle one for an even count). */
function medianRound(rounds: readonly WorkloadRecord[]): WorkloadRecord | undefined {
  const sorted = [...rounds].sort((a, b) => a.result.rps - b.result.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * One server's rounds as one record: per workload the median round, with `roundsRps` (each
 * round's req/s, in the order measured) when there was more than one; the median time to ready,
 * the highest peak RSS (and the RSS after that round), the most spans.
 */
export function mergeRounds(rounds: readonly ServerRecord[]): ServerRecord {
  const [first] = rounds;
  if (first === undefined) throw new Error('no rounds to merge');
  if (rounds.length === 1) return first;
  const workloads: ServerRecord['workloads'] = {};
  const ids = new Set(rounds.flatMap((round) => Object.keys(round.workloads) as WorkloadId[]));
  for (const id of ids) {
    const measured = rounds.flatMap((round) => round.workloads[id] ?? []);
    const median = medianRound(measured);
    if (median) workloads[id] = { ...median, roundsRps: measured.map((record) => record.result.rps) };
  }
  const readyMs = [...rounds.map((round) => round.readyMs)].sort((a, b) => a - b)[Math.floor((rounds.length - 1) / 2)] ?? first.readyMs;
  const peakiest = rounds.reduce((most, round) => ((round.memory?.peakRssKb ?? 0) > (most.memory?.peakRssKb ?? 0) ? round : most), first);
  const spans = rounds.some((round) => round.spans !== undefined) ? Math.max(...rounds.map((round) => round.spans ?? 0)) : undefined;
  return { command: first.command, readyMs, memory: peakiest.memory, ...(spans === undefined ? {} : { spans }), workloads };
}
