import type { LegacyUpdate, UserRegistration, UserPatch } from '../contract.js';
import { AppError } from '../errors/app-error.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { normalizeName } from './user-rules.js';
import type { UserChanges, UserRecord, UsersStore } from './users-store.js';

/** Which versions of a user a conditional request accepts: any existing one, or only these. */
export type VersionCondition = { any: true } | { versions: number[] };

/** How many users the tutorial's GET /user returns at most (the contract states it). */
export const LEGACY_LIST_LIMIT = 100;

export type ListQuery = { limit: number; cursor?: string; email?: string; namePrefix?: string };
export type ListResult = { items: UserRecord[]; nextCursor: string | null };

const notFound = () => new AppError('USER_NOT_FOUND', 'No user matches the request.');
const stale = () => new AppError('PRECONDITION_FAILED', 'The user has changed since the ETag given in If-Match.');

function toChanges(fields: { name?: string; email?: string }): UserChanges {
  const changes: UserChanges = {};
  if (fields.name !== undefined) changes.name = normalizeName(fields.name);
  if (fields.email !== undefined) changes.email = fields.email;
  return changes;
}

/** The users domain: plain data in and out, no HTTP, no database driver. */
export class UsersService {
  constructor(private readonly store: UsersStore) {}

  register(input: UserRegistration): Promise<UserRecord> {
    return this.store.insert({ name: normalizeName(input.name), email: input.email });
  }

  async get(id: string): Promise<UserRecord> {
    return (await this.store.findById(id)) ?? Promise.reject(notFound());
  }

  async list(query: ListQuery): Promise<ListResult> {
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

  async update(id: string, patch: UserPatch, condition?: VersionCondition): Promise<UserRecord> {
    const changes = toChanges(patch);
    if (changes.name === undefined && changes.email === undefined) {
      // An empty merge patch changes nothing (RFC 7396), but its preconditions still hold.
      const current = await this.get(id);
      if (condition && !satisfies(condition, current.version)) throw stale();
      return current;
    }
    const versions = condition && 'versions' in condition ? condition.versions : undefined;
    const updated = await this.store.updateById(id, changes, versions);
    if (updated) return updated;
    // The conditional write matched nothing: tell a missing user from a stale ETag.
    throw (await this.store.findById(id)) ? stale() : notFound();
  }

  async remove(id: string, condition?: VersionCondition): Promise<void> {
    const versions = condition && 'versions' in condition ? condition.versions : undefined;
    if (await this.store.deleteById(id, versions)) return;
    throw (await this.store.findById(id)) ? stale() : notFound();
  }

  async legacyList(email?: string): Promise<UserRecord[]> {
    const page = await this.list({ limit: LEGACY_LIST_LIMIT, ...(email === undefined ? {} : { email }) });
    return page.items;
  }

  async legacyUpdate(body: LegacyUpdate): Promise<UserRecord> {
    return (await this.store.updateByEmail(body.query.email, toChanges(body.payload))) ?? Promise.reject(notFound());
  }

  async legacyRemove(email: string): Promise<void> {
    if (!(await this.store.deleteByEmail(email))) throw notFound();
  }
}

function satisfies(condition: VersionCondition, version: number): boolean {
  return 'any' in condition || condition.versions.includes(version);
}
