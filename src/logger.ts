import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout (or the given stream). Bodies are never logged: they carry names and emails. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: 'users-api' } };
  return destination ? pino(options, destination) : pino(options);
}
