import { MongoBulkWriteError, MongoServerError, type Collection, type Document, type OptionalUnlessRequiredId } from 'mongodb';

type Pending<T extends Document> = { doc: OptionalUnlessRequiredId<T>; resolve: () => void; reject: (error: unknown) => void };

/** The most documents one insertMany carries (a bound on the size of one command). */
const MAX_BATCH = 256;

/**
 * Inserts into one collection, coalesced: while an insert is in flight, the inserts asked for in
 * the meantime wait and then go together in one unordered `insertMany`. At low load each insert
 * goes alone and at once; under load a command carries many. The database's cost is mostly per
 * command (FerretDB: ~1k `insertOne` but over 6k documents per second in batches of 16, measured
 * here), so this is what lets a registration write two documents and still keep up.
 *
 * Each caller learns the fate of its own document: resolved once the database acknowledged it
 * (with the client's write concern), or rejected with that document's own error (a duplicate key
 * is a MongoServerError with code 11000, as from `insertOne`). A failure of the whole command
 * rejects every caller in it; some of their documents may still have been written, as with a
 * lost `insertOne`.
 */
export class InsertBatches<T extends Document> {
  private queue: Pending<T>[] = [];
  private flushing = false;

  constructor(
    private readonly collection: Collection<T>,
    /** How a write command is run (Database.write: in turn with the others on FerretDB). */
    private readonly write: <R>(command: () => Promise<R>) => Promise<R> = (command) => command(),
  ) {}

  insert(doc: OptionalUnlessRequiredId<T>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ doc, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) await this.send(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.flushing = false;
    }
  }

  private async send(batch: Pending<T>[]): Promise<void> {
    const [only] = batch;
    if (batch.length === 1 && only) {
      await this.write(() => this.collection.insertOne(only.doc)).then(() => only.resolve(), only.reject);
      return;
    }
    try {
      await this.write(() =>
        this.collection.insertMany(
          batch.map((p) => p.doc),
          { ordered: false },
        ),
      );
      for (const p of batch) p.resolve();
    } catch (error) {
      const perDocument = documentErrors(error, batch.length);
      if (!perDocument) {
        for (const p of batch) p.reject(error);
        return;
      }
      batch.forEach((p, index) => {
        const own = perDocument.get(index);
        if (own) p.reject(own);
        else p.resolve();
      });
    }
  }
}

/**
 * The errors of single documents in a failed unordered insertMany, by index, when the failure is
 * exactly that (every other document was inserted); undefined for any other failure.
 */
function documentErrors(error: unknown, size: number): Map<number, MongoServerError> | undefined {
  if (!(error instanceof MongoBulkWriteError) || error.result.getWriteConcernError()) return undefined;
  // One error or several; flat() keeps their type, where Array.isArray would make them `any`.
  const writeErrors = [error.writeErrors].flat();
  if (writeErrors.length === 0 || error.insertedCount + writeErrors.length !== size) return undefined;
  return new Map(writeErrors.map((e) => [e.index, new MongoServerError({ message: e.errmsg ?? 'write error', code: e.code, errmsg: e.errmsg })]));
}
