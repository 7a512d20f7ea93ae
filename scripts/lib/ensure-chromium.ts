// The browser test (test/browser/docs.test.ts) drives a Chromium installed on the machine, never a
// downloaded one: CHROMIUM_PATH when set, else Debian's /usr/bin/chromium. On a fresh Debian or
// Ubuntu machine where we are root, `npm test` installs it with apt-get rather than fail.
import { spawnSync } from 'node:child_process';
import { findExecutable, isExecutableFile } from './find-executable.js';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Returns the path of the Chromium to test with, installing Debian's package when it can. */
export function ensureChromium(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (isExecutableFile(configured)) return configured;
    throw new Error(`CHROMIUM_PATH is ${configured}, which is not an executable file.`);
  }
  if (isExecutableFile(DEFAULT_CHROMIUM_PATH)) return DEFAULT_CHROMIUM_PATH;

  const aptGet = findExecutable('apt-get', env);
  if (process.getuid?.() !== 0 || aptGet === undefined) {
    throw new Error(
      `The browser test needs Chromium and there is none at ${DEFAULT_CHROMIUM_PATH}. Install it ` +
        '(Debian/Ubuntu: `sudo apt-get update && sudo apt-get install -y chromium`), or set CHROMIUM_PATH ' +
        'to a Chromium or Chrome executable.',
    );
  }
  log(`Chromium is missing: installing Debian's package (apt-get update, apt-get install -y chromium)…`);
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    // apt-get's progress goes to our stderr, beside the rest of the runner's messages.
    const result = spawnSync(aptGet, args, { stdio: ['ignore', 2, 2], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`}).`);
  }
  if (!isExecutableFile(DEFAULT_CHROMIUM_PATH)) throw new Error(`apt-get installed chromium, but ${DEFAULT_CHROMIUM_PATH} is still missing.`);
  log(`Installed ${DEFAULT_CHROMIUM_PATH}.`);
  return DEFAULT_CHROMIUM_PATH;
}
