// Runs before `npm start` and `npm test` (npm's pre-scripts), so that those two commands are all
// a fresh clone needs. Plain JavaScript with no dependencies: it runs before any are installed.
// It checks the Node.js version and installs the locked npm packages when they were not installed
// from this exact package-lock.json (a hash of it is kept in node_modules after each install;
// content, not file times, so a fresh checkout or another work tree does not reinstall for nothing).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
// The supported majors are package.json's "engines", each run by CI; a newer one is let through.
if (major < 20 || (major === 20 && minor < 19) || (major === 22 && minor < 12) || major === 21 || major === 23) {
  console.error(`Users API needs Node.js ^20.19, ^22.12 or ^24 (this is ${process.versions.node}).`);
  process.exit(1);
}
if (major > 24) console.error(`Note: Node.js ${process.versions.node} is newer than the versions the suite runs on (20, 22, 24).`);

const lockHash = createHash('sha256')
  .update(readFileSync(join(root, 'package-lock.json')))
  .digest('hex');
const stamp = join(root, 'node_modules', '.users-api-installed-lock');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
  console.error('Installing npm packages (npm ci)…');
  const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  const result = spawnSync(npm[0], [...npm[1], 'ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stamp, lockHash);
}
