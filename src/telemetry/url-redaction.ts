import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';

/**
 * Span attributes that can hold a whole URL or request target, query string included. The 0.223
 * line of instrumentation-http sets the stable HTTP conventions only (`url.full` on client
 * spans); its versions up to 0.221 set the old ones (`http.url`, `http.target`) by default or,
 * with OTEL_SEMCONV_STABILITY_OPT_IN=http/dup, beside the stable ones: another version must not
 * bring the query string back.
 */
const URL_ATTRIBUTES = ['url.full', 'url.original', 'http.url', 'http.target'];

/** Span attributes that are the query string alone (the stable conventions' `url.query`). */
const QUERY_ATTRIBUTES = ['url.query'];

/**
 * Takes the query string out of every span: `GET /users?email=…` carries the address the
 * request looks for, and traces go to a collector that keeps them (the request logs never write
 * the query string either). Attributes with a URL keep it up to the `?` (so the path),
 * and `url.query` goes. instrumentation-http's `redactedQueryParams*` only masks the values of
 * parameters it is told the names of; this covers every parameter, and any instrumentation.
 *
 * It runs in `onEnding`, when every attribute the span will have is set and it can still be
 * changed (`onEnd` sees it read-only, and the export batch may already hold it). The SDK calls
 * `onEnding` experimental: the tracing integration test fails if it stops being called.
 */
export class UrlRedactingSpanProcessor implements SpanProcessor {
  onStart(): void {}

  onEnding(span: Span): void {
    for (const key of URL_ATTRIBUTES) {
      const value = span.attributes[key];
      if (typeof value === 'string') span.setAttribute(key, withoutQuery(value));
    }
    // The API can set an attribute but not remove one; the SDK's span keeps them in this object.
    for (const key of QUERY_ATTRIBUTES) delete span.attributes[key];
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A URL or request target up to its query string (or fragment): `/users?email=a@b.c` is `/users`. */
export function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}
