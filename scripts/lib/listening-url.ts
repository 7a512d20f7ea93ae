import type { Readable } from 'node:stream';

/**
 * The URL a starting service prints on its standard error ("Users API listening on http://…",
 * which server.ts writes once it listens), read from `stderr`. Rejects, with what it printed,
 * when `exited` settles first or `timeoutMs` passes.
 */
export function listeningUrl(stderr: Readable, exited: Promise<unknown>, timeoutMs: number): Promise<string> {
  let printed = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs} ms:\n${printed}`)), timeoutMs);
    stderr.setEncoding('utf8').on('data', (chunk: string) => {
      printed += chunk;
      const url = /Users API listening on (http:\/\/\S+)/.exec(printed)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the server exited before listening (${JSON.stringify(exit)}):\n${printed}`));
    });
  });
}
