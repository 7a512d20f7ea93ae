import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from '../../scripts/lib/ensure-debian-tools.js';

/** The machine's Chromium, headless (never a downloaded one: `npm test` passes CHROMIUM_PATH). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM.path,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
