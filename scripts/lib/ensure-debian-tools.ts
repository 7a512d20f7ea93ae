// Two tests drive programs installed on the machine, never downloaded ones: the browser test
// (test/browser/docs.test.ts) Chromium, and the several-instances test
// (test/integration/several-instances.test.ts) HAProxy. Each is taken from its *_PATH setting when
// set, else from Debian's package; on a fresh Debian or Ubuntu machine where we are root,
// `npm test` installs the package with apt-get rather than fail.
import { spawnSync } from 'node:child_process';
import { findExecutable, isExecutableFile } from './find-executable.js';

type DebianTool = { what: string; setting: string; packageName: string; path: string; neededBy: string };

export const CHROMIUM: DebianTool = {
  what: 'Chromium',
  setting: 'CHROMIUM_PATH',
  packageName: 'chromium',
  path: '/usr/bin/chromium',
  neededBy: 'The browser test',
};
export const HAPROXY: DebianTool = {
  what: 'HAProxy',
  setting: 'HAPROXY_PATH',
  packageName: 'haproxy',
  path: '/usr/sbin/haproxy',
  neededBy: 'The several-instances test',
};

/** Returns the path of the tool to test with, installing Debian's package when it can. */
export function ensureDebianTool(tool: DebianTool, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[tool.setting];
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    throw new Error(`${tool.setting} is ${configured}, which is not an executable file.`);
  }
  if (isExecutableFile(tool.path)) return tool.path;

  const aptGet = findExecutable('apt-get', env);
  if (process.getuid?.() !== 0 || aptGet === undefined) {
    throw new Error(
      `${tool.neededBy} needs ${tool.what} and there is none at ${tool.path}. Install it ` +
        `(Debian/Ubuntu: \`sudo apt-get update && sudo apt-get install -y ${tool.packageName}\`), or set ${tool.setting} to its executable.`,
    );
  }
  log(`${tool.what} is missing: installing Debian's package (apt-get update, apt-get install -y ${tool.packageName})…`);
  for (const args of [['update'], ['install', '-y', tool.packageName]]) {
    // apt-get's progress goes to our stderr, beside the rest of the runner's messages.
    const result = spawnSync(aptGet, args, { stdio: ['ignore', 2, 2], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`}).`);
  }
  if (!isExecutableFile(tool.path)) throw new Error(`apt-get installed ${tool.packageName}, but ${tool.path} is still missing.`);
  log(`Installed ${tool.path}.`);
  return tool.path;
}
