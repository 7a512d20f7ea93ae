import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as OTLP/HTTP JSON carries it, with its resource's attributes beside it. */
export type ReceivedSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean | undefined>;
  resource: Record<string, string | number | boolean | undefined>;
  scope: string;
};

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };
type ExportRequest = {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: (Omit<ReceivedSpan, 'attributes' | 'resource' | 'scope'> & { attributes?: KeyValue[] })[] }[];
  }[];
};

const valueOf = (value: AnyValue) =>
  value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue)) ?? value.boolValue ?? value.doubleValue;
const attributesOf = (list: KeyValue[] = []) => Object.fromEntries(list.map(({ key, value }) => [key, valueOf(value)]));

export type OtlpReceiver = { url: string; spans: ReceivedSpan[]; close(): Promise<void> };

/**
 * A collector's OTLP/HTTP endpoint for traces, JSON encoding only (what the service's exporter
 * sends): POST /v1/traces, every span kept in `spans`. Anything else is answered 404 or 400.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (chunk: Buffer) => chunks.push(chunk))
      .on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
        if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return void res.writeHead(415).end();
        let body: ExportRequest;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest;
        } catch {
          return void res.writeHead(400).end();
        }
        for (const resourceSpans of body.resourceSpans ?? []) {
          const resource = attributesOf(resourceSpans.resource?.attributes);
          for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
            for (const span of scopeSpans.spans ?? [])
              spans.push({ ...span, attributes: attributesOf(span.attributes), resource, scope: scopeSpans.scope?.name ?? '' });
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Spans as an indented tree, each line as `describe` says, children under their parent in the order received. */
export function traceTree(spans: ReceivedSpan[], describe: (span: ReceivedSpan) => string = (span) => span.name): string[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of spans.filter((candidate) =>
      parent === undefined ? !candidate.parentSpanId || !ids.has(candidate.parentSpanId) : candidate.parentSpanId === parent,
    )) {
      lines.push(`${'  '.repeat(depth)}${describe(span)}`);
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}
