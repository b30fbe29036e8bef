#!/usr/bin/env node
// Starts the CLI. On Node < 22, relaxed SIMD (FMA) needs --experimental-wasm-relaxed-simd: the
// library never sets engine flags, so this launcher re-runs Node with the flag (once) instead.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FLAG = '--experimental-wasm-relaxed-simd';
const major = Number(process.versions.node.split('.')[0]);
if (major < 22 && !process.execArgv.includes(FLAG) && !process.env.SIMDNET_NO_RELAXED) {
  const child = spawn(process.execPath, [...process.execArgv, FLAG, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child too (same process group); the parent just waits for it.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
} else {
  import('../dist/cli.js')
    .then(({ main }) => main(process.argv.slice(2)))
    .then((code) => { process.exitCode = code; });
}
