import type { User } from '../../contract.js';
import type { UserRecord } from '../../domain/users-store.js';

/** The public representation of a stored user: the version travels in the ETag, not the body. */
export function toUser(record: UserRecord): User {
  return { id: record.id, name: record.name, email: record.email, createdAt: record.createdAt, updatedAt: record.updatedAt };
}
