// Temporary database directories: <tmp>/users-api-db-XXXXXX/{owner.pid,data/}. The owner's pid lets a
// later run delete directories left behind by a process that was killed before it could clean up.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addExitHook, isProcessAlive } from './managed-process.js';

const PREFIX = 'users-api-db-';
const OWNER_FILE = 'owner.pid';
const MIN_AGE_MS = 60_000; // never sweep anything younger, whatever its owner file says

export interface TempDataDir {
  /** The directory to give the database (empty, inside the temporary directory). */
  readonly dataDir: string;
  /** Removes the whole temporary directory. Never rejects. */
  remove(): Promise<void>;
}

/** Creates a temporary data directory, removed by remove() or, at the latest, when this process exits. */
export async function createTempDataDir(): Promise<TempDataDir> {
  sweepStaleTempDataDirs();
  const root = await mkdtemp(join(tmpdir(), PREFIX));
  await writeFile(join(root, OWNER_FILE), String(process.pid));
  const dataDir = join(root, 'data');
  await mkdir(dataDir);
  const removeHook = addExitHook(() => {
    try {
      rmSync(root, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  });
  return {
    dataDir,
    remove: async () => {
      await rm(root, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
      removeHook();
    },
  };
}

/** Deletes temporary data directories whose owner process no longer exists. Best effort, synchronous. */
function sweepStaleTempDataDirs(): void {
  const base = tmpdir();
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const root = join(base, name);
    try {
      if (Date.now() - statSync(root).mtimeMs < MIN_AGE_MS) continue;
      const owner = Number.parseInt(readFileSyncSafe(join(root, OWNER_FILE)), 10);
      if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) continue;
      rmSync(root, { recursive: true, force: true });
    } catch {
      // not ours to judge (permissions, races with another sweeper): leave it
    }
  }
}

function readFileSyncSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
