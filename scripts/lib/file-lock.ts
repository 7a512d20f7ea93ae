// A lock file shared between processes (e.g. parallel test workers that would all build the same
// binary at once). The file holds the owner's pid; a lock whose owner is gone is taken over.
import { readFileSync, rmSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { addExitHook, isProcessAlive } from './managed-process.js';

/**
 * Waits until `lockPath` can be created exclusively, then returns a function that releases it.
 * `onWait` is called once if another live process holds it.
 */
export async function acquireFileLock(
  lockPath: string,
  { onWait, pollMs = 500 }: { onWait?: (ownerPid: number) => void; pollMs?: number } = {},
): Promise<() => Promise<void>> {
  let waited = false;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      const removeHook = addExitHook(() => releaseSync(lockPath));
      return async () => {
        removeHook();
        await rm(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || owner <= 0 || !isProcessAlive(owner)) {
      // Left behind by a process that died (or is being written right now: give it a moment).
      await delay(100);
      const again = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (again === owner || Number.isNaN(again)) await rm(lockPath, { force: true });
      continue;
    }
    if (!waited) {
      waited = true;
      onWait?.(owner);
    }
    await delay(pollMs);
  }
}

function releaseSync(lockPath: string): void {
  try {
    if (readFileSync(lockPath, 'utf8') === String(process.pid)) rmSync(lockPath, { force: true });
  } catch {
    // already gone
  }
}
