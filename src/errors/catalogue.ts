import type { ProblemCode } from '../contract.js';

// Every error the service can answer with, by its stable machine code (the `code` member of a
// problem+json body, enumerated in the spec's Problem schema). The domain only ever names a code;
// the HTTP status and title are read from here by the edge (src/http/problem.ts).
export const errorCatalogue = {
  VALIDATION_FAILED: { status: 400, title: 'Request does not match the API contract' },
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON body' },
  INVALID_CURSOR: { status: 400, title: 'Invalid pagination cursor' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'Insufficient scope' },
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'Route not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  EMAIL_TAKEN: { status: 409, title: 'Email already registered' },
  PRECONDITION_FAILED: { status: 412, title: 'Precondition failed' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  // Protected mode only: a request whose Host is not this server's loopback address (http/loopback-host.ts).
  MISDIRECTED_REQUEST: { status: 421, title: 'Misdirected request' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, title: 'Internal server error' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<ProblemCode, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
