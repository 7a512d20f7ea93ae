import type { Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database, DatabaseFailure } from '../data/mongo-connection.js';

/** Every metric's name starts with this (Prometheus: one prefix per application). */
const METRIC_PREFIX = 'users_api_';

/** The `operation` of requests that match no operation of the spec: one series for all of them. */
const UNKNOWN_OPERATION = 'unknown';

/** The `limit` label of users_api_rate_limit_rejections_total: which limit refused the request. */
export type RateLimitName = 'registration' | 'auth_failure';

// Requests here take about a millisecond and are bounded by DB_TIMEOUT_MS (3 s by default).
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DATABASE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Label values of the status classes, by the status's first digit. */
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', '6xx', '7xx', '8xx', '9xx'] as const;

type Observe = (seconds: number) => void;

/**
 * The service's Prometheus metrics, in a registry of its own (several apps in one process, as in
 * the tests, each count their own). Label values come from closed sets: operationIds of the spec
 * (or "unknown"), status classes, the database calls' names, the two limits, two reasons.
 *
 * A request costs one histogram observation on a series resolved once per operation and status
 * class (its `count` is the request counter); the pool's and the database's state are read when
 * scraped.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'operation' | 'status_class'>;
  /** Per operationId, per status class: the bound `observe` of its series, made on first use. */
  private readonly requestSeries = new Map<string, (Observe | undefined)[]>();
  private readonly databaseDuration: Histogram<'operation'>;
  private readonly databaseErrors: Counter<'operation' | 'reason'>;
  private readonly rateLimitRejections: Counter<'limit'>;
  private readonly authRejections: Counter<'reason'>;

  constructor(private readonly operationOf: (req: Request) => string | undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.requestDuration = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: "Time from a request's arrival to the end of its response, by operation (the spec's operationId, or unknown) and status class.",
      labelNames: ['operation', 'status_class'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.databaseDuration = new Histogram({
      name: `${METRIC_PREFIX}db_call_duration_seconds`,
      help: 'Time of one call of the data layer to the database (waits for a lock or the write gate included), by operation.',
      labelNames: ['operation'],
      buckets: DATABASE_BUCKETS,
      registers,
    });
    this.databaseErrors = new Counter({
      name: `${METRIC_PREFIX}db_call_errors_total`,
      help: 'Database calls that failed, by operation and reason: unavailable (refused or lost connection), timeout (past DB_TIMEOUT_MS), error (anything else).',
      labelNames: ['operation', 'reason'],
      registers,
    });
    this.rateLimitRejections = new Counter({
      name: `${METRIC_PREFIX}rate_limit_rejections_total`,
      help: 'Requests refused with 429 by a rate limit: registration (anonymous registrations) or auth_failure (wrong tokens).',
      labelNames: ['limit'],
      registers,
    });
    this.authRejections = new Counter({
      name: `${METRIC_PREFIX}auth_rejections_total`,
      help: 'Requests refused with 401 or 403, by reason: missing_token, invalid_token (401) or insufficient_scope (403).',
      labelNames: ['reason'],
      registers,
    });
  }

  /** Records one finished request (called once per request, when its response has been sent). */
  observeRequest(req: Request, res: Response, seconds: number): void {
    const status = res.statusCode;
    const statusClass = (status / 100) | 0;
    const operation = this.operationOf(req) ?? UNKNOWN_OPERATION;
    let series = this.requestSeries.get(operation);
    if (series === undefined) {
      series = [];
      this.requestSeries.set(operation, series);
    }
    let observe = series[statusClass];
    if (observe === undefined) {
      const child = this.requestDuration.labels(operation, STATUS_CLASSES[statusClass] ?? 'other');
      observe = (value) => child.observe(value);
      series[statusClass] = observe;
    }
    observe(seconds);
    if (status === 401) this.authRejections.inc({ reason: req.headers.authorization === undefined ? 'missing_token' : 'invalid_token' });
    else if (status === 403) this.authRejections.inc({ reason: 'insufficient_scope' });
  }

  /** Counts a request a rate limit refused. */
  rateLimited(limit: RateLimitName): void {
    this.rateLimitRejections.inc({ limit });
  }

  /**
   * Follows a database: the duration and failures of its calls, its pool's connections (counted
   * by the Database from the driver's pool events) and whether it answers.
   */
  watchDatabase(database: Database): void {
    const registers = [this.registry];
    database.observeCalls({
      ended: (operation, seconds, failure?: DatabaseFailure) => {
        this.databaseDuration.observe({ operation }, seconds);
        if (failure !== undefined) this.databaseErrors.inc({ operation, reason: failure });
      },
      refused: (operation) => this.databaseErrors.inc({ operation, reason: 'unavailable' }),
    });

    // Read when scraped: nothing is done per call for these.
    const readWhenScraped = (name: string, help: string, read: () => number) =>
      new Gauge({
        name: `${METRIC_PREFIX}${name}`,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    readWhenScraped('db_pool_connections_in_use', "Connections of the database driver's pool checked out by a call at the moment.", () => database.pool.inUse);
    readWhenScraped('db_pool_connections', "Connections the database driver's pool holds open, in use or idle.", () => database.pool.open);
    readWhenScraped('db_up', 'Whether the database answered last time it was asked (1) or not (0): connecting, lost, or closed.', () =>
      database.isUp ? 1 : 0,
    );
  }
}
