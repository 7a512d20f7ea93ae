import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../../errors/app-error.js';
import { servedAt } from '../openapi/served-spec.js';
import type { Spec } from '../../spec.js';
import { documentSecurityHeaders } from '../middleware/security-headers.js';
import { ifNoneMatchHitsTag } from '../responses/conditional.js';
import { escapeHtml, htmlPage } from '../responses/html-page.js';
import { PROBLEM_PAGE_CSP, problemPages } from './problem-pages.js';

/** Redoc 2's standalone bundle, from the `redoc` dependency (resolved as an import would be). */
export const redocBundlePath = createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js');

// Redoc 2.5.3's sidebar footer always shows Redocly's logo from cdn.redoc.ly (no option turns it
// off). The copies this project serves point it at an empty data: URL instead: the image fails,
// Redoc hides it (its onError), and the page fetches nothing from outside the service.
const REDOCLY_LOGO_URL = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

/** The Redoc bundle as this project serves it (here and beside the static build): offline. */
export function readRedocBundle(): string {
  return readFileSync(redocBundlePath, 'utf8').replaceAll(REDOCLY_LOGO_URL, 'data:,');
}

/** JSON that is safe inside a <script> element (no "</script>", no line separators). */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/**
 * The documentation page: Redoc renders the spec, from a URL (Redoc 2 starts by itself on a
 * <redoc spec-url> element, so the served page needs no inline script) or inlined (the static
 * copy, opened from a file, where fetching a second file is not allowed). No font, stylesheet or
 * script from anywhere but `bundleSrc`.
 */
export function redocPage(options: { title: string | undefined; bundleSrc: string; spec: { url: string } | { inline: unknown } }): string {
  const { title = 'API documentation', bundleSrc, spec } = options;
  const body =
    'url' in spec
      ? `<redoc spec-url="${escapeHtml(spec.url)}"></redoc>
  <script src="${escapeHtml(bundleSrc)}"></script>`
      : `<div id="redoc"></div>
  <script src="${escapeHtml(bundleSrc)}"></script>
  <script>Redoc.init(${scriptJson(spec.inline)}, {}, document.getElementById('redoc'));</script>`;
  return htmlPage({ title, style: 'body { margin: 0; padding: 0; }', body });
}

// What the served page may load: its own scripts and the spec, styles Redoc injects, the blob:
// worker of its search box, data: images. Set on the page itself, in the place of the policy
// every response gets (which lets nothing load), so that a browser refuses anything external the
// bundle might still try.
const DOCS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

type Asset = { body: Buffer; hash: string; headers: Record<string, string> };

/** A fixed response with a strong ETag: the hash of its content. */
function asset(body: string | Buffer, type: string, cacheControl: string, extra: Record<string, string> = {}): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const hash = createHash('sha256').update(bytes).digest('base64url');
  return { body: bytes, hash, headers: { 'Content-Type': type, 'Cache-Control': cacheControl, ETag: `"${hash}"`, ...extra } };
}

/** Serves an asset; a matching If-None-Match gets 304 with the same headers and no body. */
const send =
  ({ body, hash, headers }: Asset): RequestHandler =>
  (req, res) => {
    res.set(headers);
    if (ifNoneMatchHitsTag(req.get('If-None-Match'), `"${hash}"`)) {
      res.status(304).end();
      return;
    }
    res.send(body);
  };

/** The address a request came to, as a base URL: where this server listens (http; IPv6 in brackets). */
function listeningUrl(req: Request): string {
  const address = req.socket.localAddress ?? '127.0.0.1';
  const host = address.startsWith('::ffff:') ? address.slice(7) : address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${req.socket.localPort ?? 80}`;
}

/** These paths only answer GET (and HEAD): the same 405 problem the API's own paths give. */
const methodNotAllowed: RequestHandler = (_req, res, next) => {
  res.set('Allow', 'GET, HEAD');
  next(new AppError('METHOD_NOT_ALLOWED', 'This path accepts GET, HEAD.'));
};

/**
 * The service's own documentation, served offline: the contract as YAML (the very file the
 * validator enforces) and as JSON, a Redoc page that loads nothing but these and the Redoc bundle
 * shipped with the service, and the pages the problems' `type` URIs name. These are not operations
 * of the API, so the app mounts this router before the OpenAPI validator (which would answer 404).
 * Everything is read and prepared once, here, when the app is created; clients revalidate the
 * spec and the pages with their ETag (`no-cache`), and keep the bundle, whose URL changes with its
 * content, for a year.
 */
export function docsRoutes(served: Spec, options: { publicBaseUrl?: string | undefined } = {}): RequestHandler {
  const spec = served.document as { info?: { title?: string } };
  const bundle = asset(readRedocBundle(), 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable');
  const bundleSrc = `/docs/redoc.standalone.js?v=${bundle.hash.slice(0, 12)}`;
  const page = redocPage({ title: spec.info?.title, bundleSrc, spec: { url: '/openapi.json' } });

  const revalidate = 'no-cache';
  // The HTML pages also carry the headers only a document can use (security-headers.ts).
  const documentHeaders = documentSecurityHeaders();
  const sendPage = (html: Asset): RequestHandler => {
    const sendIt = send(html);
    return (req, res, next) => {
      documentHeaders(req, res, () => sendIt(req, res, next));
    };
  };
  // The contract names where it is served: PUBLIC_BASE_URL, else the address the first request
  // came to (the listening address; known only once listening, as with port 0).
  let contract: { yaml: RequestHandler; json: RequestHandler } | undefined;
  const contractFor = (req: Request) => {
    if (contract === undefined) {
      const { yaml, document } = servedAt(served, options.publicBaseUrl ?? listeningUrl(req));
      contract = {
        yaml: send(asset(yaml, 'application/yaml; charset=utf-8', revalidate)),
        json: send(asset(JSON.stringify(document), 'application/json; charset=utf-8', revalidate)),
      };
    }
    return contract;
  };
  const routes: [string, RequestHandler][] = [
    ['/openapi.yaml', (req, res, next) => contractFor(req).yaml(req, res, next)],
    ['/openapi.json', (req, res, next) => contractFor(req).json(req, res, next)],
    // "/docs/" is the same page (see the lookup below).
    ['/docs', sendPage(asset(page, 'text/html; charset=utf-8', revalidate, { 'Content-Security-Policy': DOCS_PAGE_CSP }))],
    ['/docs/redoc.standalone.js', send(bundle)],
    // The pages the problems' `type` URIs name.
    ...problemPages().map(([path, html]): [string, RequestHandler] => [
      path,
      sendPage(asset(html, 'text/html; charset=utf-8', revalidate, { 'Content-Security-Policy': PROBLEM_PAGE_CSP })),
    ]),
  ];

  // One map lookup per request instead of a router's pattern per path: every API request passes
  // here first. Matched as Express's default routing would: any letter case, one trailing slash.
  const byPath = new Map(routes.map(([path, handler]) => [path.toLowerCase(), handler]));
  return (req, res, next) => {
    const handler = byPath.get(req.path.toLowerCase().replace(/(.)\/$/, '$1'));
    if (!handler) return next();
    if (req.method === 'GET' || req.method === 'HEAD') return handler(req, res, next);
    return methodNotAllowed(req, res, next);
  };
}
