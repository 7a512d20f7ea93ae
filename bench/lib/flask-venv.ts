// The Flask peer's Python environment, in the git-ignored .tools/bench-venv: created on first use
// and reinstalled only when bench/peers/flask/requirements.txt changes (its hash is kept beside).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireFileLock } from '../../scripts/lib/file-lock.js';
import { findProjectRoot } from '../../scripts/lib/project-root.js';

export function flaskPeerDir(): string {
  return join(findProjectRoot(), 'bench', 'peers', 'flask');
}

/** The path of the venv's gunicorn, installing the requirements first when they changed. */
export async function ensureFlaskVenv(log: (line: string) => void): Promise<string> {
  const tools = join(findProjectRoot(), '.tools');
  const venv = join(tools, 'bench-venv');
  const gunicorn = join(venv, 'bin', 'gunicorn');
  const stamp = join(venv, 'requirements.sha256');
  const requirements = join(flaskPeerDir(), 'requirements.txt');
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const upToDate = (): boolean => existsSync(gunicorn) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash;
  if (upToDate()) return gunicorn;

  await mkdir(tools, { recursive: true });
  // Two benches at once (a smoke test beside a real run) must not install into one venv together.
  const release = await acquireFileLock(join(tools, 'bench-venv.lock'), {
    onWait: (pid) => log(`Waiting for another process (pid ${pid}) that is installing .tools/bench-venv…`),
  });
  try {
    if (upToDate()) return gunicorn;
    log('Installing the Flask peer (bench/peers/flask/requirements.txt) into .tools/bench-venv…');
    await rm(stamp, { force: true });
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 2, 2] });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
      stdio: ['ignore', 2, 2],
    });
    writeFileSync(stamp, `${hash}\n`);
    return gunicorn;
  } finally {
    await release();
  }
}
