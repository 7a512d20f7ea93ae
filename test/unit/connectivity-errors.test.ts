import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type BulkWriteResult,
  type TopologyDescription,
} from 'mongodb';
import { isConnectivityError } from '../../src/data/connectivity-errors.js';

// The driver's errors as it raises them when the database process is killed or unreachable
// (messages as measured against FerretDB), and errors that must stay 500s.
const refused = () => new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:40718');

describe('isConnectivityError', () => {
  const unavailable: [string, Error][] = [
    ['a connection closed under an operation', new MongoNetworkError('connection 5 to 127.0.0.1:40718 closed')],
    ['a socket that stayed silent', new MongoNetworkTimeoutError('connection 2 to 127.0.0.1:40718 timed out')],
    ['no server selectable in time', new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:40718', {} as TopologyDescription)],
    [
      'a bulk write cut by a closed connection',
      new MongoBulkWriteError(new MongoNetworkError('connection 1 to 127.0.0.1:40718 closed'), {} as BulkWriteResult),
    ],
    ['a node shutting down (91)', new MongoServerError({ message: 'The server is in quiesce mode and will shut down', code: 91 })],
    ['a primary stepping down (10107)', new MongoServerError({ message: 'not primary', code: 10107 })],
    ['an error caused by a network error', new Error('wrapped', { cause: refused() })],
    ['a bare EPIPE from a socket the server closed', Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' })],
    ['a bare ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
  ];
  for (const [label, error] of unavailable) {
    it(`when the error is ${label}, then it means the database is unavailable`, () => {
      assert.equal(isConnectivityError(error), true);
    });
  }

  const faults: [string, unknown][] = [
    ['a duplicate key (11000)', new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 })],
    ['a FerretDB InternalError (1)', new MongoServerError({ message: 'UNIQUE constraint failed', code: 1 })],
    ['an operation on a closed client', new MongoNotConnectedError('Client must be connected before running operations')],
    ['a closed topology', new MongoTopologyClosedError()],
    ['a bug', new TypeError('expected a string')],
    ['not an error at all', 'ECONNREFUSED'],
  ];
  for (const [label, error] of faults) {
    it(`when the error is ${label}, then it is not about connectivity (it stays a 500)`, () => {
      assert.equal(isConnectivityError(error), false);
    });
  }
});
