// Schemathesis (from PyPI) for the adversarial suite, installed into the git-ignored
// .tools/venv on first use, pinned so every run fuzzes the same way.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from './project-root.js';

export const SCHEMATHESIS_VERSION = '4.32.5';

/** The path of the `schemathesis` command, installing it first when missing or of another version. */
export function ensureSchemathesis(log: (line: string) => void): string {
  const venv = join(findProjectRoot(), '.tools', 'venv');
  const bin = join(venv, 'bin', 'schemathesis');
  const installed = existsSync(bin) ? execFileSync(bin, ['--version'], { encoding: 'utf8' }) : '';
  if (!installed.includes(SCHEMATHESIS_VERSION)) {
    log(`Installing schemathesis ${SCHEMATHESIS_VERSION} into .tools/venv (first run only)…`);
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { stdio: 'inherit' });
  }
  return bin;
}
