// Runs a long-lived helper process (a database server) on behalf of this Node process:
// drains and remembers its output, reports its exit, stops it politely then forcefully, and makes
// sure it does not outlive this process.
//
// How a child is kept from outliving us, whatever way we end:
//  - it runs in its own process group (not on Windows), so a terminal's Ctrl+C reaches only us and
//    we decide when the database stops (after the HTTP server has drained, for example);
//  - a synchronous process 'exit' hook kills what is still running when we exit normally;
//  - if we are killed outright (SIGKILL, OOM, an unhandled signal), our end of a stdin pipe closes:
//    programs that watch their stdin (our FerretDB wrapper) stop by themselves, and for programs that
//    do not (mongod) a tiny watchdog process, holding such a pipe, terminates them instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { OutputTail } from './output-tail.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcessOptions {
  /** Human name used in messages, e.g. "FerretDB". */
  name: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each complete line the child writes to stdout. */
  onStdoutLine?: (line: string) => void;
  /**
   * Keep a pipe open to the child's stdin (a program that stops when its stdin reaches EOF then stops
   * when we die). Default false: stdin is /dev/null.
   */
  stdinPipe?: boolean;
  /** Start a watchdog that terminates the child if this process dies without stopping it. */
  orphanWatchdog?: boolean;
  /**
   * Run it in its own process group (default true; ignored on Windows), so that a terminal's Ctrl+C
   * reaches only this process, which then stops it in its own time. False for short-lived jobs (a
   * build) that Ctrl+C should interrupt together with us.
   */
  ownProcessGroup?: boolean;
  /**
   * Signal sent to the child if it is still running when this process exits (default SIGKILL; use
   * SIGTERM to let it shut down cleanly on its own, e.g. when its data is kept).
   */
  signalOnParentExit?: NodeJS.Signals;
}

export function describeExit(info: ExitInfo): string {
  return info.signal !== null ? `killed by ${info.signal}` : `exited with code ${String(info.code)}`;
}

export class ManagedProcess {
  /** Combined recent stdout and stderr, for error messages. */
  readonly output = new OutputTail();
  /** Settles when the process has exited. Never rejects. */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private stopping: Promise<ExitInfo> | undefined;
  private watchdog: ChildProcess | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.killWatchdog();
        resolve(this.exitInfo);
      });
    });
  }

  /** The exit status, once the process has exited. */
  get exitStatus(): ExitInfo | undefined {
    return this.exitInfo;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Closes its stdin, sends SIGTERM, waits up to graceMs for it to exit, then SIGKILLs it.
   * Idempotent: later calls return the same promise. Never rejects.
   */
  stop(graceMs = 5_000): Promise<ExitInfo> {
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  private async doStop(graceMs: number): Promise<ExitInfo> {
    this.setKeepsEventLoopAlive(true); // so `await stop()` cannot be cut short by the event loop emptying
    if (this.exitInfo === undefined) {
      this.child.stdin?.end();
      this.signal('SIGTERM');
      if (!(await this.exitsWithin(graceMs))) {
        this.signal('SIGKILL');
        if (!(await this.exitsWithin(5_000))) {
          // Unkillable (e.g. stuck in uninterruptible I/O): give up waiting rather than hang the caller.
          this.setKeepsEventLoopAlive(false);
          this.killWatchdog();
          return { code: null, signal: 'SIGKILL' };
        }
      }
    }
    return this.exited;
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    const timer = new AbortController();
    const result = await Promise.race([this.exited.then(() => true), delay(ms, false, { signal: timer.signal }).catch(() => false)]);
    timer.abort();
    return result;
  }

  /** Sends a signal now if it is still running (synchronous; safe in a process 'exit' hook). */
  signal(signal: NodeJS.Signals): void {
    if (this.exitInfo !== undefined) return;
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }

  /**
   * Whether this child (its handle and pipes, and its watchdog's) keeps the Node event loop alive.
   * While a database merely runs, it should not: a script that forgets stop() then still ends, and
   * the 'exit' hook / stdin EOF take the child down.
   */
  setKeepsEventLoopAlive(keep: boolean): void {
    for (const proc of [this.child, this.watchdog]) {
      if (proc === undefined) continue;
      if (keep) proc.ref();
      else proc.unref();
      for (const stream of [proc.stdin, proc.stdout, proc.stderr]) {
        const handle = stream as unknown as { ref?: () => void; unref?: () => void } | null;
        if (keep) handle?.ref?.();
        else handle?.unref?.();
      }
    }
  }

  /** @internal */
  attachWatchdog(watchdog: ChildProcess): void {
    this.watchdog = watchdog;
    if (this.exitInfo !== undefined) this.killWatchdog();
  }

  private killWatchdog(): void {
    const watchdog = this.watchdog;
    if (watchdog === undefined || watchdog.exitCode !== null || watchdog.signalCode !== null) return;
    try {
      watchdog.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Spawns `command`; resolves once it has started, rejects if it cannot be started (e.g. ENOENT). */
export async function spawnManaged(command: string, args: readonly string[], options: ManagedProcessOptions): Promise<ManagedProcess> {
  const ownGroup = process.platform !== 'win32' && (options.ownProcessGroup ?? true);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    detached: ownGroup,
    windowsHide: true,
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      child.off('spawn', onSpawn);
      reject(new Error(`Cannot start ${options.name} (${command}): ${err.message}`, { cause: err }));
    };
    const onSpawn = (): void => {
      child.off('error', onError);
      resolve();
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
  child.on('error', () => {}); // later errors (e.g. EPIPE on kill races) must not crash the parent
  child.stdin?.on('error', () => {}); // EPIPE when the child has already exited

  const managed = new ManagedProcess(options.name, child, child.pid ?? -1);

  let partialLine = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    managed.output.push(chunk);
    if (!options.onStdoutLine) return;
    const lines = (partialLine + chunk).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) options.onStdoutLine(line.replace(/\r$/, ''));
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => managed.output.push(chunk));

  if (options.orphanWatchdog && child.pid !== undefined) {
    managed.attachWatchdog(startWatchdog(child.pid, ownGroup));
  }

  const removeHook = addExitHook(() => managed.signal(options.signalOnParentExit ?? 'SIGKILL'));
  void managed.exited.then(removeHook);
  return managed;
}

// The watchdog: a second Node process that reads its stdin (a pipe from us) until EOF, i.e. until we
// are gone, then SIGTERMs the target and SIGKILLs it 10 s later. It exits by itself once the target
// has exited, and we SIGKILL it when we see the target exit.
const WATCHDOG_SOURCE = `
const pid = Number(process.argv[1]);
const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
const poll = setInterval(() => { if (!alive()) process.exit(0); }, 1000);
let fired = false;
const fire = () => {
  if (fired) return; fired = true; clearInterval(poll);
  try { process.kill(pid, 'SIGTERM'); } catch { process.exit(0); }
  const since = Date.now();
  setInterval(() => {
    if (!alive()) process.exit(0);
    if (Date.now() - since > 10000) { try { process.kill(pid, 'SIGKILL'); } catch {} process.exit(0); }
  }, 100);
};
process.stdin.on('data', () => {});
process.stdin.on('end', fire);
process.stdin.on('error', fire);
`;

function startWatchdog(targetPid: number, ownGroup: boolean): ChildProcess {
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(targetPid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: ownGroup,
    windowsHide: true,
    env: {}, // no NODE_OPTIONS etc. from the parent: nothing should be preloaded into it
  });
  watchdog.on('error', () => {});
  watchdog.stdin?.on('error', () => {});
  return watchdog;
}

// ---- process 'exit' hooks (synchronous cleanup when this process exits normally) ----

const exitHooks = new Set<() => void>();
let exitListenerInstalled = false;

/**
 * Registers a synchronous function to run when this process exits normally (also process.exit() and
 * uncaught exceptions; not fatal signals). Hooks run last-registered first, like deferred cleanups, so
 * a child is killed before its data directory is removed. Returns a function that unregisters it.
 */
export function addExitHook(hook: () => void): () => void {
  if (!exitListenerInstalled) {
    exitListenerInstalled = true;
    process.on('exit', () => {
      for (const h of [...exitHooks].reverse()) {
        try {
          h();
        } catch {
          // best effort: keep running the other hooks
        }
      }
    });
  }
  exitHooks.add(hook);
  return () => {
    exitHooks.delete(hook);
  };
}

/** Whether a process with this pid exists (possibly owned by another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
