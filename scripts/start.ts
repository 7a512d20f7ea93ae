// `npm start`: starts the service on MONGODB_URI, or on a database it starts itself (a `mongod`
// found on PATH, else the embedded FerretDB, built on first use), and stops both together.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV, SERVER_NODE_FLAGS } from '../src/runtime-flags.js';
import { startDatabase } from './lib/database.js';

const log = (line: string) => process.stderr.write(`[start] ${line}\n`);
const serverEntry = fileURLToPath(new URL('../src/server.js', import.meta.url));

async function main(): Promise<number> {
  const database = await startDatabase({ log, ...(process.env.EMBEDDED_DB_DIR ? { dataDir: process.env.EMBEDDED_DB_DIR } : {}) });
  log(`Database: ${database.description}`);

  const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, serverEntry], {
    stdio: 'inherit',
    env: { ...SERVER_ENV, ...process.env, MONGODB_URI: database.uri },
  });
  // A terminal's Ctrl-C reaches both processes; a `kill` reaches only this one, so pass it on.
  // The server finishes its in-flight requests before it exits; the database stops after it.
  const forward = (signal: NodeJS.Signals) => server.kill(signal);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) => server.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
  await database.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
