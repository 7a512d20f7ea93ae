import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { UrlRedactingSpanProcessor, withoutQuery } from '../../src/telemetry/url-redaction.js';

// The processor on spans of every kind and both generations of HTTP conventions, as an
// instrumentation of any version would set them (the integration test sees the installed one's).

/** The attributes a span is exported with, after the redacting processor ran on it. */
function exported(attributes: Record<string, string>, kind = SpanKind.SERVER) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new UrlRedactingSpanProcessor(), new SimpleSpanProcessor(exporter)] });
  provider.getTracer('test').startSpan('GET', { kind, attributes }).end();
  const [span] = exporter.getFinishedSpans();
  assert.ok(span, 'the span was exported');
  return span.attributes;
}

describe('the query string in spans', () => {
  it('when a server span has url.query (stable conventions), then it is exported without it, its path kept', () => {
    const attributes = exported({ 'url.path': '/users', 'url.query': 'email=someone%40example.com', 'url.scheme': 'http' });
    assert.deepEqual(attributes, { 'url.path': '/users', 'url.scheme': 'http' });
  });

  it('when a span has a URL with a query string (url.full, http.url, http.target, url.original), then each keeps what comes before the ?', () => {
    const attributes = exported(
      {
        'url.full': 'https://api.example.com/users?email=someone@example.com',
        'http.url': 'http://127.0.0.1:5000/user?email=someone@example.com#top',
        'http.target': '/user?email=someone@example.com',
        'url.original': '/users/?',
      },
      SpanKind.CLIENT,
    );
    assert.deepEqual(attributes, {
      'url.full': 'https://api.example.com/users',
      'http.url': 'http://127.0.0.1:5000/user',
      'http.target': '/user',
      'url.original': '/users/',
    });
  });

  it("when other attributes hold a ?, then they are left as they are (a database query's placeholders)", () => {
    const attributes = { 'db.query.text': '{"find":"?","filter":{"email":"?"}}', 'url.path': '/users', 'http.route': '/users' };
    assert.deepEqual(exported(attributes, SpanKind.CLIENT), attributes);
  });

  it('when a URL has no query string, then it is kept whole', () => {
    assert.equal(withoutQuery('https://api.example.com/users/42'), 'https://api.example.com/users/42');
    assert.equal(withoutQuery('/users?'), '/users');
  });
});
