import { MongoError, MongoNetworkError, MongoOperationTimeoutError, MongoServerError, MongoServerSelectionError } from 'mongodb';

/**
 * Server error codes that mean "this server cannot serve you right now" rather than "this
 * request is wrong": a node shutting down, stepping down or not (yet) primary, a network fault
 * seen by the server, a time limit (MongoDB's names; FerretDB answers none of them).
 */
const UNAVAILABLE_SERVER_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Socket errors of Node itself. The driver usually wraps them in a MongoNetworkError, but not
 * always: when the database process is killed, a command written to a socket the server has
 * just closed can surface as Node's bare `EPIPE` ("This socket has been ended by the other
 * party"), as measured with driver 7.9 against a killed FerretDB.
 */
const SOCKET_ERROR_CODES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTCONN',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
]);

/** Driver errors without an exported class, recognised by name. */
const UNAVAILABLE_DRIVER_NAMES = new Set(['MongoWaitQueueTimeoutError']);

/**
 * Whether a driver error means the database could not be reached or did not answer in time (a
 * refused or cut connection, also as a bare Node socket error; no server selectable; a socket,
 * pool or operation timeout; a node going away), as opposed to a fault in the request or the
 * code, which stays a 500.
 *
 * A closed client (MongoNotConnectedError, MongoTopologyClosedError, MongoClientClosedError) is
 * deliberately not one of them: this service closes its client only once it has stopped serving,
 * so an operation on a closed client is a bug. Wrapping errors are looked through: a
 * MongoBulkWriteError keeps the network error it wraps as its `errorResponse`.
 */
export function isConnectivityError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError || error instanceof MongoOperationTimeoutError) {
    return true;
  }
  if (UNAVAILABLE_DRIVER_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) return true;
  if (error instanceof MongoError && (error.hasErrorLabel('ResetPool') || error.hasErrorLabel('RetryableWriteError'))) return true;
  if (error instanceof MongoServerError) {
    if (typeof error.code === 'number' && UNAVAILABLE_SERVER_CODES.has(error.code)) return true;
    if (error.errorResponse !== (error as unknown) && isConnectivityError(error.errorResponse, depth + 1)) return true;
  }
  return isConnectivityError(error.cause, depth + 1);
}
