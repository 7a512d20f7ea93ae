import { AppError } from '../errors/app-error.js';

// Pagination cursors are opaque to clients: base64url of a small versioned JSON object holding
// the id of the last user of the page. Keyset pagination on the id stays correct and fast while
// users are added or removed between pages. They are not signed, on purpose: a cursor is a
// position any caller could page to, the caller's access still filters every page, and an
// unsigned cursor stays valid across instances and restarts without a shared key.

const ID = /^[0-9a-f]{24}$/;

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ a: lastId }), 'utf8').toString('base64url');
}

/** Returns the id the next page starts after, or throws INVALID_CURSOR. */
export function decodeCursor(cursor: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const after = (parsed as { a?: unknown } | undefined)?.a;
  if (typeof after !== 'string' || !ID.test(after)) {
    throw new AppError('INVALID_CURSOR', 'The cursor is not one this service issues; use a nextCursor from a previous page.');
  }
  return after;
}
