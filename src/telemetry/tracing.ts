import nodeModule from 'node:module';
import type { IncomingMessage } from 'node:http';
import { trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { UrlRedactingSpanProcessor } from './url-redaction.js';

// Loaded by server.ts only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and before the modules it
// instruments: without it no OpenTelemetry module is loaded at all (start time, memory).

export type Tracing = {
  /** The trace id of the request being handled, if any (for its log line). */
  traceId: () => string | undefined;
  /** Sends the spans not sent yet, then stops tracing. */
  shutdown(): Promise<void>;
};

/**
 * The packages the instrumentations patch. Express, the driver and their dependencies are CommonJS,
 * which Node loads through `require` (hooked by require-in-the-middle) even when the service
 * imports them from ESM; import-in-the-middle's loader hook covers the ESM side of the same
 * packages, and only theirs: by default it would rewrite every module the service loads.
 */
const INSTRUMENTED = ['mongodb', 'http', 'https', 'node:http', 'node:https'];

/** What express-openapi-validator leaves on a request it matched to an operation of the spec. */
type MatchedRequest = IncomingMessage & { openapi?: { openApiRoute?: string; schema?: { operationId?: string } } };

/**
 * The server span of a request is named by its operation, `GET /users/{id}` (the method and the
 * spec's path template, as OpenTelemetry's HTTP conventions name server spans), never by its
 * raw path; `http.route` and `users_api.operation` (the operationId, as in the metrics) say the
 * same. Requests that matched no operation keep the instrumentation's name: the method alone.
 */
function nameByOperation(span: Span, request: IncomingMessage | object): void {
  const matched = (request as MatchedRequest).openapi;
  const route = matched?.openApiRoute;
  if (route === undefined) return;
  span.updateName(`${(request as IncomingMessage).method ?? 'GET'} ${route}`);
  span.setAttribute('http.route', route);
  const operationId = matched?.schema?.operationId;
  if (operationId !== undefined) span.setAttribute('users_api.operation', operationId);
}

/**
 * Reads by `_id` are sent as `find` commands through `Db.command` (src/data/find-by-id.ts), whose
 * namespace is the database's `$cmd`: the instrumentation names such a span `find $cmd`. The
 * reply's cursor names the real collection (`<db>.<collection>`), and the span takes it, so it reads
 * `find users` like any other command on a collection. Only `$cmd` spans are looked at (their
 * replies are small: the reply is decoded again here); a command that fails has no reply and
 * keeps `$cmd`.
 */
function collectionFromReply(span: Span, { data }: { data: unknown }): void {
  const attributes = (span as Partial<ReadableSpan>).attributes;
  if (attributes?.['db.collection.name'] !== '$cmd') return;
  // The driver hands over its lazily decoded reply (MongoDBResponse); older ones a plain document.
  const reply = typeof (data as { toObject?: unknown } | undefined)?.toObject === 'function' ? (data as { toObject(): unknown }).toObject() : data;
  const namespace = (reply as { cursor?: { ns?: unknown } } | undefined)?.cursor?.ns;
  if (typeof namespace !== 'string') return;
  const dot = namespace.indexOf('.');
  const collection = namespace.slice(dot + 1);
  if (dot < 0 || collection.length === 0) return;
  span.setAttribute('db.collection.name', collection);
  span.updateName(`${String(attributes['db.operation.name'])} ${collection}`);
}

/**
 * Starts tracing: a span per request (its parent taken from an incoming W3C `traceparent`, and
 * `traceparent` set on outgoing calls), child spans for the database commands, sent in batches
 * to `endpoint`/v1/traces as OTLP JSON. Must run before express and the driver are imported.
 */
export function startTracing(options: { endpoint: string; serviceName: string }): Tracing {
  nodeModule.register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: INSTRUMENTED } });

  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    // No span leaves with a query string (see url-redaction.ts).
    spanProcessors: [new UrlRedactingSpanProcessor(), new BatchSpanProcessor(exporter)],
  });
  // The global provider, the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Outgoing requests (none today) would carry `traceparent`; the exporter's own are never traced.
      new HttpInstrumentation({ applyCustomAttributesOnSpan: nameByOperation }),
      // Said, not left to the default: with enhanced reporting `db.query.text` would carry the
      // filters' values (emails, ids); without it every value is `?`.
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false, responseHook: collectionFromReply }),
    ],
  });

  return {
    traceId: () => trace.getActiveSpan()?.spanContext().traceId,
    shutdown: () => provider.shutdown(),
  };
}
