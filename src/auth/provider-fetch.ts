import type { Logger } from '../logger.js';

/** Thrown instead of fetching while the provider cools down after a failed fetch. */
export class ProviderCoolingDown extends Error {
  override readonly name = 'ProviderCoolingDown';
}

export type ProviderFetch = {
  /** `fetch`, refused (ProviderCoolingDown) for the cooldown after any failure. */
  fetch: typeof fetch;
  /** Starts a cooldown for a failure the response's status did not show (an unusable document). */
  failed(url: string | URL, reason: string): void;
};

/**
 * Every fetch from the identity provider (its discovery document, its key set) goes through
 * one of these, shared by all requests: after a failure (no answer, a timeout, a status other
 * than 2xx, or a document found unusable) nothing is fetched for `cooldownMs`, so a provider
 * that is down, or a URL that answers 404, gets at most one request per cooldown from this
 * process whatever rate of JWTs the service receives. jose keeps no cooldown after a failed
 * fetch: without this, each JWT needing the keys fetched again. The failure is logged once, when
 * the cooldown starts; the requests refused meanwhile are not logged one by one.
 */
export function providerFetch(options: { cooldownMs: number; logger: Logger; now?: () => number; fetch?: typeof fetch }): ProviderFetch {
  const { cooldownMs, logger } = options;
  const now = options.now ?? Date.now;
  const send = options.fetch ?? fetch;
  let until = Number.NEGATIVE_INFINITY;
  const failed = (url: string | URL, reason: string) => {
    until = now() + cooldownMs;
    logger.warn(
      { url: withoutQuery(url), reason, cooldownMs },
      `identity provider: fetch failed (${reason}); not fetched again for ${Math.ceil(cooldownMs / 1000)} s, and JWTs that need its keys are refused meanwhile`,
    );
  };
  return {
    failed,
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : input;
      if (now() < until) throw new ProviderCoolingDown(`fetches are paused for ${Math.ceil((until - now()) / 1000)} s after a failure`);
      let response: Response;
      try {
        response = await send(input, init);
      } catch (error) {
        failed(url, error instanceof Error ? error.name : 'fetch failed');
        throw error;
      }
      // The caller (jose, the discovery look-up) refuses the answer itself; the cooldown starts here.
      if (!response.ok) failed(url, `answered ${response.status}`);
      return response;
    },
  };
}

/** A URL for the log: the query may carry a key. */
function withoutQuery(url: string | URL): string {
  const text = String(url);
  const cut = text.search(/[?#]/);
  return cut < 0 ? text : text.slice(0, cut);
}

/**
 * Whether keys may be fetched from this URL: over https, or over plain http only from this
 * machine (a loopback address or `localhost`). Anyone on the path of a plain-http fetch could
 * hand the service keys of their own and so sign any token.
 */
export function isTrustedKeySource(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
