import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JwtConfig } from '../config.js';

/** What a JWT turned out to be. `reason` is for the debug log only: never for the client. */
export type JwtVerdict = { valid: true; subject: string | undefined } | { valid: false; reason: string; providerUnreachable: boolean };

/**
 * Verifies JWT access tokens from the configured identity provider: the signature against its
 * published keys (JWKS URL or file) with an allow-listed asymmetric algorithm, then `iss`, `aud`,
 * and `exp` (required: an access token that never expires is refused) and `nbf` within the clock
 * tolerance. Nothing of the token is returned but its `sub`.
 *
 * With a URL, jose caches the key set and fetches it again for a `kid` it does not know at most
 * once per cooldown: a stream of forged kids cannot make us hammer the provider, while a key the
 * provider has just added is found without a restart.
 */
export function jwtVerifier(settings: JwtConfig): (token: string) => Promise<JwtVerdict> {
  const keys =
    'url' in settings.keys
      ? createRemoteJWKSet(settings.keys.url, { cooldownDuration: settings.jwksCooldownMs, timeoutDuration: 5_000 })
      : createLocalJWKSet(settings.keys.jwks as Parameters<typeof createLocalJWKSet>[0]);
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: settings.algorithms,
    clockTolerance: settings.clockToleranceS,
    requiredClaims: ['exp'],
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, options);
      return { valid: true, subject: typeof payload.sub === 'string' ? payload.sub : undefined };
    } catch (error) {
      // A provider whose keys cannot be fetched is an operational problem, not a bad token.
      const providerUnreachable = error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError);
      return { valid: false, reason: failureReason(error), providerUnreachable };
    }
  };
}

/** jose's error code (and the claim at fault): enough to diagnose, nothing from the token itself. */
function failureReason(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed) return `${error.code} (${error.claim})`;
  if (error instanceof errors.JOSEError) return error.code;
  return error instanceof Error ? error.name : 'unexpected error';
}
