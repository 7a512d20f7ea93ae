import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtConfig } from '../config.js';
import type { Caller } from './caller.js';
import { VerifiedTokens } from './verified-tokens.js';

/** Bound on one fetch from the provider (discovery document or key set). */
const FETCH_TIMEOUT_MS = 5_000;

/** What a JWT turned out to be. `reason` is for the debug log only: never for the client. */
export type JwtVerdict = { valid: true; caller: Caller } | { valid: false; reason: string; providerUnreachable: boolean };

/**
 * Verifies JWT access tokens from the configured identity provider: the signature against its
 * published keys (JWKS URL or file) with an allow-listed asymmetric algorithm, then `iss`, `aud`,
 * and `exp` (required: an access token that never expires is refused) and `nbf` within the clock
 * tolerance. Of a valid token only its `sub`, its scopes and its verified email are kept (the
 * claims named in the settings).
 *
 * A token verified once is taken on trust for up to a minute (see verified-tokens.ts).
 *
 * With a URL, jose caches the key set and fetches it again for a `kid` it does not know at most
 * once per cooldown: a stream of forged kids cannot make us hammer the provider, while a key the
 * provider has just added is found without a restart.
 */
export function jwtVerifier(settings: JwtConfig): (token: string) => Promise<JwtVerdict> {
  const remote = (url: URL) => createRemoteJWKSet(url, { cooldownDuration: settings.jwksCooldownMs, timeoutDuration: FETCH_TIMEOUT_MS });
  const source = settings.keys;
  const keys: JWTVerifyGetKey =
    'url' in source
      ? remote(source.url)
      : 'discovery' in source
        ? discoveredKeys(source.discovery, settings.issuer, settings.jwksCooldownMs, remote)
        : createLocalJWKSet(source.jwks as Parameters<typeof createLocalJWKSet>[0]);
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: settings.algorithms,
    clockTolerance: settings.clockToleranceS,
    requiredClaims: ['exp'],
  };
  const verified = new VerifiedTokens();
  return async (token) => {
    const known = verified.get(token);
    if (known !== undefined) return { valid: true, caller: known };
    try {
      const { payload } = await jwtVerify(token, keys, options);
      const caller = callerOf(payload, settings.claims);
      // `exp` is required, so present; jose accepted it up to the clock tolerance past it.
      verified.remember(token, caller, ((payload.exp ?? 0) + settings.clockToleranceS) * 1000);
      return { valid: true, caller };
    } catch (error) {
      // A provider whose keys cannot be fetched is an operational problem, not a bad token.
      const providerUnreachable = error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError);
      return { valid: false, reason: failureReason(error), providerUnreachable };
    }
  };
}

/**
 * The caller a verified token describes. Scopes: a space-separated string (RFC 8693 §4.2, as
 * Keycloak and Auth0 send `scope`) or an array of strings (as some providers send `scp`); any
 * other shape grants none. The email counts only if the provider says it verified it: an
 * unverified email would let anyone who can sign up at the provider with a victim's address
 * claim the victim's record.
 */
function callerOf(payload: JWTPayload, claims: JwtConfig['claims']): Caller {
  const granted = payload[claims.scope];
  const scopes =
    typeof granted === 'string'
      ? granted.split(' ').filter((scope) => scope !== '')
      : Array.isArray(granted)
        ? granted.filter((scope): scope is string => typeof scope === 'string')
        : [];
  const email = payload[claims.email];
  const verified = payload[claims.emailVerified];
  return {
    scopes: new Set(scopes),
    verifiedEmail: typeof email === 'string' && (verified === true || verified === 'true') ? email : undefined,
    subject: typeof payload.sub === 'string' ? payload.sub : undefined,
  };
}

/** jose's error code (and the claim at fault): enough to diagnose, nothing from the token itself. */
function failureReason(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed) return `${error.code} (${error.claim})`;
  if (error instanceof DiscoveryFailed) return `OIDC discovery: ${error.message}`;
  if (error instanceof errors.JOSEError) return error.code;
  return error instanceof Error ? error.name : 'unexpected error';
}

/** The provider's discovery document could not be used; a JWT meanwhile cannot be verified. */
class DiscoveryFailed extends Error {
  override readonly name = 'DiscoveryFailed';
}

/**
 * The key set named by an OpenID Connect provider's discovery document (its `jwks_uri`), found
 * when the first token arrives rather than at start: the service starts and serves, as it does
 * while its database is down, when the provider cannot be reached yet. The document must name
 * the configured issuer (OpenID Connect Discovery §4.3: a document that claims another issuer is
 * not trusted). After a failure the lookup is tried again at most once per cooldown.
 */
function discoveredKeys(document: URL, issuer: string, cooldownMs: number, remote: (url: URL) => JWTVerifyGetKey): JWTVerifyGetKey {
  let found: Promise<JWTVerifyGetKey> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  const lookUp = async (): Promise<JWTVerifyGetKey> => {
    const response = await fetch(document, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new DiscoveryFailed(`discovery document answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== issuer) throw new DiscoveryFailed('discovery document names another issuer');
    if (typeof metadata.jwks_uri !== 'string' || !/^https?:\/\//.test(metadata.jwks_uri)) throw new DiscoveryFailed('discovery document has no http(s) jwks_uri');
    return remote(new URL(metadata.jwks_uri));
  };
  return async (header, token) => {
    if (found === undefined) {
      if (Date.now() - failedAt < cooldownMs) throw new DiscoveryFailed('discovery failed recently');
      found = lookUp().catch((error: unknown) => {
        found = undefined;
        failedAt = Date.now();
        throw error instanceof DiscoveryFailed ? error : new DiscoveryFailed(error instanceof Error ? error.name : 'discovery failed');
      });
    }
    return (await found)(header, token);
  };
}
