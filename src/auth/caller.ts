/**
 * Who sent a request, as its bearer token says. A static API_TOKENS token grants every scope; a
 * JWT grants the scopes in its scope claim. The email is present only when the provider verified
 * it: it is what a `users:self` token's own record is found by.
 */
export type Caller = {
  scopes: ReadonlySet<string> | 'every-scope';
  verifiedEmail: string | undefined;
  /** The token's `sub`, which may be logged as the caller's identity. */
  subject: string | undefined;
};

export const STATIC_TOKEN_CALLER: Caller = { scopes: 'every-scope', verifiedEmail: undefined, subject: undefined };

export function grants(caller: Caller, scopes: readonly string[]): boolean {
  return caller.scopes === 'every-scope' || scopes.every((scope) => (caller.scopes as ReadonlySet<string>).has(scope));
}
