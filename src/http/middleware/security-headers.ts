import helmet from 'helmet';
import type { RequestHandler } from 'express';

// Two sets of protective headers (OWASP's REST Security Cheat Sheet, "Security headers"): every
// response carries the ones that protect any response, and the HTML pages (the docs and the
// problem pages) also carry the ones only a document can use.

/**
 * Every response: a policy that lets a response load, run and frame nothing (stricter than
 * helmet's default, which is written for HTML pages), frame denial, `nosniff`, HSTS and
 * `Cross-Origin-Resource-Policy: same-origin`. helmet's other headers speak to browsers about a
 * document (its referrer, DNS prefetching, its opener, IE's download prompt, Flash's policy
 * files, the XSS auditor) and do nothing for JSON; they were about half the bytes of every API
 * response (docs/performance.md).
 */
export function responseSecurityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    xFrameOptions: { action: 'deny' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    referrerPolicy: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
}

/**
 * An HTML page: helmet's defaults but its policy, which each page sets for itself (what Redoc
 * needs, or nothing for a problem page), and with frame denial as those policies have it.
 */
export function documentSecurityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: false, xFrameOptions: { action: 'deny' } });
}
