import { errorCatalogue, problemType, type ErrorCode } from '../../errors/catalogue.js';
import { escapeHtml, htmlPage } from '../responses/html-page.js';

// Every problem's `type` is a URI of this service (`/problems/<code>`): RFC 9457 §3.1.1 says it
// should resolve to human-readable documentation of the problem type, so it does. One short page
// per code of the catalogue (title, status, when it happens, what to do), and an index of them.

/** The catalogue's prose, escaped, with its `code spans` as <code>. */
const prose = (text: string) => escapeHtml(text).replace(/`([^`]*)`/g, '<code>$1</code>');

const STYLE =
  'body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; } code { font-size: 0.9em; } dt { font-weight: 600; }';
const page = (title: string, body: string) => htmlPage({ title, style: STYLE, body });

function problemPage(code: ErrorCode): string {
  const { status, title, when, then } = errorCatalogue[code];
  return page(
    `${title} (${code})`,
    `<p><a href="/problems">Problem types</a> · <a href="/docs">API documentation</a></p>
<h1>${escapeHtml(title)}</h1>
<dl>
  <dt>Code</dt><dd><code>${code}</code></dd>
  <dt>HTTP status</dt><dd>${status}</dd>
  <dt>When it happens</dt><dd>${prose(when)}</dd>
  <dt>What to do</dt><dd>${prose(then)}</dd>
</dl>
<p>The response is an <code>application/problem+json</code> document (RFC 9457) whose <code>type</code> is this page and whose <code>detail</code> says what went wrong with that request.</p>`,
  );
}

function indexPage(): string {
  const rows = (Object.keys(errorCatalogue) as ErrorCode[])
    .map(
      (code) =>
        `  <tr><td><a href="${problemType(code)}"><code>${code}</code></a></td><td>${errorCatalogue[code].status}</td><td>${escapeHtml(errorCatalogue[code].title)}</td></tr>`,
    )
    .join('\n');
  return page(
    'Problem types',
    `<p><a href="/docs">API documentation</a></p>
<h1>Problem types</h1>
<p>Every error of this API is an <code>application/problem+json</code> document with one of these codes.</p>
<table>
  <tr><th>code</th><th>status</th><th>title</th></tr>
${rows}
</table>`,
  );
}

/** The pages, by path: `/problems` and one per code. */
export function problemPages(): [path: string, html: string][] {
  return [['/problems', indexPage()], ...(Object.keys(errorCatalogue) as ErrorCode[]).map((code): [string, string] => [problemType(code), problemPage(code)])];
}

/** What the pages may load: nothing but their own inline style. */
export const PROBLEM_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
