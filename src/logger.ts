import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout. Bodies are never logged: they carry names and emails. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'users-api' } });
}
