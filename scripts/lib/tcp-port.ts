// Loopback TCP port helpers: pick a free port, and wait until something accepts connections on one.
import { connect, createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Asks the OS for a free port by listening on port 0 and closing again (another process may still take it). */
export function pickFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** Resolves true if a TCP connection to host:port succeeds within timeoutMs. */
function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean): void => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * Polls until host:port accepts a TCP connection. Rejects with a timeout error after timeoutMs, or with
 * signal.reason as soon as `signal` aborts (e.g. because the server process exited).
 */
export async function waitForTcpPort(
  host: string,
  port: number,
  { timeoutMs, signal, intervalMs = 100 }: { timeoutMs: number; signal?: AbortSignal; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (await canConnect(host, port)) return;
    signal?.throwIfAborted();
    if (Date.now() >= deadline) throw new Error(`nothing accepted connections on ${host}:${port} within ${timeoutMs} ms`);
    await delay(intervalMs);
  }
}
