import { createHash } from 'node:crypto';
import type { Caller } from './caller.js';

/** How long a verified token is taken on trust before its signature is checked again. */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** At most this many tokens are remembered (about 2 MB); the oldest is dropped first. */
export const VERIFIED_TOKEN_MAX = 10_000;

type Entry = { caller: Caller; until: number };

/**
 * Tokens whose signature and claims were verified, remembered so that a client reusing its
 * access token (as clients do until it expires) does not pay for a signature check per request:
 * on this service that is about a fifth of a request's CPU. An entry lasts until the token
 * expires (with the clock tolerance verification allowed) and at most VERIFIED_TOKEN_TTL_MS, so a
 * key the provider withdraws stops being honoured within that time, as jose's own key cache
 * would let it be anyway. Only valid tokens are remembered, under their SHA-256: the
 * tokens themselves are not kept.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  get(token: string): Caller | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.caller;
  }

  /** Remembers a verified token; `expiresAt` is the last moment (ms) verification would accept it. */
  remember(token: string, caller: Caller, expiresAt: number): void {
    const until = Math.min(expiresAt, this.now() + VERIFIED_TOKEN_TTL_MS);
    if (until <= this.now()) return;
    const key = keyOf(token);
    this.entries.delete(key);
    this.entries.set(key, { caller, until });
    if (this.entries.size > VERIFIED_TOKEN_MAX) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

function keyOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64');
}
