import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type FerretDbInstance } from '../../scripts/lib/database.js';
import { connectDatabase, type Database } from '../../src/data/mongo-connection.js';

/**
 * A real FerretDB process of the test's own, on a data directory of its own, that the test can
 * kill (SIGKILL) and start again on the same port and data: the database process itself fails,
 * nothing is mocked.
 */
export class OwnFerretDb {
  private instance: FerretDbInstance | undefined;

  private constructor(
    readonly dataDir: string,
    /** host:port, fixed after the first start. */
    public listenAddr: string,
  ) {}

  /** A data directory of its own; nothing started yet. `listenAddr` 127.0.0.1:0 picks a port at the first start. */
  static async create(listenAddr = '127.0.0.1:0'): Promise<OwnFerretDb> {
    return new OwnFerretDb(await mkdtemp(join(tmpdir(), 'users-api-faults-')), listenAddr);
  }

  get uri(): string {
    return `mongodb://${this.listenAddr}/`;
  }

  get pid(): number {
    if (!this.instance) throw new Error('FerretDB is not running');
    return this.instance.pid;
  }

  /** Starts it (again) on the same port and data directory. */
  async start(): Promise<void> {
    this.instance = await startFerretDb({ dataDir: this.dataDir, listenAddr: this.listenAddr });
    this.listenAddr = this.instance.listenAddr;
  }

  /** Kills the process outright, as a crash or an OOM kill would, and waits until it is gone. */
  async kill(): Promise<void> {
    const instance = this.instance;
    if (!instance) return;
    process.kill(instance.pid, 'SIGKILL');
    await instance.exited;
    this.instance = undefined;
  }

  /** A client of the test's own, to look at the data directly. */
  connect(dbName: string): Promise<Database> {
    return connectDatabase({ uri: this.uri, dbName, timeoutMs: 5000 });
  }

  /** Stops it and removes its data. */
  async remove(): Promise<void> {
    await this.instance?.stop();
    this.instance = undefined;
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
