type Entry<T> = { running?: Promise<T>; queued?: Promise<T> };

/**
 * Identical reads asked for at the same time share one query. A read never joins a query that
 * was already running when it was asked for (that query may predate a write the caller has seen
 * acknowledged); it joins the one queued to start when the running one ends, so every caller
 * gets a result at least as new as its request. With N identical requests at once, at most two
 * queries run back to back instead of N side by side.
 *
 * Made for the list query, which FerretDB v1 answers by reading and sorting the whole collection
 * (see docs/database.md): under load, every page request otherwise pays for a full
 * read of its own.
 */
export class SharedReads<T> {
  private readonly entries = new Map<string, Entry<T>>();

  run(key: string, read: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {};
      this.entries.set(key, entry);
    }
    const running = entry.running;
    if (!running) return this.start(key, entry, read);
    const current = entry;
    current.queued ??= running.then(settled, settled).then(() => {
      current.queued = undefined;
      return this.start(key, current, read);
    });
    return current.queued;
  }

  /** How many keys have a query running or queued (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private start(key: string, entry: Entry<T>, read: () => Promise<T>): Promise<T> {
    const query = read();
    entry.running = query;
    const done = () => {
      if (entry.running !== query) return;
      entry.running = undefined;
      if (!entry.queued) this.entries.delete(key);
    };
    query.then(done, done);
    return query;
  }
}

const settled = () => undefined;
