import { createHash } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Caller } from './caller.js';
import { isTrustedKeySource, ProviderCoolingDown, providerFetch, type ProviderFetch } from './provider-fetch.js';
import { VerifiedTokens } from './verified-tokens.js';

/** Bound on one fetch from the provider (discovery document or key set). */
const FETCH_TIMEOUT_MS = 5_000;

/** What a JWT turned out to be. `reason` is for the debug log only: never for the client. */
export type JwtVerdict = { valid: true; caller: Caller } | { valid: false; reason: string; providerUnreachable: boolean };

export type JwtVerifier = {
  /** Verifies a token (or answers from the memory of verified ones). */
  verify(token: string): Promise<JwtVerdict>;
  /** The caller of a token verified recently, without verifying anything; undefined if none. */
  remembered(token: string): Caller | undefined;
};

/**
 * Verifies JWT access tokens from the configured identity provider: the signature against its
 * published keys (JWKS URL or file) with an allow-listed asymmetric algorithm, then `iss`, `aud`,
 * and `exp` (required: an access token that never expires is refused) and `nbf` within the clock
 * tolerance. Of a valid token only its `sub`, its scopes and its verified email are kept (the
 * claims named in the settings).
 *
 * A token verified once is taken on trust for up to a minute (see verified-tokens.ts), and
 * requests carrying the same token at the same time share one verification.
 *
 * With a URL, jose caches the key set and fetches it again for a `kid` it does not know at most
 * once per cooldown: a stream of forged kids cannot make us hammer the provider, while a key the
 * provider has just added is found without a restart. After a failed fetch nothing is fetched
 * for the same cooldown (provider-fetch.ts), and keys fetched before keep verifying tokens
 * while the provider cannot be reached (jose alone would refuse every token once its cache is
 * older than ten minutes and the refresh fails).
 */
export function jwtVerifier(settings: JwtConfig, logger: Logger): JwtVerifier {
  const provider = providerFetch({ cooldownMs: settings.jwksCooldownMs, logger });
  const remote = (url: URL) =>
    staleIfUnreachable(
      createRemoteJWKSet(url, { cooldownDuration: settings.jwksCooldownMs, timeoutDuration: FETCH_TIMEOUT_MS, [customFetch]: provider.fetch }),
    );
  const source = settings.keys;
  const keys: JWTVerifyGetKey =
    'url' in source
      ? remote(source.url)
      : 'discovery' in source
        ? discoveredKeys(source.discovery, settings.issuer, provider, remote)
        : createLocalJWKSet(source.jwks);
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: settings.algorithms,
    clockTolerance: settings.clockToleranceS,
    requiredClaims: ['exp'],
  };
  const verified = new VerifiedTokens();
  // Entries last while their verification runs: bounded by the requests in flight.
  const inFlight = new Map<string, Promise<JwtVerdict>>();
  const check = async (token: string): Promise<JwtVerdict> => {
    try {
      const { payload } = await jwtVerify(token, keys, options);
      const caller = callerOf(payload, settings.claims);
      // `exp` is required, so present; jose accepted it up to the clock tolerance past it.
      verified.remember(token, caller, ((payload.exp ?? 0) + settings.clockToleranceS) * 1000);
      return { valid: true, caller };
    } catch (error) {
      // A provider whose keys cannot be fetched is an operational problem, not a bad token.
      return { valid: false, reason: failureReason(error), providerUnreachable: isUnreachable(error) };
    }
  };
  return {
    remembered: (token) => verified.get(token),
    verify(token) {
      const known = verified.get(token);
      if (known !== undefined) return Promise.resolve({ valid: true, caller: known });
      const key = createHash('sha256').update(token, 'utf8').digest('base64');
      let verdict = inFlight.get(key);
      if (verdict === undefined) {
        verdict = check(token).finally(() => inFlight.delete(key));
        inFlight.set(key, verdict);
      }
      return verdict;
    },
  };
}

/** The key set could not be had: no answer, a timeout, a refused answer, or a cooldown. */
function isUnreachable(error: unknown): boolean {
  if (error instanceof ProviderCoolingDown || error instanceof DiscoveryFailed || error instanceof errors.JWKSTimeout) return true;
  if (!(error instanceof errors.JOSEError)) return true;
  // jose's own wording for a key set answer other than 200 or not JSON.
  return error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set HTTP response/.test(error.message);
}

type RemoteKeys = ReturnType<typeof createRemoteJWKSet>;

/**
 * The remote key set, falling back on the keys it fetched last when fetching again fails: a
 * provider that is briefly down (or cooling down after a failure) does not turn every new
 * token into a 401 while the keys that sign them are still known.
 */
function staleIfUnreachable(remoteKeys: RemoteKeys): JWTVerifyGetKey {
  let stale: { json: string; keys: JWTVerifyGetKey } | undefined;
  return async (header, token) => {
    try {
      return await remoteKeys(header, token);
    } catch (error) {
      const known = remoteKeys.jwks();
      if (known === undefined || !isUnreachable(error)) throw error;
      const json = JSON.stringify(known);
      if (stale?.json !== json) stale = { json, keys: createLocalJWKSet(known) };
      return stale.keys(header, token);
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
 * not trusted), and its `jwks_uri` must be https (or loopback http, see isTrustedKeySource). A
 * failed look-up starts the provider's cooldown: it is tried again at most once per cooldown.
 */
function discoveredKeys(document: URL, issuer: string, provider: ProviderFetch, remote: (url: URL) => JWTVerifyGetKey): JWTVerifyGetKey {
  let found: Promise<JWTVerifyGetKey> | undefined;
  const unusable = (reason: string) => {
    provider.failed(document, reason);
    return new DiscoveryFailed(reason);
  };
  const lookUp = async (): Promise<JWTVerifyGetKey> => {
    const response = await provider.fetch(document, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) throw new DiscoveryFailed(`discovery document answered ${response.status}`);
    const metadata = (await response.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
    if (metadata === undefined) throw unusable('discovery document is not JSON');
    if (metadata.issuer !== issuer) throw unusable('discovery document names another issuer');
    const jwksUri = typeof metadata.jwks_uri === 'string' && URL.canParse(metadata.jwks_uri) ? new URL(metadata.jwks_uri) : undefined;
    if (jwksUri === undefined || !isTrustedKeySource(jwksUri)) throw unusable('discovery document has no https jwks_uri');
    return remote(jwksUri);
  };
  return async (header, token) => {
    found ??= lookUp().catch((error: unknown) => {
      found = undefined;
      throw error instanceof DiscoveryFailed || error instanceof ProviderCoolingDown
        ? error
        : new DiscoveryFailed(error instanceof Error ? error.name : 'discovery failed');
    });
    return (await found)(header, token);
  };
}
