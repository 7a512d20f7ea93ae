import type { ErrorCode } from './catalogue.js';

/**
 * The one error type of the service: a stable code from the catalogue and a human-readable
 * detail for this occurrence. Thrown by the domain and the data layer; turned into
 * problem+json by the central error handler.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  /** With SERVICE_UNAVAILABLE: how many seconds a client should wait before trying again. */
  readonly retryAfterSeconds: number | undefined;
  /** With INSUFFICIENT_SCOPE: the scopes that would allow the request (for WWW-Authenticate). */
  readonly requiredScopes: readonly string[] | undefined;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    options?: { cause?: unknown; retryAfterSeconds?: number; requiredScopes?: readonly string[] },
  ) {
    super(`${code}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.requiredScopes = options?.requiredScopes;
  }
}
