import type { User } from '../contract.js';

/** A stored user and its version, which starts at 1 and grows by one with every change. */
export type UserRecord = User & { version: number };

/** Changes to apply to a user; every value has passed the contract and the domain's rules. */
export type UserChanges = { name?: string; email?: string };

/**
 * What a conditional write requires of the user as stored when it applies: one of these
 * versions, and/or this email (by its key). Checked atomically with the write.
 */
export type WriteCondition = { versions?: number[]; email?: string };

/**
 * What the domain needs from storage (implemented by src/data/users-repository.ts).
 * Filters are built from these typed primitives only, never from a client's JSON.
 * Writes that would give two users one email (in any letter case) throw EMAIL_TAKEN.
 */
export interface UsersStore {
  insert(user: { name: string; email: string }): Promise<UserRecord>;
  findById(id: string): Promise<UserRecord | null>;
  list(query: { afterId?: string; limit: number; email?: string; namePrefix?: string }): Promise<UserRecord[]>;
  /** Applies the changes if the user exists (and meets the condition, when one is given). */
  updateById(id: string, changes: UserChanges, condition?: WriteCondition): Promise<UserRecord | null>;
  updateByEmail(email: string, changes: UserChanges): Promise<UserRecord | null>;
  /** Deletes the user if it exists (and meets the condition, when one is given). */
  deleteById(id: string, condition?: WriteCondition): Promise<boolean>;
  deleteByEmail(email: string): Promise<boolean>;
}
