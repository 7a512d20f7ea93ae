import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { measureHostileTraffic, type HostileReport } from '../../bench/hostile.js';
import { testDatabaseUri } from '../support/test-server.js';

// What anonymous hostile traffic costs the real server process (`npm run serve`'s flags, local
// mode, the test run's database), measured by the benchmark-style script bench/hostile.ts
// (`npm run bench:hostile` writes the same figures down). The bounds are generous, for a loaded
// CI machine; each is far below what the same cases cost before they were fixed (in brackets,
// measured on this project's 2-core machine: bench/results/2026-12-03-hostile-before-*.md).

/** RSS growth after 20,000 distinct Content-Type values [before: +218 MB]. */
const MAX_MEMORY_GROWTH_MB = 40;
/** Median answer to the largest allowed body with its worst-case field [before: 96 ms]. */
const MAX_MEDIAN_MS = 40;
/** Fetches from a provider that is down, for 60 JWT requests [before: 8 to 60]. */
const MAX_OUTAGE_FETCHES = 3;

describe('hostile traffic against the real server (bench/hostile.ts)', () => {
  let report: HostileReport;

  before(async () => {
    report = await measureHostileTraffic({
      distinctHeaders: 20_000,
      samples: 50,
      outageRequests: 60,
      mongodbUri: testDatabaseUri(),
      node: process.execPath,
      log: () => {},
    });
  });

  it(`when 20,000 requests each carry a Content-Type of their own, then every one is answered 200 and RSS grows by less than ${MAX_MEMORY_GROWTH_MB} MB`, (t) => {
    const { memory } = report;
    t.diagnostic(`RSS ${memory.rssBeforeMb} → ${memory.rssAfterMb} MB (+${memory.growthMb} MB), peak ${memory.peakMb} MB`);
    assert.deepEqual(memory.statuses, { 200: 20_000 });
    assert.ok(memory.growthMb < MAX_MEMORY_GROWTH_MB, `grew by ${memory.growthMb} MB`);
  });

  it(`when the largest allowed body carries a worst-case field (or the header a worst-case Content-Type), then it is refused with 400 in under ${MAX_MEDIAN_MS} ms median`, (t) => {
    assert.ok(report.cpu.length >= 7, 'every case ran');
    for (const c of report.cpu) {
      t.diagnostic(`${c.name}: ${c.bodyBytes} bytes, median ${c.medianMs} ms, p95 ${c.p95Ms} ms, ${c.cpuMsPerRequest} ms CPU`);
      assert.deepEqual(c.statuses, { 400: 50 }, c.name);
      assert.ok(c.medianMs < MAX_MEDIAN_MS, `${c.name}: median ${c.medianMs} ms`);
    }
    assert.ok(
      report.cpu.filter((c) => c.name !== 'small-invalid' && c.name !== 'content-type-params').every((c) => c.bodyBytes > 16_000),
      'the bodies are the largest allowed',
    );
  });

  it(`when the identity provider is down, then 60 JWT requests cause at most ${MAX_OUTAGE_FETCHES} fetches, every answer is 401 or 429, and the outage is logged once, not per request`, (t) => {
    assert.equal(report.outages.length, 3);
    for (const o of report.outages) {
      t.diagnostic(`${o.name}: ${JSON.stringify(o.statuses)}, ${o.fetches} fetches, ${o.logLines} log lines`);
      assert.ok(o.fetches >= 1 && o.fetches <= MAX_OUTAGE_FETCHES, `${o.name}: ${o.fetches} fetches`);
      assert.deepEqual(
        Object.keys(o.statuses).filter((status) => status !== '401' && status !== '429'),
        [],
        o.name,
      );
      assert.equal(
        Object.values(o.statuses).reduce((a, b) => a + b, 0),
        60,
      );
      assert.ok(o.logLines >= 1 && o.logLines <= MAX_OUTAGE_FETCHES, `${o.name}: ${o.logLines} log lines`);
    }
    // With the default wrong-token limit (10 a minute), forged JWTs past it are refused unverified.
    assert.ok((report.outages[0]?.statuses['429'] ?? 0) >= 40, 'the wrong-token limit refused the rest');
  });
});
