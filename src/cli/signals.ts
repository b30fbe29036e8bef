// SIGINT and SIGTERM for the whole CLI, installed before anything else runs:
// - while a run is `graceful` (training, and the writes after it), a first signal asks for a clean
//   stop: `signal` aborts (fit stops between batches, the checkpoint is written if configured) and
//   the command ends with 130 (SIGINT) or 143 (SIGTERM);
// - otherwise (loading data, evaluate, predict, gradcheck: nothing to save) it exits at once;
// - a second signal, or 5 s after the first without progress(), exits at once with 130/143.
// Exiting at once re-raises the signal with the default action (the process ends as killed by it:
// status 130/143 in a shell), not process.exit: exit() waits for the libuv threads, and one blocked
// in a system call (opening a FIFO that no one writes, a hung network mount) would hold it forever.
// Under the bin/simdnet.js launcher, signals the launcher received arrive as IPC messages; a
// terminal's Ctrl-C reaches both processes, so a real signal and a message of the same kind within
// a second of each other are one event, not two.
import { writeSync } from 'node:fs';
import { constants } from 'node:os';

/** The CLI stopped on a signal before there was anything to save; main() prints it and exits with `exitCode`. */
export class Interrupted extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

export interface RunSignals {
  /** Aborted by the first signal (graceful mode). */
  readonly signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM; undefined before any signal. */
  readonly exitCode: number | undefined;
  /** Whether a first signal stops cleanly (true) or exits at once (false, the default). */
  graceful: boolean;
  /** The run is moving (a batch done, a file written): restarts the 5 s watchdog of a stop asked for. */
  progress(): void;
  /**
   * Between the phases after training: lets a signal that came during a synchronous phase in (one
   * turn of the event loop), then throws Interrupted if a stop was asked for.
   */
  check(what: string): Promise<void>;
  /** Removes the handlers (the process is then the default's again). */
  dispose(): void;
}

/** Where signals come from: the process (and the launcher's messages); tests give an EventEmitter. */
export interface SignalSource {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  /** The launcher's IPC channel (bin/simdnet.js), when there is one: 'message' events come from it. */
  send?: (message: unknown) => void;
}

export interface SignalOptions {
  /** Milliseconds without progress() after the first signal before exiting anyway (default 5000). */
  graceMs?: number;
  /** How to exit at once (default: re-raise the signal, see above). */
  exit?: (signal: Sig, code: number) => void;
  /** Default: the process. */
  source?: SignalSource;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type Sig = (typeof SIGNALS)[number];
/** A real signal and a launcher's message of the same kind this close together are one event. */
const SAME_EVENT_MS = 1000;

export function installSignals(options: SignalOptions = {}): RunSignals {
  const graceMs = options.graceMs ?? 5000;
  const exit = options.exit ?? dieBy;
  const source = options.source ?? processSource();
  const controller = new AbortController();
  let exitCode: number | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  // Unpaired events, per kind: when the last real signal and the last launcher message came.
  const lastReal: Partial<Record<Sig, number>> = {};
  const lastForwarded: Partial<Record<Sig, number>> = {};

  const say = (line: string) => {
    try {
      writeSync(2, `${process.stderr.isTTY ? '\x1b[?25h\n' : ''}simdnet: ${line}\n`); // the progress bar hides the cursor
    } catch {
      // stderr closed: nothing to tell
    }
  };
  const exitNow = (sig: Sig, code: number, why: string) => {
    say(why);
    run.dispose();
    exit(sig, code);
  };
  const received = (sig: Sig) => {
    const code = 128 + constants.signals[sig];
    if (exitCode !== undefined) return exitNow(sig, code, `${sig} again: exiting now`);
    exitCode = code;
    if (!run.graceful) return exitNow(sig, code, `${sig}: exiting`);
    say(`${sig}: stopping cleanly (again to exit at once)`);
    watchdog = setTimeout(() => exitNow(sig, code, `no progress ${graceMs / 1000} s after ${sig}: exiting now`), graceMs);
    watchdog.unref();
    controller.abort();
  };
  const pairs = (own: typeof lastReal, other: typeof lastForwarded, sig: Sig) => {
    const now = Date.now();
    if (other[sig] !== undefined && now - other[sig]! < SAME_EVENT_MS) {
      other[sig] = undefined; // the other half of one event
      return;
    }
    own[sig] = now;
    received(sig);
  };
  const onSignal = (sig: Sig) => pairs(lastReal, lastForwarded, sig);
  const onMessage = (m: unknown) => {
    const sig = (m as { simdnet?: string; signal?: string } | null)?.simdnet === 'signal' ? (m as { signal: string }).signal : undefined;
    if (sig === 'SIGINT' || sig === 'SIGTERM') pairs(lastForwarded, lastReal, sig);
  };

  for (const sig of SIGNALS) source.on(sig, onSignal);
  if (source.send) {
    source.on('message', onMessage);
    source.send({ simdnet: 'ready' });
  }

  const run: RunSignals = {
    signal: controller.signal,
    get exitCode() { return exitCode; },
    graceful: false,
    progress() {
      watchdog?.refresh();
    },
    async check(what: string) {
      await new Promise((resolve) => setImmediate(resolve)); // after the poll phase, where signals arrive
      if (exitCode !== undefined) throw new Interrupted(exitCode, `interrupted ${what}`);
    },
    dispose() {
      clearTimeout(watchdog);
      for (const sig of SIGNALS) source.off(sig, onSignal);
      if (source.send) source.off('message', onMessage);
    },
  };
  return run;
}

/** The process, with the launcher's channel when bin/simdnet.js started this process (SIMDNET_LAUNCHED). */
function processSource(): SignalSource {
  const launched = process.env.SIMDNET_LAUNCHED === '1' && typeof process.send === 'function';
  return {
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
    // A callback takes a send error (the launcher just died: bin/simdnet.js exits on the disconnect).
    send: launched ? (message) => { if (process.connected) process.send!(message, undefined, {}, () => undefined); } : undefined,
  };
}

/** Ends the process as killed by `sig`: with no listener left, the signal's default action (terminate) applies. */
function dieBy(sig: Sig, code: number): void {
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  process.exit(code); // someone else handles or ignores the signal
}
