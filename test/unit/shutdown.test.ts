import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { closeConnectionsWhenStopping } from '../../src/http/routes/health-routes.js';
import { createLogger } from '../../src/logger.js';
import { gracefulShutdown } from '../../src/shutdown.js';

// The shutdown sequence on a real HTTP server in this process (no database): the drain keeps the
// listening socket open while readiness is already 503, then the usual shutdown follows.

type Stopping = {
  port: number;
  /** Sends the signal (as often as asked). */
  signal(): void;
  /** How many times onStopping and close() ran, and the exit codes passed so far. */
  calls: { stopping: number; close: number; exits: number[] };
  /** What happened on the server's side, in order: 'slow answered', 'close'. */
  order: string[];
  /** Milliseconds from the first signal to the exit. */
  exited: Promise<number>;
};

/** A server answering `GET /` (after `delayMs` for `/slow`), with the app's Connection: close once stopping. */
async function serverStoppedBy(options: { graceMs: number; drainMs?: number }): Promise<Stopping> {
  let stopping = false;
  const app = express();
  app.use(closeConnectionsWhenStopping({ ready: async () => undefined, stopping: () => stopping }));
  app.get('/', (_req, res) => void res.send('ok'));
  const order: string[] = [];
  app.get('/slow', (_req, res) => {
    res.once('finish', () => order.push('slow answered'));
    setTimeout(() => res.send('slow'), 300);
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const calls = { stopping: 0, close: 0, exits: [] as number[] };
  let signalledAt = 0;
  let exited!: (ms: number) => void;
  const handler = gracefulShutdown({
    server,
    logger: createLogger('silent'),
    graceMs: options.graceMs,
    ...(options.drainMs === undefined ? {} : { drainMs: options.drainMs }),
    onStopping: () => {
      calls.stopping++;
      stopping = true;
    },
    close: async () => {
      calls.close++;
      order.push('close');
    },
    exit: (code) => {
      calls.exits.push(code);
      exited(Date.now() - signalledAt);
    },
  });
  return {
    port: (server.address() as AddressInfo).port,
    signal: () => {
      signalledAt ||= Date.now();
      handler('SIGTERM');
    },
    calls,
    order,
    exited: new Promise((resolve) => (exited = resolve)),
  };
}

/** Opens a TCP connection: the socket, or the error code when it is refused. */
function open(port: number): Promise<Socket | string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Sends one keep-alive request on the socket and resolves with the response's head, once complete. */
function ask(socket: Socket, path = '/'): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text);
      if (end >= 0 && length && text.length >= end + 4 + Number(length[1])) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  });
}

const closedBy = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('graceful shutdown with a drain (SHUTDOWN_DRAIN_MS)', () => {
  it('when the signal comes with a drain, then readiness turns at once, new connections are still served (with Connection: close) until the drain ends, and only then the socket closes and the process exits 0', async () => {
    const shutdown = await serverStoppedBy({ graceMs: 4000, drainMs: 500 });
    shutdown.signal();
    assert.equal(shutdown.calls.stopping, 1, 'readiness turned 503 at once');

    await sleep(250);
    const during = await open(shutdown.port);
    assert.ok(typeof during !== 'string', `a connection during the drain was refused: ${typeof during === 'string' ? during : 'connected'}`);
    const answer = await ask(during);
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    await closedBy(during);
    assert.equal(shutdown.calls.close, 0, 'nothing closed during the drain');

    const afterMs = await shutdown.exited;
    assert.deepEqual(shutdown.calls.exits, [0]);
    assert.equal(shutdown.calls.close, 1);
    assert.ok(afterMs >= 500 && afterMs < 4000, `exited ${afterMs} ms after the signal`);
    assert.equal(await open(shutdown.port), 'ECONNREFUSED');
  });

  it('when a keep-alive connection is idle at the signal, then it stays open through the drain and closes after its next answer', async () => {
    const shutdown = await serverStoppedBy({ graceMs: 4000, drainMs: 500 });
    const idle = await open(shutdown.port);
    assert.ok(typeof idle !== 'string');
    assert.doesNotMatch(await ask(idle), /\r\nconnection: close\r\n/i, 'keep-alive before the signal');
    shutdown.signal();
    await sleep(300);
    assert.equal(idle.destroyed, false, 'the idle connection was closed during the drain');
    assert.match(await ask(idle), /\r\nconnection: close\r\n/i);
    await closedBy(idle);
    await shutdown.exited;
    assert.deepEqual(shutdown.calls.exits, [0]);
  });

  it('when a request is still in flight as the drain ends, then it is answered before the database closes', async () => {
    const shutdown = await serverStoppedBy({ graceMs: 4000, drainMs: 200 });
    shutdown.signal();
    await sleep(100);
    const late = await open(shutdown.port);
    assert.ok(typeof late !== 'string');
    const answer = ask(late, '/slow');
    await sleep(200); // the drain is over; the request has 200 ms to go
    assert.equal(await open(shutdown.port), 'ECONNREFUSED');
    assert.match(await answer, /^HTTP\/1\.1 200 [^]*\r\n\r\nslow$/);
    await shutdown.exited;
    assert.deepEqual(shutdown.order, ['slow answered', 'close']);
    assert.deepEqual(shutdown.calls.exits, [0]);
  });

  it('when there is no drain (the default), then the listening socket closes at once', async () => {
    const shutdown = await serverStoppedBy({ graceMs: 4000 });
    shutdown.signal();
    assert.equal(await open(shutdown.port), 'ECONNREFUSED');
    assert.ok((await shutdown.exited) < 1000);
    assert.deepEqual(shutdown.calls.exits, [0]);
  });

  it('when a second signal comes during the drain, then nothing changes: one drain, one close, one exit', async () => {
    const shutdown = await serverStoppedBy({ graceMs: 4000, drainMs: 300 });
    shutdown.signal();
    await sleep(100);
    shutdown.signal();
    const afterMs = await shutdown.exited;
    await sleep(400);
    assert.ok(afterMs >= 300, `exited ${afterMs} ms after the first signal`);
    assert.deepEqual(shutdown.calls, { stopping: 1, close: 1, exits: [0] });
  });
});
