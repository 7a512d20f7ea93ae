// The ceiling the database itself sets: the `mongodb` driver in this process against a fresh,
// seeded FerretDB, a fixed number of operations in flight, no HTTP at all. A server can only
// come near these numbers, never pass them.
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { summarise, type Latency } from './load.js';
import type { SeededUser } from './seed.js';
import { mulberry32 } from './workloads.js';

export type OperationResult = { operations: number; durationSec: number; opsPerSec: number; latencyMs: Latency; errors: number };

export type DatabaseCeiling = { findOneById: OperationResult; insertOne: OperationResult };

async function loop(inFlight: number, durationSec: number, operation: () => Promise<unknown>): Promise<OperationResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationSec * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      try {
        await operation();
        latencies.push(performance.now() - begin);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return { operations: latencies.length, durationSec: elapsed, opsPerSec: latencies.length / elapsed, latencyMs: summarise(latencies), errors };
}

/** findOne({_id}) of random seeded users, then insertOne of new ones, each after a warm-up. */
export async function measureDatabase(options: {
  dbUri: string;
  seeded: readonly SeededUser[];
  inFlight: number;
  durationSec: number;
  warmupSec: number;
  /** Waits until the database has finished the previous phase's work. */
  settle: () => Promise<void>;
}): Promise<DatabaseCeiling> {
  const client = await new MongoClient(options.dbUri, { maxPoolSize: Math.max(100, options.inFlight) }).connect();
  try {
    const users = client.db().collection<Document>('users');
    const random = mulberry32(7);
    const ids = options.seeded.map((user) => new ObjectId(user.id));
    const findOne = () => users.findOne({ _id: ids[Math.floor(random() * ids.length)] });
    let unique = 0;
    const insertNew = () => {
      const now = new Date();
      const email = `ceiling-${unique++}@example.com`;
      return users.insertOne({ name: 'Ceiling user', email, emailKey: email, version: 1, createdAt: now, updatedAt: now });
    };
    const measure = async (operation: () => Promise<unknown>): Promise<OperationResult> => {
      await options.settle();
      await loop(options.inFlight, options.warmupSec, operation);
      await options.settle();
      return loop(options.inFlight, options.durationSec, operation);
    };
    const findOneById = await measure(findOne);
    const insertOne = await measure(insertNew);
    return { findOneById, insertOne };
  } finally {
    await client.close();
  }
}
