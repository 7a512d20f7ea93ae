import { setTimeout as sleep } from 'node:timers/promises';
import type { Collection } from 'mongodb';
import { isDuplicateKey } from './duplicate-key.js';
import type { Database } from './mongo-connection.js';

/** One claim per version a document moves to: `_id` is `<subject>:<version>`, e.g. `user:<id>:3`. */
type TransitionDocument = { _id: string; at: Date };

/** What a writer holds once it won: the version it may write, until when, and what to remove after. */
type Transition = { version: number; expiresAt: number; release(): Promise<void>; releaseSkipped(): Promise<void> };

/** A winner's turn: the version it writes, and whether its claim is still its own (within the grace period). */
export type Turn = { version: number; valid(): boolean };

/** How many stale claims in a row a writer steps over before it gives up (each is a crashed writer). */
const MAX_STALE_SKIPS = 8;

/**
 * The `transitions` collection: FerretDB v1's substitute for a conditional update. FerretDB
 * reads, then writes by `_id` without checking the filter again, so two processes can both apply
 * `{_id, version: 1}`; but an insert of an `_id` that exists is refused atomically, across
 * processes. So a writer that read a user at version v first inserts `user:<id>:<v+1>` (an email
 * reservation at revision r: `email:<key>:<r+1>`): one writer wins each version, the others are
 * told to read again. MongoDB needs none of this: the version is in
 * the write's filter (UsersRepository.at).
 *
 * The rules, each needed:
 * - **Re-read after winning.** A writer whose read was older than another's completed write
 *   (which released its claim) could win the same version again; it reads the user once more and
 *   goes on only if the version is still the one it read.
 * - **Released after the write**, never before: until then the claim keeps everyone else out.
 *   Where a subject's versions only ever grow (a user's), a claim that was written is left in
 *   place instead: nobody claims a version the document has passed (they read the newer one), so
 *   it keeps nobody out, and the sweep removes it later. That saves a write per PATCH or DELETE,
 *   on a database that commits one write at a time (docs/performance.md). A claim whose writer
 *   lost (the document moved on) or failed is still released at once, so the next writer of that
 *   version need not wait for it to go stale.
 * - **A stranded claim** (its writer died between claim and write) is stale once older than
 *   `graceMs`, twice the database call bound, so its writer's calls have all timed out. The next
 *   writer steps over it to the version after (a user's version may skip a number: ETags only need
 *   to change) and removes it once it has written.
 * - **A late writer** is bounded: one that held its claim longer than `graceMs` by the time it
 *   would write gives up (503), since another may have stepped over its claim. What remains is a
 *   write already sent when the bound passed.
 * - **The sweep** removes every claim older than `graceMs`, once per `graceMs`, in each process:
 *   stale by the rule above, so no writer still counts on it.
 */
export class VersionTransitions {
  private readonly transitions: Collection<TransitionDocument>;
  private sweeping: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: Database,
    private readonly graceMs: number,
  ) {
    this.transitions = database.db.collection<TransitionDocument>('transitions');
  }

  /**
   * Runs `write` as the only writer of the version after `base` of a document (`subject`): claims
   * it, checks with `unchanged` that the document is still at `base`, and releases the claim after
   * the write. 'busy' when another writer holds it or the document moved on: the caller reads the
   * document again and decides again. `growing`: the subject's versions never repeat, so a claim
   * that was written stays for the sweep instead of costing a removal now.
   */
  async exclusive<T>(
    subject: string,
    base: number,
    unchanged: () => Promise<boolean>,
    write: (turn: Turn) => Promise<T>,
    growing = false,
  ): Promise<T | 'busy'> {
    const transition = await this.claim(subject, base);
    if (transition === 'busy') return 'busy';
    let written = false;
    try {
      if (!(await unchanged())) return 'busy';
      const result = await write({ version: transition.version, valid: () => Date.now() < transition.expiresAt });
      written = true;
      return result;
    } finally {
      if (growing && written) {
        this.sweepLater();
        await transition.releaseSkipped();
      } else await transition.release();
    }
  }

  /** Starts this process's sweep, once; it stops when the connection closes. */
  private sweepLater(): void {
    if (this.sweeping) return;
    this.sweeping = setInterval(() => void this.sweep(), this.graceMs).unref();
    this.database.closed.addEventListener('abort', () => clearInterval(this.sweeping), { once: true });
  }

  /**
   * Removes the claims older than `graceMs`. On FerretDB this filter is read in Go over the whole
   * collection, which holds only the claims of about the last `graceMs`; a failed sweep is simply
   * the next one's work.
   */
  private async sweep(): Promise<void> {
    const staleBefore = new Date(Date.now() - this.graceMs);
    await this.database.write(() => this.transitions.deleteMany({ at: { $lt: staleBefore } })).catch(() => undefined);
  }

  /**
   * Claims the version after `base` of a document (`subject`, e.g. `user:<id>`): the transition,
   * or 'busy' while another writer holds it (the caller waits a moment and reads it again).
   */
  private async claim(subject: string, base: number): Promise<Transition | 'busy'> {
    const skipped: string[] = [];
    for (let version = base + 1; version <= base + 1 + MAX_STALE_SKIPS; version++) {
      const at = new Date();
      const key = `${subject}:${version}`;
      try {
        await this.database.write(() => this.transitions.insertOne({ _id: key, at }));
        return { version, expiresAt: at.getTime() + this.graceMs, release: () => this.remove([key, ...skipped]), releaseSkipped: () => this.remove(skipped) };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const holder = await this.transitions.findOne({ _id: key });
      // Released in between: the user moved on; read it again.
      if (!holder) return 'busy';
      if (at.getTime() - holder.at.getTime() < this.graceMs) return 'busy';
      skipped.push(key);
    }
    return 'busy';
  }

  /**
   * Removes the claims a writer no longer needs (its own, and the stale ones it stepped over),
   * each by `_id`: the one filter FerretDB serves from an index.
   */
  private async remove(keys: string[]): Promise<void> {
    for (const key of keys) await this.database.write(() => this.transitions.deleteOne({ _id: key }));
  }
}

/** A short, jittered pause before a writer that lost a claim reads the user again. */
export function backOff(attempt: number): Promise<void> {
  return sleep(Math.min(50, 2 ** attempt) * (0.5 + Math.random()));
}
