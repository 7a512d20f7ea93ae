import type { ProblemCode } from '../contract.js';

// Every error the service can answer with, by its stable machine code (the `code` member of a
// problem+json body, enumerated in the spec's Problem schema). The domain only ever names a code;
// the HTTP status and title are read from here by the edge (src/http/responses/problem.ts), and each code's
// page (its `type` URI) says when it happens and what to do (src/http/routes/problem-pages.ts).
export const errorCatalogue = {
  VALIDATION_FAILED: {
    status: 400,
    title: 'Request does not match the API contract',
    when: 'A parameter, header or body property is missing, of the wrong type or format, out of range, or not part of the contract. The `errors` member lists each problem, with where it was found (`in`, `path`).',
    then: 'Fix each listed problem and send the request again; the operation in the documentation shows what it accepts.',
  },
  MALFORMED_JSON: {
    status: 400,
    title: 'Malformed JSON body',
    when: 'The body is not valid JSON.',
    then: 'Send a body that a JSON parser accepts (check quotes, commas and escapes).',
  },
  INVALID_CURSOR: {
    status: 400,
    title: 'Invalid pagination cursor',
    when: 'The `cursor` query parameter is not one this service issues.',
    then: 'Pass the `nextCursor` of the previous page unchanged, or omit `cursor` to start from the first page.',
  },
  UNAUTHORIZED: {
    status: 401,
    title: 'Authentication required',
    when: 'The operation needs a bearer token and none was sent, or the one sent is not valid (unknown, expired, for another audience or issuer).',
    then: 'Send `Authorization: Bearer <token>` with a valid token; get a new one from your identity provider if it has expired. Repeated wrong tokens are rate-limited (429).',
  },
  INSUFFICIENT_SCOPE: {
    status: 403,
    title: 'Insufficient scope',
    when: 'The token is valid but grants none of the scopes the operation needs (named in `WWW-Authenticate`), or a `users:self` token tried to move its record to another email.',
    then: 'Use a token with the scope named in `WWW-Authenticate` (ask for it at your identity provider).',
  },
  USER_NOT_FOUND: {
    status: 404,
    title: 'User not found',
    when: 'No user has that id (or email, on the legacy routes), or none the token may see: a `users:self` token sees only its own record.',
    then: 'Check the id or email; list users to find it.',
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    title: 'Route not found',
    when: 'No operation of this API has that path.',
    then: 'Check the path against the documentation (`/docs`).',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    when: 'The path exists, but not with that method.',
    then: 'Use one of the methods the `Allow` header lists.',
  },
  EMAIL_TAKEN: {
    status: 409,
    title: 'Email already registered',
    when: 'Another user already has that email, in any letter case or written form (Unicode or ASCII domain).',
    then: 'Use another email, or find the existing user with `GET /users?email=`.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    title: 'Precondition failed',
    when: "The `If-Match` header does not match the user's current `ETag`: the user changed since you read it.",
    then: 'Read the user again (its new `ETag`), reapply your change and send it with that `ETag`.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    when: 'The body is larger than 16 KiB.',
    then: 'Send a smaller body: no valid request needs more.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    when: "The body's `Content-Type` is not one the operation accepts, or its charset is not UTF-8.",
    then: 'Send the body as JSON with `Content-Type: application/json` (or `application/merge-patch+json` on `PATCH /users/{id}`), in UTF-8.',
  },
  // Local mode only: a request whose Host is not this server's loopback address (src/http/middleware/loopback-host.ts).
  MISDIRECTED_REQUEST: {
    status: 421,
    title: 'Misdirected request',
    when: 'The server runs in local mode (no tokens) and the request was not addressed to its loopback address: another `Host` name or port. This stops web pages that rebind their name to 127.0.0.1 (DNS rebinding).',
    then: 'Address the server as `127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>`; to serve other hosts, start it with `API_TOKENS` or a JWT provider.',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    when: 'Too many anonymous registrations, or requests with a wrong token, came from one client in the current window.',
    then: 'Wait the number of seconds in `Retry-After`; the `RateLimit` header tells the quota.',
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Internal server error',
    when: 'An unexpected fault in the service; nothing about it is disclosed.',
    then: 'Try again later; if it persists, report the `X-Request-Id` of the response to the operators.',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    title: 'Service unavailable',
    when: 'The database cannot be reached (or, on `/readyz`, the service is shutting down).',
    then: 'Try again after `Retry-After` seconds; nothing was changed by the refused request.',
  },
} as const satisfies Record<ProblemCode, { status: number; title: string; when: string; then: string }>;

/** The `type` of a problem: a page of this service describing it (src/http/routes/problem-pages.ts). */
export function problemType(code: ProblemCode): string {
  return `/problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

export type ErrorCode = keyof typeof errorCatalogue;
