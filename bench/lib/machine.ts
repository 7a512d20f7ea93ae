// The machine and software a run measured, for the report: numbers without it cannot be compared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findProjectRoot } from '../../scripts/lib/project-root.js';

export type Machine = {
  cpu: string;
  cores: number;
  ramGiB: number;
  kernel: string;
  nodeBench: string;
  nodeServers: string;
  ferretDb: string;
  python: string;
  autocannon: string;
};

function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** `<binary> --version`, first line; "unknown" when it cannot be run. */
function versionOf(binary: string, args: string[] = ['--version']): string {
  try {
    return (
      execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        .trim()
        .split('\n')[0] ?? 'unknown'
    );
  } catch {
    return 'unknown';
  }
}

export function describeMachine(serverNode: string, python: string): Machine {
  const root = findProjectRoot();
  const cpuinfo = readOr('/proc/cpuinfo', '');
  const goMod = readOr(join(root, 'tools', 'ferretdb', 'go.mod'), '');
  const autocannonPackage = JSON.parse(readOr(join(root, 'node_modules', 'autocannon', 'package.json'), '{}')) as { version?: string };
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    cores: availableParallelism(),
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    nodeBench: process.version,
    nodeServers: versionOf(serverNode),
    ferretDb: `${/github\.com\/FerretDB\/FerretDB\s+(v\S+)/.exec(goMod)?.[1] ?? 'unknown'} (SQLite backend)`,
    python: versionOf(python),
    autocannon: autocannonPackage.version ?? 'unknown',
  };
}
