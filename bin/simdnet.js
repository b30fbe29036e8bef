#!/usr/bin/env node
// Starts the CLI. On Node < 22, relaxed SIMD (FMA) needs --experimental-wasm-relaxed-simd: the
// library never sets engine flags, so this launcher re-runs Node with the flag (once) instead.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { constants } from 'node:os';

const FLAG = '--experimental-wasm-relaxed-simd';
const major = Number(process.versions.node.split('.')[0]);
if (major < 22 && !process.execArgv.includes(FLAG) && !process.env.SIMDNET_NO_RELAXED) {
  const child = spawn(process.execPath, [...process.execArgv, FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Pass SIGINT/SIGTERM on (a terminal's Ctrl-C reaches both; the child stops once either way).
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 1)));
} else {
  import('../dist/cli.js')
    .then(({ main }) => main(process.argv.slice(2)))
    .then((code) => { process.exitCode = code; });
}
