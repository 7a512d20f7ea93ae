import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { specScopes } from '../../src/http/openapi/spec-operations.js';
import { loadSpec } from '../../src/spec.js';

/** Every scope the contract names (see the spec's "Scopes"), as a `scope` claim. */
export const EVERY_SCOPE = specScopes(loadSpec().document).join(' ');

export type SigningKey = { kid: string; alg: 'RS256' | 'ES256'; privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK };

/** A key pair made for the test, with its public half as a JWK (kid, alg, use: sig). */
export async function signingKey(alg: SigningKey['alg'], kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

/**
 * An identity provider for the tests: it publishes the public keys it is given as a JWKS over
 * loopback HTTP (counting the fetches) and in a file, and mints tokens with any of its keys.
 * Keys can be added while it runs (rotation).
 */
/** Where it answers as an OpenID Connect provider, as Keycloak does per realm. */
const REALM = '/realms/test';
const DISCOVERY_PATH = `${REALM}/.well-known/openid-configuration`;

export class IdentityProvider {
  readonly issuer = 'https://idp.test.example/';
  readonly audience = 'users-api-test';
  readonly keys: SigningKey[] = [];
  /** How many times the JWKS was fetched over HTTP. */
  jwksFetches = 0;
  /** How many times the OpenID Connect discovery document was fetched. */
  discoveryFetches = 0;
  /** The issuer its discovery document names: its own loopback URL, unless a test says otherwise. */
  discoveryIssuer = '';
  /** What its discovery document claims as `issuer`, when a test makes it lie. */
  claimedIssuer: string | undefined;
  /** While true, every request to it answers 503 (and is counted as a fetch all the same). */
  down = false;
  /** Where the JWKS is served (loopback HTTP), and the file it is also written to. */
  jwksUrl = '';
  readonly jwksFile = join(mkdtempSync(join(tmpdir(), 'identity-provider-')), 'jwks.json');
  private server: Server | undefined;

  static async start(keys: SigningKey[]): Promise<IdentityProvider> {
    const provider = new IdentityProvider();
    provider.keys.push(...keys);
    const server = createServer((req, res) => {
      if (provider.down) {
        if (req.url === DISCOVERY_PATH) provider.discoveryFetches++;
        else provider.jwksFetches++;
        res.writeHead(503).end();
        return;
      }
      if (req.url === DISCOVERY_PATH) {
        provider.discoveryFetches++;
        const metadata = {
          issuer: provider.claimedIssuer ?? provider.discoveryIssuer,
          jwks_uri: provider.jwksUrl,
          id_token_signing_alg_values_supported: ['RS256', 'ES256'],
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metadata));
        return;
      }
      if (req.url !== '/jwks.json') {
        res.writeHead(404).end();
        return;
      }
      provider.jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(provider.jwks()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    provider.server = server;
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    provider.jwksUrl = `${origin}/jwks.json`;
    provider.discoveryIssuer = `${origin}${REALM}`;
    provider.writeJwksFile();
    return provider;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  /** Publishes one more key (over HTTP at once; in the file too). */
  addKey(key: SigningKey): void {
    this.keys.push(key);
    this.writeJwksFile();
  }

  /**
   * A token signed by `key` (by default the first), valid for an hour, with these claims over the
   * usual ones; unless they say otherwise it grants every scope of the contract.
   */
  async mint(
    options: { key?: SigningKey; kid?: string; claims?: JWTPayload; issuer?: string; audience?: string; expiresAt?: number; notBefore?: number } = {},
  ): Promise<string> {
    const key = options.key ?? this.keys[0];
    if (!key) throw new Error('the provider has no key');
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ scope: EVERY_SCOPE, ...options.claims })
      .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'at+jwt' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? this.audience)
      .setSubject('user-123')
      .setIssuedAt(now)
      .setExpirationTime(options.expiresAt ?? now + 3600);
    if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
    return jwt.sign(key.privateKey);
  }

  /** The service's variables to trust this provider: by JWKS URL, by file, or by OpenID Connect discovery. */
  env(mode: 'url' | 'file' | 'discovery'): Record<string, string> {
    if (mode === 'discovery') return { OIDC_ISSUER_URL: this.discoveryIssuer, JWT_AUDIENCE: this.audience };
    return {
      JWT_ISSUER: this.issuer,
      JWT_AUDIENCE: this.audience,
      ...(mode === 'url' ? { JWT_JWKS_URL: this.jwksUrl } : { JWT_JWKS_FILE: this.jwksFile }),
    };
  }

  /** Stops serving and removes its JWKS file's directory, so that no run leaves one behind. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    rmSync(dirname(this.jwksFile), { recursive: true, force: true });
  }

  private writeJwksFile(): void {
    writeFileSync(this.jwksFile, JSON.stringify(this.jwks()));
  }
}

const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`), built by hand: jose refuses to make one. */
export function unsignedToken(payload: JWTPayload, kid: string): string {
  return `${base64url({ alg: 'none', typ: 'JWT', kid })}.${base64url(payload)}.`;
}
