import type { Db, Document, ObjectId } from 'mongodb';
import { isConnectivityError } from './connectivity-errors.js';

/** What a point read needs of a database handle (a `Db`, or a stand-in in tests). */
export type PointReadDb = Pick<Db, 'command' | 'readPreference' | 'readConcern'>;

/**
 * The document with this `_id` in `collection`, or null: the `find` command `findOne` sends
 * (filter `{_id}`, limit 1, one batch), sent with `Db.command` rather than through a cursor.
 *
 * Why: the hottest read of the API (`GET /users/{id}`) spent a large part of its CPU in the
 * driver's cursor machinery (a cursor, its response view, lazy documents, their cleanup), and that
 * garbage lived long enough to be promoted; this form cost the service about 30–100 µs less CPU
 * per read on FerretDB (docs/performance.md, "Measurements behind the code"). The database sees
 * the same command as from `findOne`, so it uses the same `_id` index on FerretDB and MongoDB.
 *
 * What `findOne` did that a command does not, kept here:
 * - the handle's read preference (the URI's `readPreference`) and read concern
 *   (`readConcernLevel`) are sent as `findOne` sends them;
 * - one retry on a connectivity error, as the driver's retryable reads do for a `find` (a
 *   replica-set member stepping down, a pooled connection found closed): the driver picks a server
 *   again for the retry. Other errors are not retried.
 */
export async function findById<T extends Document>(db: PointReadDb, collection: string, _id: ObjectId | string): Promise<T | null> {
  const command: Document = { find: collection, filter: { _id }, limit: 1, singleBatch: true, batchSize: 1 };
  const readConcern = db.readConcern?.toJSON();
  if (readConcern) command.readConcern = readConcern;
  const once = async () => ((await db.command(command, { readPreference: db.readPreference })) as { cursor: { firstBatch: T[] } }).cursor.firstBatch[0] ?? null;
  try {
    return await once();
  } catch (error) {
    if (!isConnectivityError(error)) throw error;
    return once();
  }
}
