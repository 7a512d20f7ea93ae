// BASELINE FOR THE BENCHMARK, NOT PART OF THE PRODUCT.
//
// `npm run bench` measures the service against this: the same routes and response shapes on
// Express 5 and the `mongodb` driver, written the naive way, with no validation, no auth, no
// logging, no security headers, no rate limits and no bound on database calls. The difference
// between the two is what the product's safety costs. Never deploy it: it trusts every input.
//
// Environment: MONGODB_URI (with the database name in its path), HOST, PORT.
import express, { type NextFunction, type Request, type Response } from 'express';
import { MongoClient, MongoServerError, ObjectId } from 'mongodb';

type UserDocument = {
  _id: ObjectId;
  name: string;
  email: string;
  emailKey: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

type Fields = { name?: string; email?: string };

const uri = process.env.MONGODB_URI;
if (!uri) {
  process.stderr.write('bare peer: MONGODB_URI is required\n');
  process.exit(1);
}
const client = new MongoClient(uri);
const users = client.db().collection<UserDocument>('users');

const view = (doc: UserDocument) => ({
  id: doc._id.toHexString(),
  name: doc.name,
  email: doc.email,
  createdAt: doc.createdAt.toISOString(),
  updatedAt: doc.updatedAt.toISOString(),
});

function newUser(body: Fields): UserDocument {
  const now = new Date();
  const email = String(body.email);
  return { _id: new ObjectId(), name: String(body.name), email, emailKey: email.toLowerCase(), version: 1, createdAt: now, updatedAt: now };
}

function changes(fields: Fields): { $set: Partial<UserDocument>; $inc: { version: number } } {
  const $set: Partial<UserDocument> = { updatedAt: new Date() };
  if (fields.name !== undefined) $set.name = fields.name;
  if (fields.email !== undefined) {
    $set.email = fields.email;
    $set.emailKey = fields.email.toLowerCase();
  }
  return { $set, $inc: { version: 1 } };
}

const etag = (version: number) => `"${version}"`;
const notFound = (res: Response) => res.status(404).json({ error: 'not found' });

const app = express();
app.use(express.json());

app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/readyz', async (_req, res) => {
  await client.db().command({ ping: 1 });
  res.json({ status: 'ready' });
});

// The tutorial's routes.

app.get('/user', async (req: Request<object, unknown, unknown, { email?: string }>, res) => {
  if (req.query.email !== undefined) {
    const doc = await users.findOne({ emailKey: String(req.query.email).toLowerCase() });
    res.json(doc ? [view(doc)] : []);
    return;
  }
  res.json((await users.find({}).sort({ _id: 1 }).limit(100).toArray()).map(view));
});

app.post('/register', async (req: Request<object, unknown, Fields>, res) => {
  const doc = newUser(req.body);
  await users.insertOne(doc);
  res.status(201).location(`/users/${doc._id.toHexString()}`).json(view(doc));
});

app.patch('/user', async (req: Request<object, unknown, { query: { email: string }; payload?: Fields }>, res) => {
  const doc = await users.findOneAndUpdate({ emailKey: req.body.query.email.toLowerCase() }, changes(req.body.payload ?? {}), {
    returnDocument: 'after',
  });
  if (!doc) return void notFound(res);
  res.json(view(doc));
});

app.delete('/delete', async (req: Request<object, unknown, { email: string }>, res) => {
  const { deletedCount } = await users.deleteOne({ emailKey: req.body.email.toLowerCase() });
  if (deletedCount === 0) return void notFound(res);
  res.status(204).end();
});

// The resource routes.

app.get('/users', async (req: Request<object, unknown, unknown, { limit?: string; cursor?: string; email?: string }>, res) => {
  const limit = Number(req.query.limit ?? 20);
  const filter: { _id?: { $gt: ObjectId }; emailKey?: string } = {};
  if (req.query.cursor !== undefined) filter._id = { $gt: new ObjectId(req.query.cursor) };
  if (req.query.email !== undefined) filter.emailKey = req.query.email.toLowerCase();
  const docs = await users
    .find(filter)
    .sort({ _id: 1 })
    .limit(limit + 1)
    .toArray();
  const items = docs.slice(0, limit);
  const last = items.at(-1);
  // Its own cursor: the last id as it is.
  res.json({ items: items.map(view), nextCursor: docs.length > limit && last ? last._id.toHexString() : null });
});

app.post('/users', async (req: Request<object, unknown, Fields>, res) => {
  const doc = newUser(req.body);
  await users.insertOne(doc);
  res.status(201).location(`/users/${doc._id.toHexString()}`).set('ETag', etag(doc.version)).json(view(doc));
});

app.get('/users/:id', async (req: Request<{ id: string }>, res) => {
  const doc = await users.findOne({ _id: new ObjectId(req.params.id) });
  if (!doc) return void notFound(res);
  res.set('ETag', etag(doc.version)).json(view(doc));
});

app.patch('/users/:id', async (req: Request<{ id: string }, unknown, Fields>, res) => {
  const _id = new ObjectId(req.params.id);
  const ifMatch = req.get('If-Match');
  const filter = ifMatch === undefined ? { _id } : { _id, version: Number(ifMatch.replace(/"/g, '')) };
  const doc = await users.findOneAndUpdate(filter, changes(req.body), { returnDocument: 'after' });
  if (!doc) {
    res.status((await users.countDocuments({ _id }, { limit: 1 })) === 1 ? 412 : 404).json({ error: 'not updated' });
    return;
  }
  res.set('ETag', etag(doc.version)).json(view(doc));
});

app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
  if (error instanceof MongoServerError && error.code === 11000) {
    res.status(409).json({ error: 'email taken' });
    return;
  }
  res.status(500).json({ error: 'internal error' });
});

await client.connect();
await users.createIndex({ emailKey: 1 }, { unique: true, name: 'emailKey_unique' });
const server = app.listen(Number(process.env.PORT ?? 5001), process.env.HOST ?? '127.0.0.1', () => {
  process.stderr.write(`bare peer listening on ${JSON.stringify(server.address())}\n`);
});
const stop = () => server.close(() => void client.close().finally(() => process.exit(0)));
process.on('SIGTERM', stop).on('SIGINT', stop);
