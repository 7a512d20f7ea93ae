import type { VersionCondition } from '../../domain/users-service.js';

// ETags and the conditional request headers that use them (RFC 9110 §8.8.3, §13.1).
// A user's ETag is its version number as a strong entity tag, e.g. "3".

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The entity tags listed in an If-Match / If-None-Match value ("*" is handled by callers). */
function listedTags(header: string): { weak: boolean; opaque: string; version: number | null }[] {
  return [...header.matchAll(/(W\/)?"([^"]*)"/g)].map((match) => ({
    weak: match[1] !== undefined,
    opaque: match[2] ?? '',
    version: /^[1-9]\d{0,15}$/.test(match[2] ?? '') ? Number(match[2]) : null,
  }));
}

/**
 * If-Match as a condition for the domain. Strong comparison: weak or foreign tags match no
 * version, so a request carrying only those fails its precondition instead of being ignored.
 */
export function ifMatchCondition(header: string | undefined): VersionCondition | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return { any: true };
  const versions = listedTags(header).flatMap((tag) => (!tag.weak && tag.version !== null ? [tag.version] : []));
  return { versions };
}

/** If-None-Match uses weak comparison: W/"3" and "3" both match version 3. */
export function ifNoneMatchHits(header: string | undefined, version: number): boolean {
  return ifNoneMatchHitsTag(header, etagOf(version));
}

/**
 * If-None-Match against any strong entity tag `"…"` (a version, a content hash), by weak
 * comparison. Evaluated whatever the request's Cache-Control says: fetch() sends `no-cache` with
 * every conditional request, and Express's req.fresh then never answers 304.
 */
export function ifNoneMatchHitsTag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return listedTags(header).some((tag) => `"${tag.opaque}"` === etag);
}
