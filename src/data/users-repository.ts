import { MongoServerError, ObjectId, type Collection, type Filter, type UpdateFilter } from 'mongodb';
import type { UserChanges, UserRecord, UsersStore, WriteCondition } from '../domain/users-store.js';
import { emailKey } from '../domain/email-address.js';
import { escapeRegExp } from '../domain/user-rules.js';
import { AppError } from '../errors/app-error.js';
import { findById } from './find-by-id.js';
import { EmailReservations, type Reservation, type ReservationOutcome } from './email-reservations.js';
import { isDuplicateKey } from './duplicate-key.js';
import { InsertBatches } from './insert-batches.js';
import { KeyedLock } from './keyed-lock.js';
import { SharedReads } from './shared-reads.js';
import { backOff, VersionTransitions, type Turn } from './version-transitions.js';
import type { Database } from './mongo-connection.js';

/** How a user is stored. `emailKey` (emailKey() of the email) carries a unique index. */
type UserDocument = {
  _id: ObjectId;
  name: string;
  email: string;
  emailKey: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

const USERS = 'users';
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

/** The update of a write: `$inc` of the version on MongoDB (its filter holds the version read), or the version claimed on FerretDB. */
function setFields(changes: UserChanges, now: Date, version: number | undefined): UpdateFilter<UserDocument> {
  const $set: Partial<UserDocument> = { updatedAt: now };
  if (version !== undefined) $set.version = version;
  if (changes.name !== undefined) $set.name = text(changes.name);
  if (changes.email !== undefined) {
    $set.email = text(changes.email);
    $set.emailKey = emailKey(changes.email);
  }
  return version === undefined ? { $set, $inc: { version: 1 } } : { $set };
}

/** A claim held past its grace period may have been stepped over: the write must not happen. */
const claimExpired = () =>
  new AppError('SERVICE_UNAVAILABLE', 'The database is too slow at the moment to write this safely; try again after Retry-After seconds.', {
    retryAfterSeconds: 1,
  });

const emailTaken = (cause?: unknown) => new AppError('EMAIL_TAKEN', 'Another user already has this email.', cause === undefined ? {} : { cause });

/**
 * Users, stored in two collections so that every operation that names one user reaches it by
 * `_id`, the one filter FerretDB v1 serves from an index (MongoDB serves it from one too):
 *
 * - `users`: the users, by `_id`. A unique index on `emailKey` is the final guard of one user per
 *   email, on both databases and across any number of processes: an insert that breaks it is
 *   refused atomically.
 * - `emails` (see email-reservations.ts): one reservation per email key, `{_id: emailKey, userId}`.
 *   It is how an email reaches its user, and inserting it is the uniqueness check of a
 *   registration or an email change.
 *
 * Write order keeps one rule through any failure between two writes: every user's email has a
 * reservation that points to it. A reservation is written before the user takes the email and removed only
 * after the user has let it go, so a failure leaves at most a stale reservation (its user is gone or
 * has another email), never a user its email does not reach. Stale reservations are repaired as
 * email-reservations.ts describes.
 */
export class UsersRepository implements UsersStore {
  private readonly users: Collection<UserDocument>;
  /** The same collection for reads only: without the write concern (see Database.reads). */
  private readonly userReads: Collection<UserDocument>;
  private readonly newUsers: InsertBatches<UserDocument>;
  private readonly reservations: EmailReservations;
  private readonly pages = new SharedReads<UserDocument[]>();
  /**
   * FerretDB v1 does not apply an update's filter atomically: ten concurrent `{_id, version: 1}`
   * updates can all succeed. Serialising the writes to one user (and to one email's reservation)
   * within this process keeps the version check (If-Match), the version counter and the reservations
   * exact on both databases; see docs/database.md for several instances. Lock order
   * is always a user before an email, never the reverse, so waits cannot form a cycle.
   */
  private readonly locks = new KeyedLock();
  /** FerretDB only: one writer per version of a user across processes (see version-transitions.ts). */
  private readonly transitions: VersionTransitions;

  /**
   * Every call goes through `database.run`: bounded in time, SERVICE_UNAVAILABLE when the
   * database cannot be reached (see mongo-connection.ts), and named by the method that made it
   * (the `operation` label of the database metrics).
   */
  constructor(
    private readonly database: Database,
    options: { staleReservationAfterMs?: number } = {},
  ) {
    this.users = database.db.collection<UserDocument>(USERS);
    this.userReads = database.reads.collection<UserDocument>(USERS);
    this.newUsers = new InsertBatches(this.users, (command) => database.write(command));
    this.transitions = new VersionTransitions(database, 2 * database.timeoutMs);
    this.reservations = new EmailReservations(database, this.locks, this.transitions, options.staleReservationAfterMs ?? 2 * database.timeoutMs, {
      holds: async (userId, key) => (await this.users.findOne({ _id: userId }, { projection: { emailKey: 1 } }))?.emailKey === key,
    });
  }

  /**
   * Creates the indexes and brings a database written by an earlier version up to date (reservations
   * for its users). Idempotent. Called when the database first answers, before the service
   * reports ready (Database.connectInBackground), so not through `run`.
   */
  async prepare(): Promise<void> {
    // Independent of each other: side by side, so that the service is ready sooner.
    await Promise.all([
      this.users.createIndex({ emailKey: 1 }, { unique: true, name: EMAIL_INDEX }),
      this.reservations.migrate(this.users.find({}).project<{ _id: ObjectId; emailKey: string }>({ _id: 1, emailKey: 1 })),
    ]);
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
    await this.database.run(async () => {
      this.reserved(await this.reservations.reserve(doc.emailKey, doc._id));
      try {
        await this.newUsers.insert(doc);
      } catch (error) {
        // A failure here leaves the reservation: stale if the insert did not happen, right if it did.
        if (isDuplicateEmail(error)) throw await this.afterDuplicate(doc.emailKey, error);
        throw error;
      }
    }, 'insert');
    return toRecord(doc);
  }

  async findById(id: string): Promise<UserRecord | null> {
    const _id = objectId(id);
    const doc = _id && (await this.database.run(() => findById<UserDocument>(this.database.reads, USERS, _id), 'findById'));
    return doc ? toRecord(doc) : null;
  }

  async list(query: { afterId?: string; limit: number; email?: string; namePrefix?: string }): Promise<UserRecord[]> {
    if (query.email !== undefined) return this.listByEmail({ ...query, email: query.email });
    const filter: Filter<UserDocument> = {};
    if (query.afterId !== undefined) {
      const after = objectId(query.afterId);
      if (!after) return [];
      filter._id = { $gt: after };
    }
    if (query.namePrefix !== undefined) {
      filter.name = { $regex: `^${escapeRegExp(text(query.namePrefix))}`, $options: 'i' };
    }
    const key = JSON.stringify([query.afterId ?? null, query.namePrefix ?? null, query.limit]);
    const docs = await this.database.run(() => this.pages.run(key, () => this.userReads.find(filter).sort({ _id: 1 }).limit(query.limit).toArray()), 'list');
    return docs.map(toRecord);
  }

  async updateById(id: string, changes: UserChanges, condition: WriteCondition = {}): Promise<UserRecord | null> {
    const _id = objectId(id);
    if (!_id) return null;
    return this.database.run(() => this.update(_id, changes, meets(condition)), 'updateById');
  }

  async updateByEmail(email: string, changes: UserChanges): Promise<UserRecord | null> {
    const key = emailKey(text(email));
    return this.database.run(async () => {
      const found = await this.byEmail(key);
      // Checked again under the user's lock: the email may have changed in between.
      return found ? this.update(found._id, changes, (doc) => doc.emailKey === key) : null;
    }, 'updateByEmail');
  }

  async deleteById(id: string, condition: WriteCondition = {}): Promise<boolean> {
    const _id = objectId(id);
    if (!_id) return false;
    return this.database.run(() => this.delete(_id, meets(condition)), 'deleteById');
  }

  async deleteByEmail(email: string): Promise<boolean> {
    const key = emailKey(text(email));
    return this.database.run(async () => {
      const found = await this.byEmail(key);
      return found ? this.delete(found._id, (doc) => doc.emailKey === key) : false;
    }, 'deleteByEmail');
  }

  private async listByEmail(query: { afterId?: string; limit: number; email: string; namePrefix?: string }): Promise<UserRecord[]> {
    const doc = await this.database.run(() => this.byEmail(emailKey(text(query.email))), 'findByEmail');
    if (!doc || query.limit < 1) return [];
    if (query.afterId !== undefined && !(OBJECT_ID.test(query.afterId) && doc._id.toHexString() > query.afterId)) return [];
    if (query.namePrefix !== undefined && !doc.name.toLowerCase().startsWith(text(query.namePrefix).toLowerCase())) return [];
    return [toRecord(doc)];
  }

  /** The user an email reaches: its reservation, then the user by `_id` (two index lookups). */
  private async byEmail(key: string): Promise<UserDocument | null> {
    const userId = await this.reservations.resolve(key);
    if (!userId) return null;
    const doc = await findById<UserDocument>(this.database.reads, USERS, userId);
    if (doc?.emailKey === key) return doc;
    // A stale reservation. The write order makes it mean "nobody has this email", except after a race
    // between processes on FerretDB (see email-reservations.ts): ask the users themselves, and repair.
    return this.repointToHolder(key);
  }

  /**
   * Asks the users themselves who has this email (an index on MongoDB, a full read on FerretDB:
   * only after an inconsistency) and points the email's reservation at that user, if any.
   */
  private async repointToHolder(key: string): Promise<UserDocument | null> {
    const holder = await this.users.findOne({ emailKey: key });
    if (holder) await this.reservations.pointTo(key, holder._id);
    return holder;
  }

  /**
   * The filter of a write to a user read at `version` under its lock. On MongoDB the version is
   * in the filter, so the write is atomic with the check across processes too; FerretDB v1 would
   * read the whole collection for any filter beyond `{_id}` and does not apply a filter
   * atomically anyway, so there the check made under the lock is the guard.
   */
  private at(doc: UserDocument): Filter<UserDocument> {
    return this.database.engine === 'ferretdb' ? { _id: doc._id } : { _id: doc._id, version: doc.version };
  }

  private update(_id: ObjectId, changes: UserChanges, applies: (doc: UserDocument) => boolean): Promise<UserRecord | null> {
    return this.exclusively(_id, applies, null, async (current, turn) => {
      const newKey = changes.email === undefined ? current.emailKey : emailKey(changes.email);
      const moves = newKey !== current.emailKey;
      // Read before the user lets the old email go: the release removes that write of it only.
      const [leaving, reserved] = moves
        ? await Promise.all([this.reservations.heldBy(current.emailKey, _id), this.reservations.reserve(newKey, _id).then((outcome) => this.reserved(outcome))])
        : [null, null];
      let updated: UserDocument | null;
      try {
        if (turn && !turn.valid()) throw claimExpired();
        updated = await this.database.write(() =>
          this.users.findOneAndUpdate(this.at(current), setFields(changes, new Date(), turn?.version), { returnDocument: 'after' }),
        );
      } catch (error) {
        if (moves && isDuplicateEmail(error)) throw await this.afterDuplicate(newKey, error);
        throw error;
      }
      if (!moves) return updated ? toRecord(updated) : null;
      // Moved: the old email is let go. Not moved (changed meanwhile by another process): the new
      // reservation is not needed.
      await this.reservations.release(updated ? leaving : reserved);
      return updated ? toRecord(updated) : null;
    });
  }

  private delete(_id: ObjectId, applies: (doc: UserDocument) => boolean): Promise<boolean> {
    return this.exclusively(_id, applies, false, async (current, turn) => {
      if (turn && !turn.valid()) throw claimExpired();
      const leaving = await this.reservations.heldBy(current.emailKey, _id);
      const { deletedCount } = await this.database.write(() => this.users.deleteOne(this.at(current)));
      if (deletedCount === 1) await this.reservations.release(leaving);
      return deletedCount === 1;
    });
  }

  /**
   * Reads the user and, if `applies` to it, runs `write` as the only writer of the user's next
   * version: within this process under the user's lock; across processes by the version in the
   * write's filter on MongoDB (`at`), and on FerretDB by a claim on the next version (see
   * version-transitions.ts), read again, left for the sweep after the write. A writer that loses the claim
   * reads the user again, and `applies` decides again (an If-Match of the old version now fails).
   */
  private exclusively<T>(
    _id: ObjectId,
    applies: (doc: UserDocument) => boolean,
    none: T,
    write: (current: UserDocument, turn: Turn | undefined) => Promise<T>,
  ): Promise<T> {
    return this.locks.run(`user:${_id.toHexString()}`, async () => {
      if (this.database.engine !== 'ferretdb') {
        const current = await this.users.findOne({ _id });
        return current && applies(current) ? write(current, undefined) : none;
      }
      // The call's bound (database.run) answers the client; this stops the work behind it too.
      const giveUpAt = Date.now() + this.database.timeoutMs;
      for (let attempt = 0; ; attempt++) {
        const current = await this.users.findOne({ _id });
        if (!current || !applies(current)) return none;
        const unchanged = async () => (await this.users.findOne({ _id }, { projection: { version: 1 } }))?.version === current.version;
        const done = await this.transitions.exclusive(`user:${_id.toHexString()}`, current.version, unchanged, (turn) => write(current, turn), true);
        if (done !== 'busy') return done;
        if (Date.now() >= giveUpAt) throw claimExpired();
        await backOff(attempt);
      }
    });
  }

  /** The reservation made, or the refusal: 409 when taken, 503 when it could not be decided in time. */
  private reserved(outcome: ReservationOutcome): Reservation {
    if (outcome === 'taken') throw emailTaken();
    if (outcome === 'busy') throw claimExpired();
    return outcome;
  }

  /**
   * The users' unique index refused a write although this request held the reservation: a user had the
   * email without a reservation pointing to it (only after a race between processes on FerretDB, or a
   * database an earlier version wrote to while this one ran). Point the reservation at that user.
   */
  private async afterDuplicate(key: string, error: unknown): Promise<AppError> {
    await this.repointToHolder(key);
    return emailTaken(error);
  }
}

/**
 * The check, made under the user's lock, that a conditional write applies. Its version is also in
 * the write's filter on MongoDB (see `at`), and every change of email changes the version, so
 * the email checked here is the one the write changes.
 */
function meets(condition: WriteCondition): (doc: UserDocument) => boolean {
  const key = condition.email === undefined ? undefined : emailKey(text(condition.email));
  return (doc) => (condition.versions === undefined || condition.versions.includes(doc.version)) && (key === undefined || doc.emailKey === key);
}

/**
 * A write refused by the unique email index. MongoDB (and FerretDB, on inserts) answers with
 * error 11000; FerretDB v1 answers an *update* that breaks a unique index with InternalError
 * naming the SQLite constraint, so that case is recognised by the index's name.
 */
function isDuplicateEmail(error: unknown): boolean {
  return isDuplicateKey(error) || (error instanceof MongoServerError && /UNIQUE constraint failed/.test(error.message) && error.message.includes(EMAIL_INDEX));
}
