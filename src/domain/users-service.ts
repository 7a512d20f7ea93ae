import type { LegacyUpdate, UserRegistration, UserPatch } from '../contract.js';
import { AppError } from '../errors/app-error.js';
import { reaches, type Access } from './access.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { normalizeName } from './user-rules.js';
import type { UserChanges, UserRecord, UsersStore, WriteCondition } from './users-store.js';

/** Which versions of a user a conditional request accepts: any existing one, or only these. */
export type VersionCondition = { any: true } | { versions: number[] };

/** How many users the legacy GET /user returns at most (the contract states it). */
export const LEGACY_LIST_LIMIT = 100;

export type ListQuery = { limit: number; cursor?: string; email?: string; namePrefix?: string };
export type ListResult = { items: UserRecord[]; nextCursor: string | null };

// The same answer for a user that does not exist and one the caller may not see (OWASP API1):
// nothing tells a caller limited to its own record that another user exists.
const notFound = () => new AppError('USER_NOT_FOUND', 'No user matches the request.');
const stale = () => new AppError('PRECONDITION_FAILED', 'The user has changed since the ETag given in If-Match.');

/**
 * A caller limited to its own record reaches it through the email its provider verified: moving
 * the record to another address would take it out of the caller's reach and hand it to whoever
 * owns that address, unverified. Such a caller may only write the same address otherwise
 * (letter case, Unicode form); a real change of email takes `users:write`. Decided from the
 * token and the body alone, before any user is read, so it says nothing about other users.
 */
function assertEmailChangeAllowed(access: Access, email: string | undefined): void {
  if (email === undefined || access.to !== 'own-record' || access.ownerKey === undefined || reaches(access, email)) return;
  throw new AppError(
    'INSUFFICIENT_SCOPE',
    'A token limited to its own record (users:self) may not move the record to another email: that needs users:write (change the email at the identity provider instead).',
    { requiredScopes: ['users:write'] },
  );
}

function toChanges(fields: { name?: string; email?: string }): UserChanges {
  const changes: UserChanges = {};
  if (fields.name !== undefined) changes.name = normalizeName(fields.name);
  if (fields.email !== undefined) changes.email = fields.email;
  return changes;
}

/**
 * The users domain: plain data in and out, no HTTP, no database driver. Every operation on
 * stored users takes the caller's access first: the users beyond it are answered as missing.
 */
export class UsersService {
  constructor(private readonly store: UsersStore) {}

  register(input: UserRegistration): Promise<UserRecord> {
    return this.store.insert({ name: normalizeName(input.name), email: input.email });
  }

  async get(access: Access, id: string): Promise<UserRecord> {
    const user = await this.store.findById(id);
    if (!user || !reaches(access, user.email)) throw notFound();
    return user;
  }

  async list(access: Access, query: ListQuery): Promise<ListResult> {
    if (access.to === 'own-record') {
      // The caller's own record, found by its email: the only one such a list may hold.
      if (access.ownerKey === undefined || (query.email !== undefined && !reaches(access, query.email))) return { items: [], nextCursor: null };
      return this.list({ to: 'every-user' }, { ...query, email: query.email ?? access.ownerKey });
    }
    const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One extra row tells whether another page follows without a count query.
    const rows = await this.store.list({
      limit: query.limit + 1,
      ...(afterId === undefined ? {} : { afterId }),
      ...(query.email === undefined ? {} : { email: query.email }),
      ...(query.namePrefix === undefined ? {} : { namePrefix: query.namePrefix }),
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
  }

  async update(access: Access, id: string, patch: UserPatch, condition?: VersionCondition): Promise<UserRecord> {
    assertEmailChangeAllowed(access, patch.email);
    const changes = toChanges(patch);
    if (changes.name === undefined && changes.email === undefined) {
      // An empty merge patch changes nothing (RFC 7396), but its preconditions still hold.
      const current = await this.get(access, id);
      if (condition && !satisfies(condition, current.version)) throw stale();
      return current;
    }
    const updated = await this.store.updateById(id, changes, writeCondition(access, condition));
    if (updated) return updated;
    throw await this.whyNotWritten(access, id);
  }

  async remove(access: Access, id: string, condition?: VersionCondition): Promise<void> {
    if (await this.store.deleteById(id, writeCondition(access, condition))) return;
    throw await this.whyNotWritten(access, id);
  }

  async legacyList(access: Access, email?: string): Promise<UserRecord[]> {
    const page = await this.list(access, { limit: LEGACY_LIST_LIMIT, ...(email === undefined ? {} : { email }) });
    return page.items;
  }

  async legacyUpdate(access: Access, body: LegacyUpdate): Promise<UserRecord> {
    // The legacy routes name the user by email: the caller's own, or the user is not there.
    assertEmailChangeAllowed(access, body.payload.email);
    if (!reaches(access, body.query.email)) throw notFound();
    return (await this.store.updateByEmail(body.query.email, toChanges(body.payload))) ?? Promise.reject(notFound());
  }

  async legacyRemove(access: Access, email: string): Promise<void> {
    if (!reaches(access, email) || !(await this.store.deleteByEmail(email))) throw notFound();
  }

  /** A conditional write matched nothing: tell a stale ETag from a user that is missing, or not the caller's. */
  private async whyNotWritten(access: Access, id: string): Promise<AppError> {
    const current = await this.store.findById(id);
    return current && reaches(access, current.email) ? stale() : notFound();
  }
}

/** What the store must find, atomically with a write: the versions If-Match names, and the caller's record. */
function writeCondition(access: Access, condition: VersionCondition | undefined): WriteCondition | undefined {
  const versions = condition && 'versions' in condition ? condition.versions : undefined;
  if (access.to === 'every-user') return versions === undefined ? undefined : { versions };
  // An owner key that no user can have: a caller without a verified email owns no record.
  return { ...(versions === undefined ? {} : { versions }), email: access.ownerKey ?? '' };
}

function satisfies(condition: VersionCondition, version: number): boolean {
  return 'any' in condition || condition.versions.includes(version);
}
