import { MongoServerError } from 'mongodb';

const DUPLICATE_KEY = 11000;

/** A write refused by a unique index (MongoDB's error 11000; FerretDB answers it for inserts too). */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}
