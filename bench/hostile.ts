// `npm run bench:hostile`: what hostile requests cost the service, measured on the real server
// process started as `npm run serve` starts it (local mode, as `npm start`), over a real
// database: memory after many distinct header values, CPU per request for the largest allowed
// body with the worst-case field, and fetches the service makes while its identity provider is
// down. Every answer's status is counted and checked: a figure from wrong answers is no figure.
// The test test/adversarial/hostile-traffic.test.ts runs it with bounds; run alone it writes its
// report to bench/results/<date>-hostile-node<version>.md (and .json).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV_WORDS, SERVER_NODE_FLAGS } from '../src/runtime-flags.js';
import { startDatabase } from '../scripts/lib/database.js';
import { findProjectRoot } from '../scripts/lib/project-root.js';
import { cpuTicks, memoryOf, TICKS_PER_SECOND } from './lib/proc-stats.js';
import { startServiceProcess, type ServiceProcess } from './lib/service-process.js';

const serverEntry = fileURLToPath(new URL('../src/server.js', import.meta.url));
/** The largest body the service accepts (BODY_LIMIT_BYTES). */
const BODY_LIMIT = 16 * 1024;

export type HostileOptions = {
  /** Requests with distinct Content-Type parameters (the memory case). */
  distinctHeaders: number;
  /** Sequential requests per CPU case. */
  samples: number;
  /** Requests with a JWT while the provider is down. */
  outageRequests: number;
  /** The database to use; undefined: one is started (MONGODB_URI, a mongod, or the embedded one). */
  mongodbUri: string | undefined;
  /** The Node that runs the server. */
  node: string;
  log: (line: string) => void;
};

export type MemoryCase = { requests: number; statuses: Record<string, number>; rssBeforeMb: number; rssAfterMb: number; growthMb: number; peakMb: number };
export type CpuCase = {
  name: string;
  what: string;
  bodyBytes: number;
  statuses: Record<string, number>;
  medianMs: number;
  p95Ms: number;
  cpuMsPerRequest: number;
};
export type OutageCase = { name: string; requests: number; statuses: Record<string, number>; fetches: number; seconds: number; logLines: number };
export type HostileReport = { node: string; date: string; memory: MemoryCase; cpu: CpuCase[]; outages: OutageCase[] };

type Running = ServiceProcess;

/** The server as `npm run serve` runs it, on a free port, with `env` on top of a minimal one. */
function startService(node: string, env: Record<string, string>): Promise<Running> {
  return startServiceProcess({ node, entry: serverEntry, env: { LOG_LEVEL: 'warn', ...env } });
}

const count = (statuses: Record<string, number>, status: number) => {
  statuses[status] = (statuses[status] ?? 0) + 1;
};

/** Sends `total` requests, `concurrency` at a time; returns the statuses. */
async function flood(total: number, concurrency: number, send: (i: number) => Promise<Response>): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const response = await send(i).catch(() => undefined);
        await response?.arrayBuffer();
        count(statuses, response?.status ?? 0);
      }
    }),
  );
  return statuses;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

/** RSS before and after `requests` GET /healthz, each with a Content-Type of its own. */
async function memoryCase(service: Running, requests: number): Promise<MemoryCase> {
  // Warm up on the same route and header, constant: the growth measured is what distinct values add.
  await flood(2_000, 16, () => fetch(`${service.baseUrl}/healthz`, { headers: { 'content-type': 'a/b; x=0' } }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = memoryOf(service.pid);
  const statuses = await flood(requests, 16, (i) => fetch(`${service.baseUrl}/healthz`, { headers: { 'content-type': `a/b; x=${i + 1}` } }));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = memoryOf(service.pid);
  if (!before || !after) throw new Error('the service exited during the memory case');
  return {
    requests,
    statuses,
    rssBeforeMb: mb(before.rssKb),
    rssAfterMb: mb(after.rssKb),
    growthMb: mb(after.rssKb - before.rssKb),
    peakMb: mb(after.peakRssKb),
  };
}

/** The largest JSON body `fill(n)` makes within BODY_LIMIT bytes (the largest n that fits). */
function fullBody(fill: (n: number) => unknown): string {
  let low = 0;
  let high = BODY_LIMIT;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (Buffer.byteLength(JSON.stringify(fill(mid))) <= BODY_LIMIT) low = mid;
    else high = mid - 1;
  }
  return JSON.stringify(fill(low));
}

/** The cases: each the largest body the service takes, or the largest header, with a field built to be slow. */
function cpuCases(): { name: string; what: string; contentType: string; body: string }[] {
  const email = 'hostile@example.com';
  const manyKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 0]));
  const reference = JSON.stringify({ name: 'Rahim', email: 'x' });
  return [
    { name: 'small-invalid', what: 'a small body with one bad field (the reference)', contentType: 'application/json', body: reference },
    {
      name: 'name-control-char',
      what: '`name`: 16 KiB of letters ending in U+0001 (the Name pattern)',
      contentType: 'application/json',
      body: fullBody((n) => ({ name: `${'a'.repeat(n)}\u0001`, email })),
    },
    {
      name: 'name-spaces',
      what: '`name`: 16 KiB of spaces ending in U+0001',
      contentType: 'application/json',
      body: fullBody((n) => ({ name: `${' '.repeat(n)}\u0001`, email })),
    },
    {
      name: 'long-email',
      what: '`email`: 16 KiB local part (the idn-email check)',
      contentType: 'application/json',
      body: fullBody((n) => ({ name: 'Rahim', email: `${'a'.repeat(n)}@example.com` })),
    },
    {
      name: 'long-idn-domain',
      what: '`email`: a 16 KiB non-ASCII domain (IDNA)',
      contentType: 'application/json',
      body: fullBody((n) => ({ name: 'Rahim', email: `a@${'ব'.repeat(n)}.bd` })),
    },
    {
      name: 'many-properties',
      what: '16 KiB of unknown properties (one error each)',
      contentType: 'application/json',
      body: fullBody((n) => ({ name: 'Rahim', email, ...manyKeys(n) })),
    },
    {
      name: 'content-type-params',
      what: "a 14 KiB Content-Type of `;` and spaces (the validator's parameter regex)",
      contentType: `application/json${'; '.repeat(7_000)}x`,
      body: reference,
    },
  ];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function cpuCase(service: Running, samples: number, spec: { name: string; what: string; contentType: string; body: string }): Promise<CpuCase> {
  const send = () => fetch(`${service.baseUrl}/users`, { method: 'POST', headers: { 'content-type': spec.contentType }, body: spec.body });
  for (let i = 0; i < 20; i++) await (await send()).arrayBuffer();
  const statuses: Record<string, number> = {};
  const times: number[] = [];
  const ticks = cpuTicks([service.pid]);
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const response = await send();
    await response.arrayBuffer();
    times.push(performance.now() - started);
    count(statuses, response.status);
  }
  const used = cpuTicks([service.pid]) - ticks;
  times.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    name: spec.name,
    what: spec.what,
    bodyBytes: Buffer.byteLength(spec.body),
    statuses,
    medianMs: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    cpuMsPerRequest: round(((used / TICKS_PER_SECOND) * 1000) / samples),
  };
}

/** A provider that is down: every request answers 404, and is counted. */
async function downProvider(): Promise<{ url: string; fetches: () => number; close(): Promise<void> }> {
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    fetches++;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, fetches: () => fetches, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A token of a JWT's shape (header.payload.signature) naming a key id: what a forger sends. */
function forgedJwt(i: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: `forged-${i}` })}.${part({ sub: `s${i}`, exp: Math.floor(Date.now() / 1000) + 600 })}.${Buffer.from(`sig${i}`).toString('base64url')}`;
}

async function outageCase(
  options: HostileOptions,
  mongodbUri: string,
  name: string,
  settings: (providerUrl: string) => Record<string, string>,
  requests: number,
): Promise<OutageCase> {
  const provider = await downProvider();
  const service = await startService(options.node, { MONGODB_URI: mongodbUri, JWT_AUDIENCE: 'users-api', ...settings(provider.url) });
  try {
    const started = performance.now();
    const statuses = await flood(requests, 10, (i) => fetch(`${service.baseUrl}/users`, { headers: { authorization: `Bearer ${forgedJwt(i)}` } }));
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    const lines = service
      .stdout()
      .split('\n')
      .filter((line) => /keys|discovery|provider/i.test(line));
    return { name, requests, statuses, fetches: provider.fetches(), seconds, logLines: lines.length };
  } finally {
    await service.stop();
    await provider.close();
  }
}

/** Runs every case; the caller checks the figures (the test) or writes them down (main). */
export async function measureHostileTraffic(options: HostileOptions): Promise<HostileReport> {
  const database = options.mongodbUri ? undefined : await startDatabase({ log: options.log });
  const base = new URL(options.mongodbUri ?? database?.uri ?? '');
  base.pathname = `/hostile_${process.pid}`;
  const mongodbUri = base.toString();
  try {
    options.log('memory: distinct Content-Type parameters on GET /healthz');
    // Registrations are not limited here: the CPU cases send hundreds from one address.
    const service = await startService(options.node, { MONGODB_URI: mongodbUri, REGISTRATION_RATE_LIMIT: '1000000' });
    let memory: MemoryCase;
    const cpu: CpuCase[] = [];
    try {
      memory = await memoryCase(service, options.distinctHeaders);
      for (const spec of cpuCases()) {
        options.log(`cpu: ${spec.name}`);
        cpu.push(await cpuCase(service, options.samples, spec));
      }
    } finally {
      await service.stop();
    }
    const outages: OutageCase[] = [];
    options.log('outage: JWKS URL answering 404');
    outages.push(await outageCase(options, mongodbUri, 'jwks-url', (url) => ({ JWT_ISSUER: url, JWT_JWKS_URL: `${url}/jwks.json` }), options.outageRequests));
    outages.push(
      await outageCase(
        options,
        mongodbUri,
        'jwks-url-no-limit',
        (url) => ({ JWT_ISSUER: url, JWT_JWKS_URL: `${url}/jwks.json`, AUTH_FAILURE_RATE_LIMIT: '1000000' }),
        options.outageRequests,
      ),
    );
    options.log('outage: OpenID Connect discovery answering 404');
    outages.push(
      await outageCase(
        options,
        mongodbUri,
        'discovery-no-limit',
        (url) => ({ OIDC_ISSUER_URL: url, AUTH_FAILURE_RATE_LIMIT: '1000000' }),
        options.outageRequests,
      ),
    );
    return { node: (await nodeVersion(options.node)).trim(), date: new Date().toISOString().slice(0, 10), memory, cpu, outages };
  } finally {
    await database?.stop();
  }
}

async function nodeVersion(node: string): Promise<string> {
  const child = spawn(node, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  return out;
}

const statusList = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([status, n]) => `${status}×${n}`)
    .join(', ');

export function reportMarkdown(report: HostileReport, command: string): string {
  const { memory } = report;
  return [
    `# Hostile traffic, ${report.date}`,
    '',
    `Command: \`${command}\`. Service: \`${SERVER_ENV_WORDS} node ${SERVER_NODE_FLAGS.join(' ')} dist/src/server.js\` (as \`npm run serve\`), local mode, Node ${report.node}, on this project's 2-core machine.`,
    '',
    '## Memory: distinct Content-Type parameters',
    '',
    `${memory.requests} \`GET /healthz\`, each with \`Content-Type: a/b; x=<n>\` (n distinct), after 2,000 with one value: RSS ${memory.rssBeforeMb} → ${memory.rssAfterMb} MB (**+${memory.growthMb} MB**), peak ${memory.peakMb} MB. Statuses: ${statusList(memory.statuses)}.`,
    '',
    '## CPU: the largest allowed body, worst-case fields (`POST /users`)',
    '',
    '| case | body bytes | statuses | median ms | p95 ms | server CPU ms / request |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...report.cpu.map((c) => `| ${c.what} | ${c.bodyBytes} | ${statusList(c.statuses)} | ${c.medianMs} | ${c.p95Ms} | ${c.cpuMsPerRequest} |`),
    '',
    '## Identity provider down: fetches caused by JWT requests',
    '',
    '| case | requests | statuses | fetches | seconds | log lines about it |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
    ...report.outages.map((o) => `| ${o.name} | ${o.requests} | ${statusList(o.statuses)} | ${o.fetches} | ${o.seconds} | ${o.logLines} |`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '20000' },
      samples: { type: 'string', default: '200' },
      outage: { type: 'string', default: '60' },
      node: { type: 'string', default: process.execPath },
      label: { type: 'string', default: '' },
    },
  });
  const log = (line: string) => process.stderr.write(`[hostile] ${line}\n`);
  const report = await measureHostileTraffic({
    distinctHeaders: Number(values.requests),
    samples: Number(values.samples),
    outageRequests: Number(values.outage),
    mongodbUri: process.env.MONGODB_URI,
    node: values.node,
    log,
  });
  const dir = join(findProjectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const name = `${report.date}-hostile${values.label ? `-${values.label}` : ''}-node${report.node.replace(/^v/, '')}`;
  const markdown = reportMarkdown(report, `npm run bench:hostile${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
  writeFileSync(join(dir, `${name}.md`), markdown);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${markdown}\nwritten: bench/results/${name}.md\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
