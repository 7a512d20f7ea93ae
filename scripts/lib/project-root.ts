// Finds the project's root directory (the one holding the package.json named "users-api"), so
// scripts resolve paths the same way whether they run from source (scripts/lib/*.ts) or compiled
// (dist/scripts/lib/*.js), and whatever the current working directory is.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_PACKAGE_NAME = 'users-api';

let cachedRoot: string | undefined;

/** Walks up from this module's directory to the directory whose package.json is named "users-api". */
export function findProjectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ;) {
    if (packageName(join(dir, 'package.json')) === PROJECT_PACKAGE_NAME) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`Cannot find the project root: no package.json named "${PROJECT_PACKAGE_NAME}" in ${start} or any parent directory.`);
    }
    dir = parent;
  }
}

function packageName(file: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed !== null && typeof parsed === 'object' && 'name' in parsed && typeof parsed.name === 'string') {
      return parsed.name;
    }
  } catch {
    // missing or unreadable package.json: keep walking up
  }
  return undefined;
}
