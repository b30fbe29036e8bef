#!/usr/bin/env node
// Starts the CLI. On Node < 22, relaxed SIMD (FMA) needs --experimental-wasm-relaxed-simd: the
// library never sets engine flags, so this launcher re-runs Node with the flag (once) instead.
//
// The launcher and its child (the CLI) share an IPC channel, so that the child never outlives it:
// - the child exits at once when the channel closes, i.e. when the launcher is gone, however it
//   died (SIGKILL included): nobody is left to stop it or to read its result;
// - SIGINT/SIGTERM sent to the launcher reach the child as a message {simdnet:'signal'} once the CLI
//   has said {simdnet:'ready'} (its handlers are in place; src/cli/signals.ts counts a message and
//   a real signal of the same kind as one event: a terminal's Ctrl-C reaches both processes), and
//   as the signal itself before that (the child has nothing to clean up yet);
// - a second signal to the launcher kills the child and exits at once with 128 + the signal.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:os';

const FLAG = '--experimental-wasm-relaxed-simd';
const major = Number(process.versions.node.split('.')[0]);
if (major < 22 && !process.execArgv.includes(FLAG) && !process.env.SIMDNET_NO_RELAXED) {
  const child = spawn(process.execPath, [...process.execArgv, FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, SIMDNET_LAUNCHED: '1' },
  });
  let ready = false;
  let signals = 0;
  child.on('message', (m) => { if (m?.simdnet === 'ready') ready = true; });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      if (++signals > 1) {
        child.kill('SIGKILL');
        process.exit(128 + constants.signals[sig]);
      }
      if (ready && child.connected) child.send({ simdnet: 'signal', signal: sig }, (err) => { if (err) child.kill(sig); });
      else child.kill(sig);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
} else {
  const launched = process.env.SIMDNET_LAUNCHED === '1' && typeof process.send === 'function';
  // Ends at once: a hang-up, then a kill if SIGHUP is ignored (nohup). Not process.exit, which
  // waits for libuv's threads, and one may be blocked in a system call for good.
  const launcherGone = () => {
    try {
      writeSync(2, 'simdnet: the launching process is gone; exiting\n');
    } catch {
      // no stderr left either
    }
    process.kill(process.pid, 'SIGHUP');
    process.kill(process.pid, 'SIGKILL');
  };
  if (launched) {
    process.on('disconnect', launcherGone);
    if (!process.connected) launcherGone(); // closed before this module ran
  }
  import('../dist/cli.js')
    .then(({ main }) => main(process.argv.slice(2)))
    .then((code) => {
      process.exitCode = code;
      if (launched) {
        process.off('disconnect', launcherGone);
        if (process.connected) process.disconnect(); // the channel would keep this process alive
      }
    });
}
