import { MongoBulkWriteError, ObjectId, type Collection, type FindCursor } from 'mongodb';
import { isDuplicateKey } from './duplicate-key.js';
import { findById } from './find-by-id.js';
import { InsertBatches } from './insert-batches.js';
import type { KeyedLock } from './keyed-lock.js';
import type { Database } from './mongo-connection.js';
import { backOff, type VersionTransitions } from './version-transitions.js';

/**
 * One reservation per email key (email-address.ts), as its `_id`: the uniqueness check and the
 * lookup. `tag` is new at every write (written before tags: absent), so a reservation read once is
 * recognised later even if it was removed and written again with the same user and revision.
 */
export type Reservation = { _id: string; userId: ObjectId; at: Date; rev?: number; tag?: ObjectId };
type ReservationDocument = Reservation;

/** What a marker in `migrations` records: the migration ran to its end on this database. */
type MigrationDocument = { _id: string; at: Date };

/** `busy`: other processes kept changing the reservation for the whole call bound. */
export type ReservationOutcome = Reservation | 'taken' | 'busy';

// The marker's id keeps the name these reservations once had: databases already carry it.
const MIGRATION = 'email-claims';
const MIGRATION_BATCH = 500;
/** A release that meets another process changing the reservation reads it again, this many times at most. */
const RELEASE_ATTEMPTS = 5;

/** A reservation's revision: how many times it was taken over or renewed (written before revisions: 0). */
const revision = (reservation: ReservationDocument): number => reservation.rev ?? 0;

/** Whether two reads are of the same write of a reservation. */
function sameWrite(a: ReservationDocument, b: ReservationDocument): boolean {
  return (
    a._id === b._id &&
    a.userId.equals(b.userId) &&
    revision(a) === revision(b) &&
    a.at.getTime() === b.at.getTime() &&
    (a.tag === undefined ? b.tag === undefined : b.tag !== undefined && a.tag.equals(b.tag))
  );
}

/** The collection of the reservations. */
const EMAILS = 'emails';

/**
 * The `emails` collection: `{_id: <email key>, userId, at}`. Inserting a reservation is atomic
 * on every database and across processes (a second insert of one `_id` is refused), so it is the
 * uniqueness check of a registration and of an email change; reading it is how an email reaches
 * its user, by `_id` only.
 *
 * A reservation is **stale** when its user is gone or has another email (a failure between the reservation
 * and the user's write, or after the user's write and before the reservation's removal). The repair
 * rule:
 * - a reader treats a stale reservation as absent (and asks the users themselves: see
 *   UsersRepository.byEmail);
 * - a registration or email change finding a stale reservation takes it over once the reservation is older
 *   than twice the database call bound: a younger one may belong to a registration still in
 *   flight in another process, so until then the email answers 409, as for any registration in
 *   progress.
 *
 * A user that moves back to an email it left may find its own old reservation, which the process
 * that moved it off may be removing at that moment. So the move renews it (a new write, so a new
 * tag), and a release removes only the very write it read before its user let the email go: the
 * renewed one stays.
 */
export class EmailReservations {
  private readonly reservations: Collection<ReservationDocument>;
  private readonly newReservations: InsertBatches<ReservationDocument>;
  private readonly migrations: Collection<MigrationDocument>;
  constructor(
    private readonly database: Database,
    private readonly locks: KeyedLock,
    /** FerretDB: a takeover or a removal claims the reservation's next revision (version-transitions.ts). */
    private readonly transitions: VersionTransitions,
    /** Age after which a reservation whose user is missing is stale (by default twice the call bound). */
    private readonly graceMs: number,
    private readonly users: {
      /** Whether this user exists and has the email of this key. */
      holds(userId: ObjectId, key: string): Promise<boolean>;
    },
  ) {
    this.reservations = database.db.collection<ReservationDocument>(EMAILS);
    this.newReservations = new InsertBatches(this.reservations, (command) => database.write(command));
    this.migrations = database.db.collection<MigrationDocument>('migrations');
  }

  /** The user an email's reservation points to, if any (it may be stale: the caller checks the user). */
  async resolve(key: string): Promise<ObjectId | null> {
    return (await findById<ReservationDocument>(this.database.reads, EMAILS, key))?.userId ?? null;
  }

  /** The email's reservation if it points to this user: what a later `release` may remove. */
  async heldBy(key: string, userId: ObjectId): Promise<Reservation | null> {
    const existing = await this.reservations.findOne({ _id: key });
    return existing?.userId.equals(userId) ? existing : null;
  }

  /**
   * Reserves the email for this user: the reservation written, or 'taken' when another user has
   * it or is being given it. A reservation that changes while it is decided on (another process
   * released, renewed or took it over) is read again and decided again, within the call bound.
   */
  reserve(key: string, userId: ObjectId): Promise<ReservationOutcome> {
    return this.locks.run(`email:${key}`, async () => {
      const giveUpAt = Date.now() + this.database.timeoutMs;
      for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
        const now = new Date();
        const fresh: Reservation = { _id: key, userId, at: now, tag: new ObjectId() };
        try {
          await this.newReservations.insert(fresh);
          return fresh;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const existing = await this.reservations.findOne({ _id: key });
        if (!existing) continue; // released in between (by another process): insert again
        if (!existing.userId.equals(userId)) {
          if (now.getTime() - existing.at.getTime() < this.graceMs) return 'taken';
          if (await this.users.holds(existing.userId, key)) return 'taken';
        }
        // Taken over, or (this user's own, left from when it had the email) renewed.
        const next: Reservation = { ...fresh, rev: revision(existing) + 1 };
        const { _id, ...replacement } = next;
        if (await this.changeExactly(existing, () => this.reservations.replaceOne(this.exactly(existing), replacement))) return next;
        await backOff(attempt);
      }
      return 'busy';
    });
  }

  /** Points the email at this user, whatever its reservation said (repairs; the caller found the user). */
  pointTo(key: string, userId: ObjectId): Promise<void> {
    return this.locks.run(`email:${key}`, async () => {
      await this.database.write(() => this.reservations.replaceOne({ _id: key }, { userId, at: new Date(), tag: new ObjectId() }, { upsert: true }));
    });
  }

  /**
   * Removes the email's reservation if it is still `held`, the write read before its user let the
   * email go (`heldBy`, or what `reserve` returned); a reservation renewed or taken over since stays.
   */
  release(held: Reservation | null): Promise<void> {
    if (!held) return Promise.resolve();
    return this.locks.run(`email:${held._id}`, async () => {
      for (let attempt = 0; attempt < RELEASE_ATTEMPTS; attempt++) {
        const existing = await this.reservations.findOne({ _id: held._id });
        if (!existing || !sameWrite(existing, held)) return;
        if (await this.changeExactly(existing, () => this.reservations.deleteOne(this.exactly(existing)))) return;
        await backOff(attempt);
      }
    });
  }

  /**
   * Applies a change to a reservation only if it is still as read, across processes: on MongoDB
   * by the write's filter (`exactly`), on FerretDB by claiming its next revision and reading it
   * again. False when it changed meanwhile, or another process is changing it.
   */
  private async changeExactly(existing: ReservationDocument, change: () => Promise<{ deletedCount?: number; matchedCount?: number }>): Promise<boolean> {
    if (this.database.engine !== 'ferretdb') {
      const result = await this.database.write(change);
      return (result.matchedCount ?? result.deletedCount ?? 0) === 1;
    }
    const unchanged = async () => {
      const again = await this.reservations.findOne({ _id: existing._id });
      return again !== null && sameWrite(again, existing);
    };
    const done = await this.transitions.exclusive(`email:${existing._id}`, revision(existing), unchanged, async (turn) => {
      if (!turn.valid()) return false;
      await this.database.write(change);
      return true;
    });
    return done === true;
  }

  /**
   * Gives every user of a database written before reservations existed (or by an interrupted run of
   * this) the reservation of its email. Idempotent; skipped once a run has finished on the database.
   */
  async migrate(users: FindCursor<{ _id: ObjectId; emailKey: string }>): Promise<void> {
    if (await this.migrations.findOne({ _id: MIGRATION })) {
      await users.close();
      return;
    }
    let batch: ReservationDocument[] = [];
    const flush = async () => {
      await this.insertMissing(batch);
      batch = [];
    };
    for await (const user of users) {
      batch.push({ _id: user.emailKey, userId: user._id, at: new Date(), tag: new ObjectId() });
      if (batch.length === MIGRATION_BATCH) await flush();
    }
    await flush();
    await this.migrations.replaceOne({ _id: MIGRATION }, { at: new Date() }, { upsert: true });
  }

  private async insertMissing(batch: ReservationDocument[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.reservations.insertMany(batch, { ordered: false });
      return;
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError) || !error.writeErrors || ![error.writeErrors].flat().every((e) => e.code === 11000)) {
        throw error;
      }
    }
    // Some emails had reservations already (an earlier, interrupted run): keep those that point to
    // their user; point the others at the user that has the email.
    for (const wanted of batch) {
      const existing = await this.reservations.findOne({ _id: wanted._id });
      if (existing?.userId.equals(wanted.userId)) continue;
      if (existing && (await this.users.holds(existing.userId, wanted._id))) continue;
      const { _id, ...replacement } = wanted;
      await this.reservations.replaceOne({ _id }, replacement, { upsert: true });
    }
  }

  /**
   * The filter of a write to the reservation as it was read. On MongoDB it holds the whole reservation, so
   * the write is atomic with the read across processes; on FerretDB v1 only `{_id}` is served by
   * an index, and its filters are not applied atomically anyway: the claim `changeExactly` takes is the guard.
   */
  private exactly(reservation: ReservationDocument): Partial<ReservationDocument> {
    return this.database.engine === 'ferretdb' ? { _id: reservation._id } : reservation;
  }
}
