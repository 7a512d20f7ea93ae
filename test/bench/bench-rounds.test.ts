import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LoadResult } from '../../bench/lib/load.js';
import { parseOptions, UsageError, type BenchOptions } from '../../bench/lib/options.js';
import type { BenchReport, ServerRecord, WorkloadRecord } from '../../bench/lib/results.js';
import { mergeRounds } from '../../bench/lib/rounds.js';
import { runBench, type BenchRun } from '../support/bench-run.js';

// `--rounds` and `--workloads`: the servers measured in turns, each workload reported by its
// median round. The figures of the run at the end are never asserted, only what was measured.

function options(argv: string[]): BenchOptions {
  const parsed = parseOptions(argv, 'node');
  assert.notEqual(parsed, 'help');
  return parsed as BenchOptions;
}

function record(rps: number): WorkloadRecord {
  const result: LoadResult = {
    requests: rps * 6,
    durationSec: 6,
    rps,
    latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1.5 },
    statuses: { 200: rps * 6 },
    errors: 0,
    timeouts: 0,
  };
  return { title: 'GET /users/{id}', scaling: false, result, verdict: { kind: 'ok' } };
}

function server(rps: number, peakRssKb: number, readyMs: number): ServerRecord {
  return { command: 'node server.js', readyMs, memory: { rssKb: peakRssKb - 1, peakRssKb }, workloads: { 'get-user-by-id': record(rps) } };
}

describe('the bench options --rounds and --workloads', () => {
  it('when neither is given, then one round of every workload, as before', () => {
    const parsed = options([]);
    assert.equal(parsed.rounds, 1);
    assert.equal(parsed.workloads, undefined);
  });

  it('when they are given, then the rounds are counted and the workloads kept in the bench order', () => {
    const parsed = options(['--rounds', '3', '--workloads', 'get-user-by-id,healthz']);
    assert.equal(parsed.rounds, 3);
    assert.deepEqual(parsed.workloads, ['healthz', 'get-user-by-id']);
  });

  it('when a workload is unknown or the rounds are not a positive integer, then a usage error names it', () => {
    assert.throws(
      () => parseOptions(['--workloads', 'get-user-by-id,nope'], 'node'),
      (error: unknown) => error instanceof UsageError && /nope/.test(error.message),
    );
    assert.throws(() => parseOptions(['--rounds', '0'], 'node'), UsageError);
    assert.throws(() => parseOptions(['--rounds', '1.5'], 'node'), UsageError);
  });
});

describe('when rounds of one server are merged', () => {
  it('when there are three rounds, then each workload is its median round, with every round listed in order', () => {
    const merged = mergeRounds([server(900, 140_000, 700), server(1_500, 150_000, 500), server(1_200, 145_000, 600)]);
    const read = merged.workloads['get-user-by-id'];
    assert.equal(read?.result.rps, 1_200);
    assert.deepEqual(read?.roundsRps, [900, 1_500, 1_200]);
    assert.equal(merged.readyMs, 600, 'the median time to ready');
    assert.equal(merged.memory?.peakRssKb, 150_000, 'the highest peak');
  });

  it('when there are two rounds, then the lower one is reported (the goal is not met by the luckier round)', () => {
    assert.equal(mergeRounds([server(1_500, 1, 1), server(900, 1, 1)]).workloads['get-user-by-id']?.result.rps, 900);
  });

  it('when there is one round, then it is the record as measured', () => {
    const only = server(1_000, 1, 1);
    assert.equal(mergeRounds([only]), only);
  });
});

describe('when the bench runs two rounds of the id read in its smoke mode', () => {
  let outDir = '';
  let stderr = '';
  let exit: BenchRun['exit'] | undefined;

  before(
    async () => {
      ({ outDir, exit, stderr } = await runBench(['--smoke', '--rounds', '2', '--workloads', 'get-user-by-id']));
    },
    { timeout: 300_000 },
  );
  after(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('then each server with that workload was measured twice, in turns, and the report lists both rounds', async () => {
    assert.deepEqual(exit, { code: 0, signal: null }, stderr);
    const names = await readdir(outDir);
    const json = names.find((name) => name.endsWith('.json'));
    assert.ok(json, `a .json in ${names.join(', ')}`);
    const report = JSON.parse(readFileSync(join(outDir, json), 'utf8')) as BenchReport;
    assert.deepEqual(report.failures, []);
    assert.equal(report.settings.rounds, 2);
    const run = report.runs[0];
    assert.ok(run);
    // flask has no id read: it is not started at all.
    assert.deepEqual(Object.keys(run.servers).sort(), ['bare', 'fastify', 'service']);
    for (const kind of ['service', 'bare', 'fastify'] as const) {
      const workloads: ServerRecord['workloads'] = run.servers[kind]?.workloads ?? {};
      assert.deepEqual(Object.keys(workloads), ['get-user-by-id'], `${kind}: the chosen workload only`);
      const rounds: number[] = workloads['get-user-by-id']?.roundsRps ?? [];
      assert.equal(rounds.length, 2, `${kind}: two rounds`);
      assert.ok(
        rounds.every((rps) => rps > 0),
        `${kind}: answers in every round`,
      );
    }
    // The servers took turns: service, bare, fastify, then again.
    const started = [...stderr.matchAll(/\[bench\] (service|bare|fastify): ready/g)].map((match) => match[1]);
    assert.deepEqual(started, ['service', 'bare', 'fastify', 'service', 'bare', 'fastify']);
    const markdown = readFileSync(join(outDir, json.replace(/\.json$/, '.md')), 'utf8');
    assert.match(markdown, /req\/s of each round/);
    assert.match(markdown, /\| `GET \/users\/\{id\}` \| [\d.,]+, [\d.,]+ \| [\d.,]+, [\d.,]+ \| [\d.,]+, [\d.,]+ \|/);
  });
});
