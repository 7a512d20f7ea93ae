import { MongoClient, type Db } from 'mongodb';

export type DatabaseConnection = { client: MongoClient; db: Db; close(): Promise<void> };

/**
 * Connects with waits on the database bounded in time on the client side (server selection, a
 * pooled connection, a reply on the socket), which holds even where a server ignores maxTimeMS,
 * and with the strongest write concern the deployment offers.
 */
export async function connectDatabase(options: { uri: string; dbName: string; timeoutMs: number }): Promise<DatabaseConnection> {
  const client = new MongoClient(options.uri, {
    appName: 'users-api',
    serverSelectionTimeoutMS: options.timeoutMs,
    connectTimeoutMS: options.timeoutMs,
    socketTimeoutMS: options.timeoutMs,
    waitQueueTimeoutMS: options.timeoutMs,
    writeConcern: { w: 'majority', journal: true },
  });
  await client.connect();
  // The URI's own database wins, as a MongoDB user expects; MONGODB_DB is the fallback.
  const db = client.db(new URL(options.uri).pathname.replace(/^\//, '') || options.dbName);
  return { client, db, close: () => client.close() };
}
