import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { specScopes } from '../../src/http/openapi/spec-operations.js';
import { loadSpec } from '../../src/spec.js';

/** What the `jwt` server trusts, and the token every request to it sends. */
export type BenchProvider = { issuer: string; audience: string; jwksFile: string; token: string };

const ISSUER = 'https://idp.bench.invalid/realms/bench';
const AUDIENCE = 'users-api';

/**
 * An identity provider reduced to what the service needs of one: an RS256 key pair made for the
 * run (RS256: what Keycloak signs with by default), its public half as a JWKS file, and one access
 * token with every scope of the contract, valid for a day. One token for every request, as a
 * client reuses its token until it expires.
 */
export async function benchProvider(workDir: string): Promise<BenchProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwksFile = join(workDir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] }));
  const token = await new SignJWT({ scope: specScopes(loadSpec().document).join(' ') })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('24h')
    .sign(privateKey);
  return { issuer: ISSUER, audience: AUDIENCE, jwksFile, token };
}
