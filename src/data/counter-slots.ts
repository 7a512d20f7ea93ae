import { KeyedLock } from './keyed-lock.js';

/**
 * What the counter needs of the database: an insert that is refused, atomically and across
 * processes, when a document with the id exists (FerretDB v1 offers this and nothing stronger:
 * its updates read, then write, so two processes' `$inc` can count once), and a lookup by id.
 */
export type SlotTable = {
  /**
   * Inserts the document of this id, a slot or credit of `counter` (one key's count in one window)
   * that counts until `expiresAt`; false when it exists already (another process took it).
   */
  insert(id: string, counter: string, expiresAt: Date): Promise<boolean>;
  /** Whether the document of this id exists. */
  has(id: string): Promise<boolean>;
};

/** What this process has seen of one key's window: the slots up to `hits` and the credits up to `credits` are taken. */
type Known = { hits: number; credits: number; resetAt: number };

/**
 * A count per key and window made of inserts only, exact across processes: the n-th request let
 * through inserts slot n (`<base>:s<n>:<key>`), and a count given back inserts credit m
 * (`<base>:c<m>:<key>`); the count is slots − credits. An insert that meets an existing slot
 * moves on to the next one, so each slot, and each credit, is taken by exactly one request of all
 * processes, and slots are taken in order (slot n exists only once 1 … n−1 do).
 *
 * A request that would pass the limit inserts nothing: it is refused, and counting it would only
 * cost writes under a flood (one per request, on a database that commits one write at a time).
 * Its `totalHits` is the count it would make, slots known + 1 − credits, which is more than the
 * limit. So refused requests do not count: a credit given back later makes room for one more
 * request in the window (the memory store, and MongoDB's `$inc`, count refused requests too).
 * A request past the limit costs no database call where nothing is given back (the count only
 * grows within a window), and one lookup per new credit otherwise.
 *
 * Within this process the requests of one key take their turn (a lock), so they do not collide
 * with each other, and each collision with another process moves this one's knowledge forward:
 * at most (limit + credits) collisions per process, key and window.
 */
export class CounterSlots {
  private readonly known = new Map<string, Known>();
  private readonly locks = new KeyedLock();

  /**
   * `maxKnown` bounds what this process remembers, since keys are client addresses: past it the
   * key learnt first (not the one used least lately) is forgotten. Forgetting is safe (the database holds the count); a
   * forgotten key only costs its next request the collisions of learning it again.
   */
  constructor(
    private readonly table: SlotTable,
    private readonly maxKnown = 100_000,
  ) {}

  /**
   * Counts a request of `key` in the window `base` (ending at `resetTime`) unless that would pass
   * `limit`: the count with this request. `givesBack`: credits may exist, so look for new ones
   * before refusing.
   */
  hit(base: string, key: string, resetTime: Date, limit: number, givesBack: boolean): Promise<number> {
    return this.locks.run(`${base}${key}`, async () => {
      const known = this.knownOf(base, key, resetTime);
      for (;;) {
        const slot = known.hits + 1;
        if (slot - known.credits > limit) {
          if (givesBack) await this.catchUpCredits(base, key, known);
          if (slot - known.credits > limit) return slot - known.credits;
        }
        const taken = await this.table.insert(slotId(base, key, slot), `${base}${key}`, resetTime);
        known.hits = slot;
        if (taken) return Math.max(1, slot - known.credits);
      }
    });
  }

  /**
   * The count a request would make when it is refused without a database call: past the limit of
   * a count nothing is given back to, which only grows within its window. Else undefined (ask `hit`).
   */
  refusedAtOnce(base: string, key: string, limit: number, givesBack: boolean): number | undefined {
    const known = this.known.get(`${base}${key}`);
    return !givesBack && known !== undefined && known.hits + 1 - known.credits > limit ? known.hits + 1 - known.credits : undefined;
  }

  /** Gives one count back to `key` in the window `base`: inserts the next free credit. */
  giveBack(base: string, key: string, resetTime: Date): Promise<void> {
    return this.locks.run(`${base}${key}`, async () => {
      const known = this.knownOf(base, key, resetTime);
      for (;;) {
        const credit = known.credits + 1;
        const taken = await this.table.insert(creditId(base, key, credit), `${base}${key}`, resetTime);
        known.credits = credit;
        if (taken) return;
      }
    });
  }

  /** The count now (slots − credits), by lookups past what this process knows. */
  count(base: string, key: string, resetTime: Date): Promise<number> {
    return this.locks.run(`${base}${key}`, async () => {
      const known = this.knownOf(base, key, resetTime);
      while (await this.table.has(slotId(base, key, known.hits + 1))) known.hits++;
      await this.catchUpCredits(base, key, known);
      return known.hits - known.credits;
    });
  }

  /** Forgets what this process knows of `key` in the window `base` (its documents were removed). */
  forget(base: string, key: string): void {
    this.known.delete(`${base}${key}`);
  }

  /** Forgets the windows that ended by `now` (the sweep's other half: this process's memory). */
  forgetEnded(now: number): void {
    for (const [id, known] of this.known) if (known.resetAt <= now) this.known.delete(id);
  }

  private knownOf(base: string, key: string, resetTime: Date): Known {
    const id = `${base}${key}`;
    let known = this.known.get(id);
    if (!known) {
      known = { hits: 0, credits: 0, resetAt: resetTime.getTime() };
      if (this.known.size >= this.maxKnown) this.known.delete(this.known.keys().next().value!);
      this.known.set(id, known);
    }
    return known;
  }

  /** Moves `known.credits` up to the credits that exist, by lookups of the next one. */
  private async catchUpCredits(base: string, key: string, known: Known): Promise<void> {
    while (await this.table.has(creditId(base, key, known.credits + 1))) known.credits++;
  }
}

/** The ids of slot n and credit m of a key in a window (`base`: the limit's prefix and the window). */
export const slotId = (base: string, key: string, slot: number): string => `${base}s${slot}:${key}`;
export const creditId = (base: string, key: string, credit: number): string => `${base}c${credit}:${key}`;
