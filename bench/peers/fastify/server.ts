// PEER FOR THE BENCHMARK, NOT PART OF THE PRODUCT.
//
// What a user might pick instead of the service: Fastify 5 with the contract's JSON Schemas.
// The routes, statuses, headers and response shapes are the bare peer's (bench/peers/bare/),
// route for route, on the same `mongodb` driver and storage layout; what it adds is Fastify's
// own request validation (params, query, headers, body) and response serialization, from the
// schemas of openapi/openapi.yaml (contract-schemas.ts). Like the bare peer it has no auth, no
// logging, no security headers, no rate limits and no bound on database calls: never deploy it.
//
// Environment: MONGODB_URI (with the database name in its path), HOST, PORT.
import Fastify, { type FastifyReply } from 'fastify';
import { MongoClient, MongoServerError, ObjectId } from 'mongodb';
import { ContractSchemas, type RouteSchema, type Schema } from './contract-schemas.js';

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
  process.stderr.write('fastify peer: MONGODB_URI is required\n');
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
const notFound = (reply: FastifyReply) => reply.code(404).send({ error: 'not found' });

// The bare peer's error body, for every status the contract's 2xx do not cover.
const FAILURE: Schema = { type: 'object', required: ['error'], properties: { error: { type: 'string' } } };
const contract = new ContractSchemas();
const schema = (method: string, path: string, adjust: (route: RouteSchema) => void = () => {}): RouteSchema => {
  const route = contract.route(method, path);
  adjust(route);
  route.response['4xx'] = FAILURE;
  route.response['5xx'] = FAILURE;
  return route;
};
// All read before the app is made: the shared component schemas are those these refer to.
const schemas = {
  healthz: schema('GET', '/healthz'),
  readyz: schema('GET', '/readyz'),
  legacyList: schema('GET', '/user'),
  legacyRegister: schema('POST', '/register'),
  legacyUpdate: schema('PATCH', '/user'),
  legacyDelete: schema('DELETE', '/delete'),
  list: schema('GET', '/users', (route) => {
    // Its own cursor is the last id as it is (as the bare peer's), not the service's opaque one.
    const query = route.querystring as { properties: Record<string, Schema> };
    query.properties.cursor = { $ref: 'UserId#' };
  }),
  create: schema('POST', '/users'),
  get: schema('GET', '/users/{id}'),
  update: schema('PATCH', '/users/{id}'),
};

const app = Fastify({
  // The contract's limit (16 KiB) instead of Fastify's 1 MiB.
  bodyLimit: 16 * 1024,
  ajv: {
    customOptions: {
      // Ajv knows no `idn-email`: the plain check a Fastify user would add (one @, no white
      // space). The service's own rules are much stricter (src/domain/email-address.ts).
      formats: { 'idn-email': /^[^\s@]+@[^\s@]+$/u },
    },
  },
});
for (const shared of contract.shared()) app.addSchema(shared);
// PATCH /users/{id} takes a JSON Merge Patch; the bench sends application/json, as to the bare peer.
app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

app.setErrorHandler((error, _request, reply) => {
  if (error instanceof MongoServerError && error.code === 11000) return reply.code(409).send({ error: 'email taken' });
  // Fastify's own refusals: a request its schemas reject (400), malformed JSON, too large, unsupported type.
  const status = (error as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: (error as Error).message });
  return reply.code(500).send({ error: 'internal error' });
});

app.get('/healthz', { schema: schemas.healthz }, async () => ({ status: 'ok' }));

app.get('/readyz', { schema: schemas.readyz }, async () => {
  await client.db().command({ ping: 1 });
  return { status: 'ready' };
});

// The tutorial's routes.

app.get<{ Querystring: { email?: string } }>('/user', { schema: schemas.legacyList }, async (request) => {
  if (request.query.email !== undefined) {
    const doc = await users.findOne({ emailKey: request.query.email.toLowerCase() });
    return doc ? [view(doc)] : [];
  }
  return (await users.find({}).sort({ _id: 1 }).limit(100).toArray()).map(view);
});

app.post<{ Body: Fields }>('/register', { schema: schemas.legacyRegister }, async (request, reply) => {
  const doc = newUser(request.body);
  await users.insertOne(doc);
  return reply.code(201).header('location', `/users/${doc._id.toHexString()}`).send(view(doc));
});

app.patch<{ Body: { query: { email: string }; payload: Fields } }>('/user', { schema: schemas.legacyUpdate }, async (request, reply) => {
  const doc = await users.findOneAndUpdate({ emailKey: request.body.query.email.toLowerCase() }, changes(request.body.payload), { returnDocument: 'after' });
  if (!doc) return notFound(reply);
  return view(doc);
});

app.delete<{ Body: { email: string } }>('/delete', { schema: schemas.legacyDelete }, async (request, reply) => {
  const { deletedCount } = await users.deleteOne({ emailKey: request.body.email.toLowerCase() });
  if (deletedCount === 0) return notFound(reply);
  return reply.code(204).send();
});

// The resource routes.

app.get<{ Querystring: { limit: number; cursor?: string; email?: string } }>('/users', { schema: schemas.list }, async (request) => {
  const { limit, cursor, email } = request.query; // limit: a number, 20 when absent (the contract's default)
  const filter: { _id?: { $gt: ObjectId }; emailKey?: string } = {};
  if (cursor !== undefined) filter._id = { $gt: new ObjectId(cursor) };
  if (email !== undefined) filter.emailKey = email.toLowerCase();
  const docs = await users
    .find(filter)
    .sort({ _id: 1 })
    .limit(limit + 1)
    .toArray();
  const items = docs.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(view), nextCursor: docs.length > limit && last ? last._id.toHexString() : null };
});

app.post<{ Body: Fields }>('/users', { schema: schemas.create }, async (request, reply) => {
  const doc = newUser(request.body);
  await users.insertOne(doc);
  return reply.code(201).header('location', `/users/${doc._id.toHexString()}`).header('etag', etag(doc.version)).send(view(doc));
});

app.get<{ Params: { id: string } }>('/users/:id', { schema: schemas.get }, async (request, reply) => {
  const doc = await users.findOne({ _id: new ObjectId(request.params.id) });
  if (!doc) return notFound(reply);
  return reply.header('etag', etag(doc.version)).send(view(doc));
});

app.patch<{ Params: { id: string }; Headers: { 'if-match'?: string }; Body: Fields }>('/users/:id', { schema: schemas.update }, async (request, reply) => {
  const _id = new ObjectId(request.params.id);
  const ifMatch = request.headers['if-match'];
  const filter = ifMatch === undefined ? { _id } : { _id, version: Number(ifMatch.replace(/"/g, '')) };
  const doc = await users.findOneAndUpdate(filter, changes(request.body), { returnDocument: 'after' });
  if (!doc) return reply.code((await users.countDocuments({ _id }, { limit: 1 })) === 1 ? 412 : 404).send({ error: 'not updated' });
  return reply.header('etag', etag(doc.version)).send(view(doc));
});

await client.connect();
await users.createIndex({ emailKey: 1 }, { unique: true, name: 'emailKey_unique' });
const address = await app.listen({ port: Number(process.env.PORT ?? 5002), host: process.env.HOST ?? '127.0.0.1' });
process.stderr.write(`fastify peer listening on ${address}\n`);
const stop = () => void app.close().finally(() => void client.close().finally(() => process.exit(0)));
process.on('SIGTERM', stop).on('SIGINT', stop);
