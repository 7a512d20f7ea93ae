import { chromium, type Browser } from 'playwright-core';
import { DEFAULT_CHROMIUM_PATH } from '../../scripts/lib/ensure-chromium.js';

/** The machine's Chromium, headless (never a downloaded one: `npm test` passes CHROMIUM_PATH). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH,
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
