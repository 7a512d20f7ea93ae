import type { Problem, ValidationIssue } from '../../contract.js';
import { AppError } from '../../errors/app-error.js';
import { errorCatalogue, problemType, type ErrorCode } from '../../errors/catalogue.js';

export type ProblemResponse = { status: number; body: Problem; headers: Record<string, string>; cause: unknown };

/** An error raised by express-openapi-validator (its HttpError: status, errors[], headers). */
type ValidatorError = Error & { status: number; errors?: { path?: string; message?: string }[]; headers?: Record<string, string> };
/** An error raised by Express's JSON body parser. */
type BodyParserError = Error & { type: string; status?: number };

const VALIDATOR_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const BODY_PARSER_CODES: Record<string, ErrorCode> = {
  'entity.parse.failed': 'MALFORMED_JSON',
  'entity.too.large': 'PAYLOAD_TOO_LARGE',
  'charset.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
  'encoding.unsupported': 'UNSUPPORTED_MEDIA_TYPE',
};

/** A space-separated list of scope tokens (RFC 6749 §3.3), which may go in a quoted header value. */
const SCOPES = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

const LOCATIONS: Record<string, ValidationIssue['in']> = { body: 'body', query: 'query', params: 'path', path: 'path', headers: 'header' };

function isValidatorError(error: unknown): error is ValidatorError {
  return error instanceof Error && typeof (error as ValidatorError).status === 'number' && Array.isArray((error as ValidatorError).errors);
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return error instanceof Error && typeof (error as BodyParserError).type === 'string' && (error as BodyParserError).type in BODY_PARSER_CODES;
}

/** "/body/query/email" → { in: "body", path: "/query/email" }. */
function toIssue(item: { path?: string; message?: string }): ValidationIssue {
  const [, part = '', ...rest] = (item.path ?? '').split('/');
  const where = LOCATIONS[part] ?? 'body';
  const path = LOCATIONS[part] ? (rest.length > 0 ? `/${rest.join('/')}` : '') : (item.path ?? '');
  // The validator words a missing body as a missing property named "body".
  const message = item.message === "must have required property 'body'" ? 'is required: send a JSON body' : (item.message ?? 'is invalid');
  return { in: where, path, message: message.replace(/\.+$/, '') };
}

function describe(issues: ValidationIssue[]): string {
  const listed = issues.map((issue) => `${issue.in}${issue.path ? ` ${issue.path}` : ''} ${issue.message}`);
  return `The request has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${listed.join('; ')}.`;
}

function build(code: ErrorCode, detail: string, instance: string, extra: Partial<Problem> = {}): Problem {
  const { status, title } = errorCatalogue[code];
  return { type: problemType(code), title, status, detail, instance, code, ...extra };
}

/** RFC 6750 §3.1's challenge for a valid token without the scopes (named when they are known). */
function insufficientScopeChallenge(scopes: string): string {
  return `Bearer realm="users-api", error="insufficient_scope"${SCOPES.test(scopes) ? `, scope="${scopes}"` : ''}`;
}

/** What a 415 tells the client: what it sent, if anything, and what the operation takes. */
function unsupportedMediaTypeDetail(sent: string | undefined, accepted: readonly string[]): string {
  const wanted = accepted.length > 0 ? `of type ${accepted.join(' or ')}` : 'of JSON';
  return sent === undefined ? `This operation takes a body ${wanted}; send it with that Content-Type.` : `This operation takes a body ${wanted}, not ${sent}.`;
}

/** Retry-After of a SERVICE_UNAVAILABLE that does not say when to come back. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

const DETAILS: Partial<Record<ErrorCode, string>> = {
  MALFORMED_JSON: 'The request body could not be parsed as JSON.',
  ROUTE_NOT_FOUND: 'No operation of this API has that path.',
  INTERNAL_ERROR: 'An unexpected error occurred.',
};

/**
 * Turns anything thrown while handling a request into an RFC 9457 problem. Only messages the
 * service wrote itself reach the client: unknown errors become a bare INTERNAL_ERROR.
 */
export function toProblem(
  error: unknown,
  request: {
    instance: string;
    bodyLimitBytes: number;
    hasBody: boolean;
    hasCredentials: boolean;
    /** The media type the body was sent as (for a 415), when it is safe to quote back. */
    sentMediaType?: string | undefined;
    /** The media types the operation takes (for a 415). */
    acceptedMediaTypes?: readonly string[] | undefined;
  },
): ProblemResponse {
  const { instance, bodyLimitBytes } = request;
  const respond = (code: ErrorCode, detail: string, extra?: Partial<Problem>, headers: Record<string, string> = {}): ProblemResponse => ({
    status: errorCatalogue[code].status,
    body: build(code, detail, instance, extra),
    headers,
    cause: error,
  });

  if (error instanceof AppError) {
    if (error.code === 'UNAUTHORIZED') {
      // RFC 6750 §3: say which scheme to use, and that a presented token was refused.
      const challenge = request.hasCredentials ? 'Bearer realm="users-api", error="invalid_token"' : 'Bearer realm="users-api"';
      return respond(error.code, error.detail, {}, { 'WWW-Authenticate': challenge });
    }
    if (error.code === 'SERVICE_UNAVAILABLE') {
      // RFC 9110 §10.2.3: when to try again, in whole seconds (at least one).
      const seconds = Math.max(1, Math.ceil(error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
      return respond(error.code, error.detail, {}, { 'Retry-After': String(seconds) });
    }
    if (error.code === 'INSUFFICIENT_SCOPE')
      return respond(error.code, error.detail, {}, { 'WWW-Authenticate': insufficientScopeChallenge(error.requiredScopes?.join(' ') ?? '') });
    return respond(error.code, error.detail);
  }

  if (isBodyParserError(error)) {
    const code = BODY_PARSER_CODES[error.type] ?? 'VALIDATION_FAILED';
    const detail =
      code === 'PAYLOAD_TOO_LARGE'
        ? `The request body is larger than ${bodyLimitBytes} bytes.`
        : code === 'UNSUPPORTED_MEDIA_TYPE'
          ? 'The body must be UTF-8 JSON without content encoding.'
          : (DETAILS[code] ?? 'The request body is invalid.');
    return respond(code, detail);
  }

  if (isValidatorError(error)) {
    const code = VALIDATOR_CODES[error.status];
    if (code === 'VALIDATION_FAILED') {
      const issues = (error.errors ?? []).map(toIssue);
      return respond(code, describe(issues), { errors: issues });
    }
    if (code === 'METHOD_NOT_ALLOWED') {
      const allow = error.headers?.Allow ?? '';
      return respond(code, `This path accepts ${allow || 'other methods'}.`, {}, allow ? { Allow: allow } : {});
    }
    if (code === 'UNSUPPORTED_MEDIA_TYPE') {
      // With no body at all there is no media type to refuse: what is missing is the body.
      if (!request.hasBody) {
        const issues: ValidationIssue[] = [{ in: 'body', path: '', message: 'is required: send a JSON body' }];
        return respond('VALIDATION_FAILED', describe(issues), { errors: issues });
      }
      return respond(code, unsupportedMediaTypeDetail(request.sentMediaType, request.acceptedMediaTypes ?? []));
    }
    if (code) return respond(code, DETAILS[code] ?? error.message);
  }

  return respond('INTERNAL_ERROR', DETAILS.INTERNAL_ERROR ?? '');
}
