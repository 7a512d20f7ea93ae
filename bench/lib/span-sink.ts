// A stand-in OTLP/HTTP collector for `--trace`: accepts what the traced service exports to
// POST /v1/traces (JSON) and discards it, counting the spans, so that the run measures the cost
// of producing and sending spans without a real collector's own cost on the same cores.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SpanSink = { url: string; spans(): number; close(): Promise<void> };

type ExportRequest = { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };

export async function startSpanSink(): Promise<SpanSink> {
  let spans = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (chunk: Buffer) => chunks.push(chunk))
      .on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest;
          for (const resource of body.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
        } catch {
          // Not OTLP JSON: answered all the same, the service's exporter would only retry.
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
