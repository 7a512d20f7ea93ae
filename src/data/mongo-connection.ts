import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient, type Db } from 'mongodb';
import { AppError } from '../errors/app-error.js';
import { createLogger, type Logger } from '../logger.js';
import { retryDelayMs } from './backoff.js';
import { isConnectivityError } from './connectivity-errors.js';
import { WriteGate } from './write-gate.js';

export type DatabaseOptions = {
  uri: string;
  /** Database name when the URI names none. */
  dbName: string;
  /** Upper bound on one database call (and on one connection attempt), in milliseconds. */
  timeoutMs: number;
  /** The backoff cap between connection attempts, in milliseconds. Default 5000. */
  retryMaxMs?: number;
  /** Where connection attempts, losses and recoveries are logged. Default: nowhere. */
  logger?: Logger;
};

/**
 * connecting: not connected yet (or never, so far); up: connected, calls go through;
 * down: connection lost, being re-established; closed: close() was called.
 */
type State = 'connecting' | 'up' | 'down' | 'closed';

/**
 * Which server answers. FerretDB v1 differs in what matters to the data layer: it serves only a
 * single-key `{_id: …}` filter from an index (any other filter reads the whole collection) and
 * does not apply a write's filter atomically (see docs/database.md).
 */
export type DatabaseEngine = 'mongodb' | 'ferretdb';

/** How a database call failed: for lack of the database, past the bound, or otherwise (a bug, a refused command). */
export type DatabaseFailure = 'unavailable' | 'timeout' | 'error';

/**
 * Told about every call made through `run` (metrics): `operation` is the caller's name for it,
 * one of a fixed few.
 */
export type DatabaseCallObserver = {
  /** A call ended after `seconds`, answered by the database unless `failure` says otherwise. */
  ended(operation: string, seconds: number, failure?: DatabaseFailure): void;
  /** A call was refused at once, without asking the database: it is known to be unreachable. */
  refused(operation: string): void;
};

/** Our own bound on a database call expired before any driver timeout did. */
class DatabaseTimeoutError extends Error {
  override readonly name = 'DatabaseTimeoutError';
}

/**
 * Settles like `work`, or rejects with DatabaseTimeoutError after `ms`, whichever comes first.
 * One promise and one timer per call (every database call passes here): `Promise.race` with a
 * timer promise and a `finally` made four promises and their reactions.
 */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DatabaseTimeoutError(`the database did not answer within ${ms} ms`)), ms);
    // Subscribed at once, so a rejection that comes after the timeout is handled (and ignored).
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // The call's own error, passed on unchanged (the driver and our code throw only Errors).
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** An error for the log: its class and message only (a server selection error carries the whole topology). */
function brief(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: typeof error, message: String(error) };
}

/**
 * The database connection, supervised. One MongoClient for the life of the process, with the
 * strongest write concern the deployment offers and every wait bounded on the client side
 * (server selection, a pooled connection, connecting, a reply on the socket), which holds even
 * where a server ignores maxTimeMS.
 *
 * - connectInBackground() keeps trying to connect, with capped exponential backoff, logging each
 *   attempt, and runs its `onConnect` (index creation) once the database first answers.
 * - run() bounds every call by `timeoutMs` and turns a lost or silent database (or a call slower
 *   than the bound) into AppError('SERVICE_UNAVAILABLE'); other errors pass unchanged (they
 *   become 500s). While the database is known to be unreachable, calls fail at once instead of each waiting the bound,
 *   and the connection is re-established in the background (the driver reconnects the same
 *   client; a ping tells when it has).
 */
export class Database {
  readonly client: MongoClient;
  readonly db: Db;
  /**
   * The same database without a write concern, for reads. The driver copies the write concern a
   * collection inherits into every find's options and then deletes it there, which leaves those
   * options in V8's slow dictionary form: about 3 KB more garbage per `findOne` than without
   * (docs/performance.md, "Measurements behind the code"). A read takes no write concern anyway.
   */
  readonly reads: Db;
  /** Upper bound on one database call, in milliseconds. */
  readonly timeoutMs: number;
  private readonly retryMaxMs: number;
  private detectedEngine: DatabaseEngine | undefined;
  private readonly logger: Logger;
  private state: State = 'connecting';
  private onConnect: (() => Promise<void>) | undefined;
  private initialized = false;
  private reconnecting: Promise<void> | undefined;
  private checking: Promise<void> | undefined;
  private retryDelay = 0;
  private readonly closing = new AbortController();
  private observer: DatabaseCallObserver | undefined;
  /** Calls through `run` not yet settled; close() waits for there to be none. */
  private callsInFlight = 0;
  private noCallsInFlight: (() => void) | undefined;
  private callsSettled: Promise<void> | undefined;
  /**
   * The driver's connection pool at this moment, counted from its events from the client's
   * creation on (so whoever reads it later, as the metrics do, sees every connection): `open`
   * connections, `inUse` of them checked out by a call.
   */
  readonly pool = { open: 0, inUse: 0 };

  constructor(options: DatabaseOptions) {
    this.timeoutMs = options.timeoutMs;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    this.logger = options.logger ?? createLogger('silent');
    this.client = new MongoClient(options.uri, {
      appName: 'users-api',
      serverSelectionTimeoutMS: options.timeoutMs,
      connectTimeoutMS: options.timeoutMs,
      socketTimeoutMS: options.timeoutMs,
      waitQueueTimeoutMS: options.timeoutMs,
    });
    const pool = this.pool;
    this.client
      .on('connectionCreated', () => pool.open++)
      .on('connectionClosed', () => pool.open--)
      .on('connectionCheckedOut', () => pool.inUse++)
      .on('connectionCheckedIn', () => pool.inUse--);
    // The URI's own database wins, as a MongoDB user expects; `dbName` is the fallback.
    const name = new URL(options.uri).pathname.replace(/^\//, '') || options.dbName;
    // Every write through `db` waits for a majority's journal (docs/operations.md, "Durability").
    this.db = this.client.db(name, { writeConcern: { w: 'majority', journal: true } });
    this.reads = this.client.db(name);
  }

  /** FerretDB's SQLite takes one writer at a time: see write-gate.ts. */
  private readonly writeGate = new WriteGate(2);

  /**
   * Runs a write command: on FerretDB in turn with the other writes of this process (at most two
   * in flight), on MongoDB at once. Not bounded by itself: call it within `run`.
   */
  write<T>(command: () => Promise<T>): Promise<T> {
    return this.engine === 'ferretdb' ? this.writeGate.run(command) : command();
  }

  /** The server behind the connection, known once it has answered (MongoDB until then). */
  get engine(): DatabaseEngine {
    return this.detectedEngine ?? 'mongodb';
  }

  /** Whether the database answered last time it was asked (and nothing has failed since). */
  get isUp(): boolean {
    return this.state === 'up';
  }

  /**
   * Starts connecting without waiting: tries at once, then again after 250 ms, 500 ms, 1 s…
   * (capped at `retryMaxMs`) until the database answers a ping and `onConnect` has succeeded.
   * Until then every call fails with SERVICE_UNAVAILABLE.
   */
  connectInBackground(onConnect?: () => Promise<void>): void {
    this.onConnect = onConnect;
    this.superviseConnection();
  }

  /** Connects now, once: rejects if the database does not answer within the bound (tests and tools). */
  async connect(): Promise<void> {
    await this.attempt();
    if (this.state !== 'closed') this.state = 'up';
  }

  /** Reports every call made through `run` from now on to `observer` (one at a time). */
  observeCalls(observer: DatabaseCallObserver): void {
    this.observer = observer;
  }

  /**
   * Runs one database call within the time bound. Connectivity failures and timeouts become
   * SERVICE_UNAVAILABLE; a connectivity failure, or a timeout the database does not then answer a
   * ping within, starts reconnecting. Other errors are rethrown as they are. `operation` names
   * the call for the observer (metrics): a literal of the caller's, so the names stay few.
   */
  async run<T>(call: () => Promise<T>, operation = 'other'): Promise<T> {
    if (this.state === 'connecting' || this.state === 'down') {
      this.observer?.refused(operation);
      throw this.unavailable();
    }
    const started = performance.now();
    this.callsInFlight++;
    try {
      const result = await within(this.timeoutMs, call());
      this.observer?.ended(operation, (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      if (isConnectivityError(error)) {
        this.observer?.ended(operation, seconds, 'unavailable');
        this.connectionLost(error);
        throw this.unavailable(error);
      }
      if (error instanceof DatabaseTimeoutError) {
        this.observer?.ended(operation, seconds, 'timeout');
        this.checkAfterTimeout(error);
        throw this.unavailable(error);
      }
      // A domain answer (EMAIL_TAKEN…) thrown from within the call: the database did answer.
      this.observer?.ended(operation, seconds, error instanceof AppError ? undefined : 'error');
      throw error;
    } finally {
      if (--this.callsInFlight === 0) this.noCallsInFlight?.();
    }
  }

  /** Resolves when the database answers a ping within the bound; else SERVICE_UNAVAILABLE. */
  async ping(): Promise<void> {
    await this.run(() => this.db.command({ ping: 1 }), 'ping');
  }

  /** Aborted by close(): background work on this connection (a sweep) stops with it. */
  get closed(): AbortSignal {
    return this.closing.signal;
  }

  /**
   * Stops background work, lets the calls in flight settle, then stops reconnecting and closes the
   * client. Calls made afterwards fail as a bug would (500).
   *
   * Why wait: at shutdown, requests whose clients had already left are no longer waited for by the
   * HTTP server, but their handlers still run; closing the client under their calls failed each
   * with MongoClientClosedError (an error line and a 500 for nobody), and could stop a write of
   * several steps between two of them. The wait is at most one call's bound (`timeoutMs`), and the
   * shutdown bounds the whole close (src/shutdown.ts).
   */
  async close(): Promise<void> {
    this.closing.abort();
    if (this.callsInFlight > 0) {
      // The calls in flight now settle within one call's bound; calls started meanwhile are not
      // waited for beyond it. One wait, whoever else closes meanwhile.
      this.callsSettled ??= new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.timeoutMs);
        this.noCallsInFlight = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      await this.callsSettled;
    }
    this.state = 'closed';
    await this.client.close();
  }

  private unavailable(cause?: unknown): AppError {
    return new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable at the moment; try again after Retry-After seconds.', {
      ...(cause === undefined ? {} : { cause }),
      retryAfterSeconds: Math.max(1, Math.ceil(this.retryDelay / 1000)),
    });
  }

  /**
   * A call outlasted the bound: the database may be gone silent, or only busy with slow work (a
   * full-collection read on FerretDB under load). One ping within the bound tells which: only a
   * database that does not answer it is treated as lost (every call then fails at once until it
   * is back), so a slow query costs its own request and not everyone's.
   */
  private checkAfterTimeout(error: DatabaseTimeoutError): void {
    if (this.state !== 'up' || this.checking) return;
    this.checking = within(this.timeoutMs, this.db.command({ ping: 1 }))
      .then(
        () => this.logger.warn({ error: brief(error) }, 'a database call outlasted the bound, but the database answers'),
        () => this.connectionLost(error),
      )
      .finally(() => {
        this.checking = undefined;
      });
  }

  private connectionLost(error: unknown): void {
    if (this.state !== 'up') return;
    this.state = 'down';
    this.logger.warn({ error: brief(error) }, 'database connection lost; reconnecting');
    this.superviseConnection();
  }

  /** One attempt: connect (a no-op once connected), ping, and the first time, onConnect. */
  private async attempt(): Promise<void> {
    await within(
      this.timeoutMs,
      (async () => {
        await this.client.connect();
        await this.db.command({ ping: 1 });
        if (this.detectedEngine === undefined) {
          const info = await this.db.admin().command({ buildInfo: 1 });
          this.detectedEngine = typeof info.ferretdbVersion === 'string' ? 'ferretdb' : 'mongodb';
        }
      })(),
    );
    // Not bounded as a whole: a first start on a large database may migrate it for longer than
    // one call's bound. Each of its calls is still bounded by the driver's timeouts.
    if (!this.initialized && this.onConnect) {
      await this.onConnect();
      this.initialized = true;
    }
  }

  private superviseConnection(): void {
    if (this.reconnecting || this.state === 'closed') return;
    this.reconnecting = this.reconnect().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private async reconnect(): Promise<void> {
    const since = Date.now();
    for (let attempt = 1; !this.closing.signal.aborted; attempt++) {
      try {
        await this.attempt();
        if (this.closing.signal.aborted) return;
        this.state = 'up';
        this.retryDelay = 0;
        this.logger.info({ attempt, unavailableMs: Date.now() - since }, 'database connected');
        return;
      } catch (error) {
        if (this.closing.signal.aborted) return;
        const delayMs = retryDelayMs(attempt, this.retryMaxMs);
        this.retryDelay = delayMs;
        const connectivity = error instanceof DatabaseTimeoutError || isConnectivityError(error);
        // An unreachable database is expected to come back; anything else (an index that cannot
        // be built, a refused login) needs someone to look, but retrying is still right.
        this.logger[connectivity ? 'warn' : 'error']({ attempt, retryInMs: delayMs, error: brief(error) }, 'database unavailable; retrying');
        await sleep(delayMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
      }
    }
  }
}

export type DatabaseConnection = Database;

/** A database connected now, or a rejection (tests and tools; the server connects in the background). */
export async function connectDatabase(options: DatabaseOptions): Promise<Database> {
  const database = new Database(options);
  try {
    await database.connect();
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  return database;
}
