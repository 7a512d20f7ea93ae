// The chart, as hand-written SVG (no plotting dependency): per users count, grouped bars of req/s
// and of p99 latency per workload and server; with several users counts, req/s against the
// number of users for the workloads whose cost may grow with it.
import { formatMs, formatRate } from './report-md.js';
import { SERVER_ORDER, type BenchReport, type UsersRun } from './results.js';
import { WORKLOADS, type ServerKind, type Workload } from './workloads.js';

const WIDTH = 1100;
const COLORS: Readonly<Record<ServerKind, string>> = {
  service: '#2563eb',
  traced: '#7c3aed',
  jwt: '#0891b2',
  bare: '#f97316',
  fastify: '#db2777',
  flask: '#16a34a',
};
const FONT = 'font-family="system-ui, sans-serif"';

type Scale = { at(value: number): number; ticks: number[] };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escapeXml(content)}</text>`;
}

/** 0 … a round maximum, in five steps. */
function linearScale(max: number, top: number, bottom: number): Scale {
  const rough = Math.max(max, 1e-9) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= rough) ?? 10) * magnitude;
  const end = step * Math.ceil(Math.max(max, 1e-9) / step);
  const ticks = Array.from({ length: Math.round(end / step) + 1 }, (_, i) => i * step);
  return { at: (value) => bottom - (value / end) * (bottom - top), ticks };
}

/** Powers of ten around [min, max]. */
function logScale(min: number, max: number, top: number, bottom: number): Scale {
  const low = Math.floor(Math.log10(Math.max(min, 0.01)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 0.01))));
  const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  return { at: (value) => bottom - ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * (bottom - top), ticks };
}

/** Tick labels: plain numbers, thousands separated. */
function tickLabel(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

function axis(scale: Scale, left: number, right: number): string[] {
  return scale.ticks.flatMap((tick) => {
    const y = scale.at(tick);
    return [
      `<line x1="${left}" x2="${right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e7eb"/>`,
      text(left - 6, y + 4, tickLabel(tick), 'text-anchor="end" font-size="11" fill="#374151"'),
    ];
  });
}

type BarGroup = { label: string; values: Partial<Record<ServerKind, number>> };

function barPanel(
  top: number,
  title: string,
  groups: BarGroup[],
  servers: readonly ServerKind[],
  log: boolean,
  format: (value: number) => string,
): { svg: string[]; height: number } {
  const height = 420;
  const left = 80;
  const right = WIDTH - 20;
  const plotTop = top + 36;
  const plotBottom = top + height - 150;
  const values = groups.flatMap((group) => Object.values(group.values)).filter((value) => value > 0);
  const scale = log ? logScale(Math.min(...values, 1), Math.max(...values, 1), plotTop, plotBottom) : linearScale(Math.max(...values, 0), plotTop, plotBottom);
  const svg = [text(left, top + 20, title, 'font-size="15" font-weight="600" fill="#111827"'), ...axis(scale, left, right)];
  const slot = (right - left) / Math.max(groups.length, 1);
  const barWidth = Math.min(26, (slot * 0.8) / servers.length);
  groups.forEach((group, index) => {
    const center = left + slot * (index + 0.5);
    servers.forEach((kind, position) => {
      const value = group.values[kind];
      if (value === undefined) return;
      const x = center + (position - servers.length / 2) * barWidth;
      const y = scale.at(Math.max(value, log ? (scale.ticks[0] ?? 0) : 0));
      svg.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${Math.max(0, plotBottom - y).toFixed(1)}" fill="${COLORS[kind]}"><title>${escapeXml(`${kind}, ${group.label}: ${format(value)}`)}</title></rect>`,
        // The figure itself, so that short bars beside a tall one can still be read.
        text(x + (barWidth - 2) / 2, y - 3, format(value), 'font-size="8" text-anchor="middle" fill="#374151"'),
      );
    });
    svg.push(
      text(
        center,
        plotBottom + 14,
        group.label,
        `font-size="11" fill="#374151" text-anchor="end" transform="rotate(-35 ${center.toFixed(1)} ${(plotBottom + 14).toFixed(1)})"`,
      ),
    );
  });
  svg.push(`<line x1="${left}" x2="${right}" y1="${plotBottom}" y2="${plotBottom}" stroke="#6b7280"/>`);
  return { svg, height };
}

function scalingPanel(left: number, top: number, width: number, workload: Workload, runs: UsersRun[], servers: readonly ServerKind[]): string[] {
  const plotLeft = left + 60;
  const plotRight = left + width - 15;
  const plotTop = top + 28;
  const plotBottom = top + 190;
  const counts = runs.map((run) => run.users);
  const series = servers.map((kind) => ({
    kind,
    points: runs.flatMap((run) => {
      const record = run.servers[kind]?.workloads[workload.id];
      return record ? [{ users: run.users, rps: record.result.rps }] : [];
    }),
  }));
  const max = Math.max(0, ...series.flatMap((line) => line.points.map((point) => point.rps)));
  const scale = linearScale(max, plotTop, plotBottom);
  const lowest = Math.log10(Math.min(...counts));
  const highest = Math.log10(Math.max(...counts));
  const x = (users: number) =>
    highest === lowest ? (plotLeft + plotRight) / 2 : plotLeft + ((Math.log10(users) - lowest) / (highest - lowest)) * (plotRight - plotLeft);
  const svg = [text(left + 10, top + 16, workload.title, 'font-size="12" font-weight="600" fill="#111827"'), ...axis(scale, plotLeft, plotRight)];
  for (const count of counts) {
    svg.push(text(x(count), plotBottom + 16, count.toLocaleString('en-US'), 'font-size="11" text-anchor="middle" fill="#374151"'));
  }
  for (const line of series) {
    if (line.points.length === 0) continue;
    const path = line.points.map((point, i) => `${i === 0 ? 'M' : 'L'}${x(point.users).toFixed(1)},${scale.at(point.rps).toFixed(1)}`).join(' ');
    svg.push(`<path d="${path}" fill="none" stroke="${COLORS[line.kind]}" stroke-width="2"/>`);
    for (const point of line.points) {
      svg.push(
        `<circle cx="${x(point.users).toFixed(1)}" cy="${scale.at(point.rps).toFixed(1)}" r="3" fill="${COLORS[line.kind]}"><title>${escapeXml(`${line.kind}, ${point.users} users: ${formatRate(point.rps)} req/s`)}</title></circle>`,
      );
    }
  }
  svg.push(`<line x1="${plotLeft}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}" stroke="#6b7280"/>`);
  return svg;
}

export function renderSvg(report: BenchReport): string {
  const servers = SERVER_ORDER.filter((kind) => report.runs.some((run) => run.servers[kind] !== undefined));
  const body: string[] = [text(20, 28, `Benchmark ${report.label} (${report.date})`, 'font-size="18" font-weight="700" fill="#111827"')];
  servers.forEach((kind, i) => {
    const x = 20 + i * 130;
    body.push(`<rect x="${x}" y="42" width="14" height="14" fill="${COLORS[kind]}"/>`, text(x + 20, 54, kind, 'font-size="13" fill="#111827"'));
  });
  let y = 70;
  for (const run of report.runs) {
    const workloads = WORKLOADS.filter((workload) => servers.some((kind) => run.servers[kind]?.workloads[workload.id] !== undefined));
    const groups = (pickValue: (rps: number, p99: number) => number): BarGroup[] =>
      workloads.map((workload) => {
        const values: Partial<Record<ServerKind, number>> = {};
        for (const kind of servers) {
          const record = run.servers[kind]?.workloads[workload.id];
          if (record) values[kind] = pickValue(record.result.rps, record.result.latencyMs.p99);
        }
        return { label: workload.title, values };
      });
    const users = run.users.toLocaleString('en-US');
    const rps = barPanel(
      y,
      `${users} users: requests per second (higher is better)`,
      groups((value) => value),
      servers,
      false,
      formatRate,
    );
    body.push(...rps.svg);
    y += rps.height;
    const p99 = barPanel(
      y,
      `${users} users: p99 latency in ms, log scale (lower is better)`,
      groups((_, value) => value),
      servers,
      true,
      formatMs,
    );
    body.push(...p99.svg);
    y += p99.height;
  }
  if (report.runs.length > 1) {
    body.push(
      text(20, y + 20, 'Scaling: req/s (vertical) against the number of users (horizontal, log scale)', 'font-size="15" font-weight="600" fill="#111827"'),
    );
    y += 30;
    const scaling = WORKLOADS.filter((workload) => workload.scaling);
    const columns = 3;
    const cellWidth = (WIDTH - 20) / columns;
    scaling.forEach((workload, i) => {
      body.push(...scalingPanel(10 + (i % columns) * cellWidth, y + Math.floor(i / columns) * 220, cellWidth, workload, report.runs, servers));
    });
    y += Math.ceil(scaling.length / columns) * 220;
  }
  const height = Math.ceil(y + 20);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT}>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
