import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LoadResult } from '../../bench/lib/load.js';
import type { BenchReport, WorkloadRecord } from '../../bench/lib/results.js';
import { failures, judge, notRunReason, type Outcome } from '../../bench/lib/verdict.js';
import { WORKLOADS } from '../../bench/lib/workloads.js';
import { runBench, type BenchRun } from '../support/bench-run.js';

// The benchmark harness, end to end in its smoke mode (few users, 1 s per workload, every server
// and workload), so that it cannot rot unnoticed. Its figures are never asserted: they depend on
// the machine and on whatever else runs beside it. Only that every request got a 2xx answer is.

function fabricated(statuses: Record<string, number>, extra: Partial<LoadResult> = {}): LoadResult {
  const requests = Object.values(statuses).reduce((sum, count) => sum + count, 0);
  return {
    requests,
    durationSec: 1,
    rps: requests,
    latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1.5 },
    statuses,
    errors: 0,
    timeouts: 0,
    ...extra,
  };
}

function outcome(result: LoadResult, overrides: Partial<Outcome> = {}): Outcome {
  return { server: 'service', users: 1000, workload: 'get-user-by-id', title: 'GET /users/{id}', result, ...overrides };
}

describe('when a workload run is judged', () => {
  it('when every answer is 2xx, then it counts and the bench does not fail', () => {
    assert.deepEqual(judge(outcome(fabricated({ 200: 500 }))), { kind: 'ok' });
    assert.deepEqual(failures([outcome(fabricated({ 201: 10, 204: 3 }))]), []);
  });

  it('when some answers are not 2xx, then the bench fails naming the server, users count, workload and statuses', () => {
    const lines = failures([
      outcome(fabricated({ 200: 480, 429: 15, 503: 5 })),
      outcome(fabricated({ 204: 20 }), { server: 'flask', workload: 'delete-user', title: 'DELETE /delete' }),
    ]);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /^service, 1000 users, GET \/users\/\{id\} \(get-user-by-id\): 200×480, 429×15, 503×5$/);
  });

  it('when requests time out, fail to connect or none is answered, then the bench fails too', () => {
    assert.match(failures([outcome(fabricated({ 200: 10 }, { timeouts: 2 }))])[0] ?? '', /2 timeouts/);
    assert.match(failures([outcome(fabricated({ 200: 10 }, { errors: 1 }))])[0] ?? '', /1 connection errors/);
    assert.match(failures([outcome(fabricated({}))])[0] ?? '', /no responses before the run ended/);
  });

  it('when a list workload meets the database bound at 100k users, then it is reported as tolerated, and below 100k it fails', () => {
    const slowList = fabricated({ 200: 40, 503: 60 });
    const tolerated = judge(outcome(slowList, { users: 100_000, workload: 'list-near-end', title: 'GET /users?limit=20&cursor=' }));
    assert.equal(tolerated.kind, 'tolerated');
    assert.deepEqual(failures([outcome(slowList, { users: 100_000, workload: 'list-first-page' })]), []);
    assert.equal(failures([outcome(slowList, { users: 10_000, workload: 'list-first-page' })]).length, 1);
    assert.equal(failures([outcome(slowList, { users: 100_000, workload: 'get-user-by-id' })]).length, 1);
  });

  it('when a baseline filters by something other than _id from 10k users and times out, then it is reported as tolerated, but never the service', () => {
    const timedOut = fabricated({});
    assert.equal(judge(outcome(timedOut, { server: 'bare', users: 10_000, workload: 'get-user-by-email' })).kind, 'tolerated');
    assert.equal(judge(outcome(timedOut, { server: 'flask', users: 10_000, workload: 'delete-user' })).kind, 'tolerated');
    assert.equal(judge(outcome(timedOut, { server: 'fastify', users: 10_000, workload: 'patch-user' })).kind, 'tolerated');
    assert.equal(judge(outcome(timedOut, { server: 'bare', users: 1_000, workload: 'get-user-by-email' })).kind, 'failed');
    assert.equal(judge(outcome(timedOut, { server: 'bare', users: 10_000, workload: 'get-user-by-id' })).kind, 'failed');
    assert.equal(judge(outcome(timedOut, { server: 'service', users: 10_000, workload: 'get-user-by-email' })).kind, 'failed');
  });

  it("when a baseline would scan 100k users, then that run is not made (its backlog would slow the next ones), but the service's always is", () => {
    assert.equal(typeof notRunReason('bare', 100_000, 'get-user-by-email'), 'string');
    assert.equal(typeof notRunReason('flask', 100_000, 'delete-user'), 'string');
    assert.equal(notRunReason('bare', 10_000, 'get-user-by-email'), undefined, 'measured (and tolerated) at 10k');
    assert.equal(notRunReason('bare', 100_000, 'get-user-by-id'), undefined, 'an _id lookup is measured at any size');
    assert.equal(notRunReason('service', 100_000, 'list-first-page'), undefined);
  });
});

describe('when the bench runs in smoke mode, with --trace and --jwt', () => {
  let outDir = '';
  let exit: BenchRun['exit'] | undefined;
  let stderr = '';

  // About two minutes on two cores (the service runs three times: as it is, traced, with JWTs);
  // the bound is for a machine busy with the rest of the suite.
  before(
    async () => {
      ({ outDir, exit, stderr } = await runBench(['--smoke', '--trace', '--jwt']));
    },
    { timeout: 300_000 },
  );
  after(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('then it exits with 0 and writes the .md, .json and .svg results', async () => {
    assert.deepEqual(exit, { code: 0, signal: null }, stderr);
    const names = await readdir(outDir);
    for (const extension of ['md', 'json', 'svg']) {
      assert.ok(
        names.some((name) => name.endsWith(`.${extension}`)),
        `a .${extension} in ${names.join(', ')}`,
      );
    }
    const base = join(outDir, (names.find((name) => name.endsWith('.md')) ?? '').replace(/\.md$/, ''));
    const markdown = readFileSync(`${base}.md`, 'utf8');
    assert.match(markdown, /## 300 users/);
    assert.match(markdown, /\| traced\/service \|/, 'tracing on is compared with tracing off');
    assert.match(markdown, /\| jwt\/service \|/, 'JWTs are compared with the static token');
    assert.match(markdown, /\| service\/bare \| service\/fastify \| service\/flask \|/, 'the service is compared with each peer');
    assert.match(markdown, /CPU time per answered request/, 'where the CPU time of a request went is reported');
    assert.match(
      markdown,
      /\| `GET \/users\/\{id\}` \| \d[\d,]* \/ \d[\d,]* \/ \d[\d,]* = \d[\d,]* \|/,
      'server / database / load generator = sum, for the id read',
    );
    assert.match(readFileSync(`${base}.svg`, 'utf8'), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(existsSync(`${base}.json`));
  });

  it('then every server answered every one of its workloads, and only with 2xx', async () => {
    const names = await readdir(outDir);
    const json = names.find((name) => name.endsWith('.json'));
    assert.ok(json, `a .json in ${names.join(', ')}`);
    const report = JSON.parse(readFileSync(join(outDir, json), 'utf8')) as BenchReport;
    assert.deepEqual(report.failures, []);
    assert.equal(report.runs.length, 1);
    const run = report.runs[0];
    assert.ok(run);
    for (const workload of WORKLOADS) {
      for (const server of workload.servers) {
        const record: WorkloadRecord | undefined = run.servers[server]?.workloads[workload.id];
        assert.ok(record, `${server} ran ${workload.id}`);
        const result: LoadResult = record.result;
        assert.ok(result.requests > 0, `${server} ${workload.id}: some requests`);
        const non2xx: [string, number][] = Object.entries(result.statuses).filter(([status]) => !status.startsWith('2'));
        assert.deepEqual(non2xx, [], `${server} ${workload.id}: only 2xx`);
        assert.equal(result.errors + result.timeouts, 0, `${server} ${workload.id}: no errors or timeouts`);
      }
    }
    assert.ok(run.database.findOneById.operations > 0 && run.database.insertOne.operations > 0, 'the database ceiling was measured');
    assert.ok((run.servers.traced?.spans ?? 0) > 0, `the traced service sent spans to the sink: ${run.servers.traced?.spans}`);
    assert.equal(run.servers.service?.spans, undefined, 'the untraced service has no collector');
    for (const server of ['service', 'bare', 'fastify'] as const) {
      const cpu = run.servers[server]?.workloads['get-user-by-id']?.cpu;
      assert.ok(cpu, `${server}: the CPU split of the id read`);
      // Every answered request used some CPU in the server and in the load generator; a server that
      // asks the database for each read makes the database work too.
      assert.ok(cpu.serverUs > 0 && cpu.loadGeneratorUs > 0 && cpu.databaseUs > 0, `${server}: ${JSON.stringify(cpu)}`);
    }
    for (const server of ['service', 'traced', 'bare', 'fastify'] as const) {
      assert.ok((run.servers[server]?.readyMs ?? 0) > 0, `${server}: a ready time`);
      assert.ok((run.servers[server]?.memory?.peakRssKb ?? 0) > 0, `${server}: a peak RSS`);
    }
  });
});
