/**
 * Lets at most `limit` writes run at once; the others wait their turn, first come first served.
 *
 * Why: SQLite (FerretDB's backend) commits one write at a time, and writers that find the lock
 * taken sleep and retry (its busy handler), so under load an unlucky write can lose the race
 * again and again: under the benchmark's load PATCH and DELETE had a tail far above the inserts',
 * which InsertBatches already queued (figures: docs/performance.md). Queuing here, in order, instead of in SQLite's retry loop bounds that tail.
 */
export class WriteGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(write: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await write();
    } finally {
      // Hand the slot to the next in line, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
