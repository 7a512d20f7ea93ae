import type { RequestHandler } from 'express';

/**
 * What a body-carrying request's Content-Type becomes when it names a media type no operation
 * takes: one value for all of them, so the validator answers 415 from one cache entry.
 */
export const UNSUPPORTED_MEDIA_TYPE = 'application/x-unsupported-media-type';

/** Where the guard keeps the media type the client sent, for the 415's detail (res.locals). */
export const SENT_MEDIA_TYPE = 'sentMediaType';

/** A media type quoted back to the client: at most this long, printable ASCII only. */
const QUOTED_MEDIA_TYPE_MAX = 80;

/** Whether the request frames a body (RFC 9112 §6.3): Transfer-Encoding or a non-zero Content-Length. */
export function hasBody(headers: { 'transfer-encoding'?: string | undefined; 'content-length'?: string | undefined }): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/**
 * The Content-Type the rest of the stack sees, from the one the client sent; undefined: none.
 *
 * express-openapi-validator 5.6 compiles and keeps a validator for every distinct
 * method-route-Content-Type it meets, parameters and all (`openapi.request.validator.js`), so a
 * client that varies the header (`a/b; x=1`, `x=2`, …) grows the process without bound, and its
 * parameter regex is quadratic on a crafted header. Reduced here to a closed set, it keys at most
 * (2 × media types + 1) entries per operation:
 * - a media type some operation takes: that type, with `charset=utf-8` when the client said so,
 *   and `charset=unsupported` for any other charset (the JSON parser then answers 415: JSON
 *   between systems is UTF-8, RFC 8259 §8.1); an empty body so typed is parsed as `{}`, and
 *   answered with the properties it lacks;
 * - any other media type: without a body, none (there is nothing it describes); with one,
 *   UNSUPPORTED_MEDIA_TYPE (the validator answers 415).
 * Parsed with indexOf and split only: linear in the header's length, whatever it holds.
 */
export function normalizedContentType(sent: string | undefined, body: boolean, accepted: ReadonlySet<string>): string | undefined {
  if (sent === undefined) return undefined;
  const parameters = sent.split(';');
  const mediaType = (parameters[0] ?? '').trim().toLowerCase();
  if (!accepted.has(mediaType)) return body ? UNSUPPORTED_MEDIA_TYPE : undefined;
  let charset: string | undefined;
  for (const parameter of parameters.slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    const value = parameter
      .slice(equals + 1)
      .trim()
      .toLowerCase();
    charset = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  if (charset === undefined) return mediaType;
  return charset === 'utf-8' ? `${mediaType}; charset=utf-8` : `${mediaType}; charset=unsupported`;
}

/**
 * The request-shape guard, in front of every parser and the validator: the Content-Type is
 * rewritten as `normalizedContentType` says (the media type sent is kept for the 415's detail).
 * `accepted` is every request media type of the spec.
 */
export function requestShape(accepted: Iterable<string>): RequestHandler {
  const types = new Set([...accepted].map((type) => type.toLowerCase()));
  return (req, res, next) => {
    const sent = req.headers['content-type'];
    if (sent !== undefined) {
      const normalized = normalizedContentType(sent, hasBody(req.headers), types);
      if (normalized === UNSUPPORTED_MEDIA_TYPE) res.locals[SENT_MEDIA_TYPE] = quotable(sent);
      if (normalized === undefined) delete req.headers['content-type'];
      else req.headers['content-type'] = normalized;
    }
    next();
  };
}

/** The media type part of a header, if it can be quoted back safely; else undefined. */
function quotable(sent: string): string | undefined {
  const semicolon = sent.indexOf(';');
  const mediaType = (semicolon < 0 ? sent : sent.slice(0, semicolon)).trim().toLowerCase();
  return mediaType.length > 0 && mediaType.length <= QUOTED_MEDIA_TYPE_MAX && /^[\x21-\x7e]+$/.test(mediaType) ? mediaType : undefined;
}
