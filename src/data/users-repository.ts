import { MongoServerError, ObjectId, type Collection, type Filter, type UpdateFilter } from 'mongodb';
import type { UserChanges, UserRecord, UsersStore } from '../domain/users-store.js';
import { emailKey, escapeRegExp } from '../domain/user-rules.js';
import { AppError } from '../errors/app-error.js';
import { KeyedLock } from './keyed-lock.js';
import type { Database } from './mongo-connection.js';

/** How a user is stored. `emailKey` (the lower-cased email) carries the unique index. */
type UserDocument = {
  _id: ObjectId;
  name: string;
  email: string;
  emailKey: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

const DUPLICATE_KEY = 11000;
const EMAIL_INDEX = 'emailKey_unique';
const OBJECT_ID = /^[0-9a-f]{24}$/;

function toRecord(doc: UserDocument): UserRecord {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    email: doc.email,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    version: doc.version,
  };
}

/** Only ids the contract allows become ObjectIds; anything else matches no user. */
function objectId(id: string): ObjectId | null {
  return OBJECT_ID.test(id) ? new ObjectId(id) : null;
}

/** Strings only: a guard against a value that slipped past validation reaching a filter. */
function text(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('expected a string');
  return value;
}

function setFields(changes: UserChanges, now: Date): UpdateFilter<UserDocument> {
  const $set: Partial<UserDocument> = { updatedAt: now };
  if (changes.name !== undefined) $set.name = text(changes.name);
  if (changes.email !== undefined) {
    $set.email = text(changes.email);
    $set.emailKey = emailKey(changes.email);
  }
  return { $set, $inc: { version: 1 } };
}

/**
 * A write refused by the unique email index. MongoDB (and FerretDB, on inserts) answers with
 * error 11000; FerretDB v1 answers an *update* that breaks a unique index with InternalError
 * naming the SQLite constraint, so that case is recognised by the index's name.
 */
function isDuplicateEmail(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  return error.code === DUPLICATE_KEY || (/UNIQUE constraint failed/.test(error.message) && error.message.includes(EMAIL_INDEX));
}

async function translateDuplicate<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isDuplicateEmail(error)) {
      throw new AppError('EMAIL_TAKEN', 'Another user already has this email.', { cause: error });
    }
    throw error;
  }
}

export class UsersRepository implements UsersStore {
  private readonly users: Collection<UserDocument>;
  /**
   * FerretDB v1 does not apply an update's filter atomically: ten concurrent
   * `{_id, version: 1}` updates can all succeed and `$inc` can lose increments. MongoDB applies
   * them atomically. Serialising the writes to one user within this process keeps the
   * version check (If-Match) and the version counter exact on both; see the README's
   * database notes for running several instances.
   */
  private readonly writes = new KeyedLock();

  /**
   * Every call goes through `database.run`: bounded in time, and SERVICE_UNAVAILABLE when the
   * database cannot be reached (see mongo-connection.ts).
   */
  constructor(private readonly database: Database) {
    this.users = database.db.collection<UserDocument>('users');
  }

  /**
   * Idempotent: creating an index that exists with the same definition is a no-op. Called when
   * the database first answers (Database.connectInBackground), so not through `run`.
   */
  async ensureIndexes(): Promise<void> {
    await this.users.createIndex({ emailKey: 1 }, { unique: true, name: EMAIL_INDEX });
  }

  async insert(user: { name: string; email: string }): Promise<UserRecord> {
    const now = new Date();
    const doc: UserDocument = {
      _id: new ObjectId(),
      name: text(user.name),
      email: text(user.email),
      emailKey: emailKey(user.email),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.database.run(() => translateDuplicate(this.users.insertOne(doc)));
    return toRecord(doc);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const _id = objectId(id);
    const doc = _id && (await this.database.run(() => this.users.findOne({ _id })));
    return doc ? toRecord(doc) : null;
  }

  async list(query: { afterId?: string; limit: number; email?: string; namePrefix?: string }): Promise<UserRecord[]> {
    const filter: Filter<UserDocument> = {};
    if (query.afterId !== undefined) {
      const after = objectId(query.afterId);
      if (!after) return [];
      filter._id = { $gt: after };
    }
    if (query.email !== undefined) filter.emailKey = emailKey(text(query.email));
    if (query.namePrefix !== undefined) {
      filter.name = { $regex: `^${escapeRegExp(text(query.namePrefix))}`, $options: 'i' };
    }
    const docs = await this.database.run(() => this.users.find(filter).sort({ _id: 1 }).limit(query.limit).toArray());
    return docs.map(toRecord);
  }

  async updateById(id: string, changes: UserChanges, expectedVersions?: number[]): Promise<UserRecord | null> {
    const _id = objectId(id);
    if (!_id) return null;
    const filter: Filter<UserDocument> = expectedVersions ? { _id, version: { $in: expectedVersions } } : { _id };
    return this.update(_id, filter, changes);
  }

  async updateByEmail(email: string, changes: UserChanges): Promise<UserRecord | null> {
    const key = emailKey(text(email));
    const found = await this.database.run(() => this.users.findOne({ emailKey: key }, { projection: { _id: 1 } }));
    // Re-checking the email in the write's filter covers a change of email in between.
    return found ? this.update(found._id, { _id: found._id, emailKey: key }, changes) : null;
  }

  async deleteById(id: string, expectedVersions?: number[]): Promise<boolean> {
    const _id = objectId(id);
    if (!_id) return false;
    const filter: Filter<UserDocument> = expectedVersions ? { _id, version: { $in: expectedVersions } } : { _id };
    return this.database.run(() => this.writes.run(id, async () => (await this.users.deleteOne(filter)).deletedCount === 1));
  }

  async deleteByEmail(email: string): Promise<boolean> {
    const key = emailKey(text(email));
    return this.database.run(async () => (await this.users.deleteOne({ emailKey: key })).deletedCount === 1);
  }

  private update(_id: ObjectId, filter: Filter<UserDocument>, changes: UserChanges): Promise<UserRecord | null> {
    // The time bound covers the wait for earlier writes to the same user too.
    return this.database.run(() =>
      this.writes.run(_id.toHexString(), async () => {
        const update = setFields(changes, new Date());
        const doc = await translateDuplicate(this.users.findOneAndUpdate(filter, update, { returnDocument: 'after' }));
        return doc ? toRecord(doc) : null;
      }),
    );
  }
}
