import type { Collection } from 'mongodb';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Logger } from '../logger.js';
import { CounterSlots, type SlotTable } from './counter-slots.js';
import { isDuplicateKey } from './duplicate-key.js';
import { fixedWindow } from './fixed-windows.js';
import type { Database } from './mongo-connection.js';

/**
 * One counter (MongoDB), or one slot or credit (FerretDB), of one key in one window. `counter`
 * names the count (limit, window, client key) for a reset; `expiresAt` is the window's end: past
 * it the document counts for nothing and is removed (MongoDB's TTL index, or the sweep).
 */
type CounterDocument = { _id: string; counter: string; expiresAt: Date; hits?: number };

const TTL_INDEX = 'expiresAt_ttl';
/** FerretDB's answer to creating a collection that exists. */
const NAMESPACE_EXISTS = 48;

/**
 * The rate limits' counters in the service's own database (`rate_limits`), so that every instance
 * counts against one limit and a restart forgets nothing (RATE_LIMIT_STORE=database). Windows are
 * fixed and aligned to the epoch (fixed-windows.ts).
 *
 * - **MongoDB:** one document per key and window, `$inc` by an upsert: exact, one round trip per
 *   counted request (and one per count given back). A TTL index removes past windows.
 * - **FerretDB v1:** its `$inc` can lose counts between processes (it reads, then writes), so a
 *   count is made of inserts, which it refuses atomically for an existing `_id`: see
 *   counter-slots.ts. Exact too; one insert per request let through (more when several instances
 *   count one key at once); a refused one costs nothing, or one lookup (and one per count given
 *   back since). FerretDB has no TTL index: each process sweeps the documents of windows that
 *   ended, once per window.
 *
 * Every call is bounded by `database.run`: while the database is unavailable a counted request
 * fails with 503 (SERVICE_UNAVAILABLE, Retry-After), as the operations it guards would, rather than
 * going uncounted: a guesser gains nothing from an outage. A count that cannot be given back is
 * logged and lost (the client has one try less in that window).
 */
export class DatabaseRateLimits {
  private readonly counters: Collection<CounterDocument>;
  private readonly slots: CounterSlots;
  private sweepEveryMs: number | undefined;
  private sweeping: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
  ) {
    this.counters = database.db.collection<CounterDocument>('rate_limits');
    const table: SlotTable = {
      insert: async (id, counter, expiresAt) => {
        try {
          await database.write(() => this.counters.insertOne({ _id: id, counter, expiresAt }));
          return true;
        } catch (error) {
          if (isDuplicateKey(error)) return false;
          throw error;
        }
      },
      has: async (id) => (await this.counters.findOne({ _id: id }, { projection: { _id: 1 } })) !== null,
    };
    this.slots = new CounterSlots(table);
  }

  /**
   * MongoDB: the TTL index. FerretDB: the collection, made before any request, so that the first
   * requests of several instances do not each create it. Called when the database first answers.
   */
  async prepare(): Promise<void> {
    if (this.database.engine === 'ferretdb') {
      await this.database.db.createCollection('rate_limits').catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
      });
      return;
    }
    await this.counters.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: TTL_INDEX });
  }

  /** A store for one limiter; `prefix` (e.g. `registration:`) keeps its keys apart from the other limiters'. */
  store(prefix: string): Store {
    return new DatabaseStore(this, prefix);
  }

  /** Counts a request of `key`: the count with it, and the window's end. */
  async hit(prefix: string, key: string, windowMs: number, limit: number, givesBack: boolean): Promise<ClientRateLimitInfo> {
    const window = fixedWindow(Date.now(), windowMs);
    const base = `${prefix}${window.index}:`;
    if (this.database.engine === 'ferretdb') {
      const refused = this.slots.refusedAtOnce(base, key, limit, givesBack);
      if (refused !== undefined) return { totalHits: refused, resetTime: window.resetTime };
      const totalHits = await this.database.run(() => this.slots.hit(base, key, window.resetTime, limit, givesBack), 'rateLimitHit');
      return { totalHits, resetTime: window.resetTime };
    }
    const totalHits = await this.database.run(() => this.increment(`${base}n:${key}`, `${base}${key}`, window.resetTime), 'rateLimitHit');
    return { totalHits, resetTime: window.resetTime };
  }

  /** `key`'s count in the current window, as the next request would find it (without this one). */
  async count(prefix: string, key: string, windowMs: number): Promise<ClientRateLimitInfo> {
    const window = fixedWindow(Date.now(), windowMs);
    const base = `${prefix}${window.index}:`;
    const totalHits = await this.database.run(
      async () =>
        this.database.engine === 'ferretdb'
          ? this.slots.count(base, key, window.resetTime)
          : ((await this.counters.findOne({ _id: `${base}n:${key}` }))?.hits ?? 0),
      'rateLimitCount',
    );
    return { totalHits, resetTime: window.resetTime };
  }

  /** Gives one count of `key` back (a request that turned out not to count). */
  async giveBack(prefix: string, key: string, windowMs: number): Promise<void> {
    const window = fixedWindow(Date.now(), windowMs);
    const base = `${prefix}${window.index}:`;
    try {
      await this.database.run(
        () =>
          this.database.engine === 'ferretdb'
            ? this.slots.giveBack(base, key, window.resetTime)
            : this.database.write(() => this.counters.updateOne({ _id: `${base}n:${key}` }, { $inc: { hits: -1 } })).then(() => undefined),
        'rateLimitGiveBack',
      );
    } catch (error) {
      this.logger.warn(
        { error: error instanceof Error ? { name: error.name, message: error.message } : String(error) },
        'a rate-limit count could not be given back',
      );
    }
  }

  /** Forgets `key`'s count of the current window, in every instance. */
  async reset(prefix: string, key: string, windowMs: number): Promise<void> {
    const window = fixedWindow(Date.now(), windowMs);
    const base = `${prefix}${window.index}:`;
    if (this.database.engine === 'ferretdb') {
      // Read in Go over the whole collection, which holds about one window's slots: express-rate-limit's
      // resetKey is not called on a request's path. Another instance that saw the count past the
      // limit keeps refusing until the window ends.
      await this.database.run(() => this.database.write(() => this.counters.deleteMany({ counter: `${base}${key}` })), 'rateLimitReset');
      this.slots.forget(base, key);
      return;
    }
    await this.database.run(() => this.database.write(() => this.counters.deleteOne({ _id: `${base}n:${key}` })), 'rateLimitReset');
  }

  /** FerretDB: sweeps once per `windowMs` (the shortest asked for), until the connection closes. */
  sweepEvery(windowMs: number): void {
    if (this.sweepEveryMs !== undefined && this.sweepEveryMs <= windowMs) return;
    clearInterval(this.sweeping);
    if (this.sweepEveryMs === undefined) this.database.closed.addEventListener('abort', () => clearInterval(this.sweeping), { once: true });
    this.sweepEveryMs = windowMs;
    this.sweeping = setInterval(() => void this.sweep(), windowMs).unref();
  }

  /**
   * Removes the documents of windows that ended, and this process's memory of them. FerretDB reads
   * this filter over the whole collection, which holds about one window's documents; MongoDB's TTL
   * index does the same on its own. A failed sweep is the next one's work.
   */
  private async sweep(): Promise<void> {
    if (this.database.engine !== 'ferretdb') return;
    const now = new Date();
    this.slots.forgetEnded(now.getTime());
    if (!this.database.isUp) return;
    await this.database.run(() => this.database.write(() => this.counters.deleteMany({ expiresAt: { $lt: now } })), 'rateLimitSweep').catch(() => undefined);
  }

  /** MongoDB: one counter per key and window, made by the first request (a racing upsert is retried once). */
  private async increment(id: string, counter: string, expiresAt: Date): Promise<number> {
    const upsert = () =>
      this.database.write(() =>
        this.counters.findOneAndUpdate({ _id: id }, { $inc: { hits: 1 }, $setOnInsert: { counter, expiresAt } }, { upsert: true, returnDocument: 'after' }),
      );
    const counted = await upsert().catch((error: unknown) => {
      if (isDuplicateKey(error)) return upsert();
      throw error;
    });
    return counted?.hits ?? 1;
  }
}

/**
 * express-rate-limit's Store over the shared counters. Its window and limit are the limiter's own
 * (given to `init`); whether counts are ever given back too (skipSuccessfulRequests or
 * skipFailedRequests), which FerretDB's count needs to know before it refuses.
 */
class DatabaseStore implements Store {
  /** Counted in the database: keys counted by one instance count in the others. */
  readonly localKeys = false;
  private windowMs = 60_000;
  private limit = Number.POSITIVE_INFINITY;
  private givesBack = true;

  constructor(
    private readonly limits: DatabaseRateLimits,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
    // A limit computed per request is not known here: every request is then counted.
    this.limit = typeof options.limit === 'number' ? options.limit : Number.POSITIVE_INFINITY;
    this.givesBack = options.skipSuccessfulRequests || options.skipFailedRequests;
    this.limits.sweepEvery(this.windowMs);
  }

  get(key: string): Promise<ClientRateLimitInfo> {
    return this.limits.count(this.prefix, key, this.windowMs);
  }

  increment(key: string): Promise<ClientRateLimitInfo> {
    return this.limits.hit(this.prefix, key, this.windowMs, this.limit, this.givesBack);
  }

  decrement(key: string): Promise<void> {
    return this.limits.giveBack(this.prefix, key, this.windowMs);
  }

  resetKey(key: string): Promise<void> {
    return this.limits.reset(this.prefix, key, this.windowMs);
  }
}
