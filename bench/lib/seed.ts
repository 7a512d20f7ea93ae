// The users every server starts with. The service's are written through the product's own data
// layer, so the seed stays correct whatever its storage layout becomes; the peers' directly,
// in the layout they read. Both return the users in the order written, with their public ids.
import { MongoClient, ObjectId } from 'mongodb';
import { connectDatabase } from '../../src/data/mongo-connection.js';
import { UsersRepository } from '../../src/data/users-repository.js';

export type SeededUser = { id: string; email: string };

/** Writes in flight while seeding through the repository: enough to keep FerretDB busy. */
const SEED_CONCURRENCY = 64;
const BATCH = 1000;

function seedUser(index: number): { name: string; email: string } {
  return { name: `Seed user ${index}`, email: `seed-${index}@example.com` };
}

/**
 * Seeds the service's database through UsersRepository, prepare() first (indexes and whatever
 * else its layout needs). One function, so that a faster bulk path can replace it later without
 * touching the rest of the bench.
 */
export async function seedThroughProduct(uri: string, count: number): Promise<SeededUser[]> {
  // A generous bound: seeding is not measured, and FerretDB is busy while it lasts.
  const database = await connectDatabase({ uri, dbName: 'bench', timeoutMs: 60_000 });
  try {
    const repository = new UsersRepository(database);
    await repository.prepare();
    const seeded: SeededUser[] = new Array<SeededUser>(count);
    let next = 0;
    const writer = async (): Promise<void> => {
      for (let index = next++; index < count; index = next++) {
        const record = await repository.insert(seedUser(index));
        seeded[index] = { id: record.id, email: record.email };
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, writer));
    return seeded;
  } finally {
    await database.close();
  }
}

/** The peers' layout: the service's fields, with a unique index on the lower-cased email. */
export async function seedPeerDatabase(uri: string, count: number): Promise<SeededUser[]> {
  const client = await new MongoClient(uri).connect();
  try {
    const users = client.db().collection('users');
    await users.createIndex({ emailKey: 1 }, { unique: true, name: 'emailKey_unique' });
    const seeded: SeededUser[] = [];
    for (let start = 0; start < count; start += BATCH) {
      const now = new Date();
      const docs = [];
      for (let index = start; index < Math.min(count, start + BATCH); index++) {
        const { name, email } = seedUser(index);
        const _id = new ObjectId();
        docs.push({ _id, name, email, emailKey: email.toLowerCase(), version: 1, createdAt: now, updatedAt: now });
        seeded.push({ id: _id.toHexString(), email });
      }
      await users.insertMany(docs);
    }
    return seeded;
  } finally {
    await client.close();
  }
}
