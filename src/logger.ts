import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout (or the given stream). Bodies are never logged: they carry names and emails.
 * Stdout is written asynchronously: a synchronous write per request line cost the event loop a
 * system call per request (a large share of a cheap request's time, measured with --cpu-prof);
 * lines logged while a write is in flight go out together in the next one. pino flushes what is
 * left when the process exits.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'users-api' } };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
