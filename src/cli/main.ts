// The `simdnet` command. Exit codes (README, "Signals, exit codes and output files"): 0 done;
// 1 the run failed (a bad data or model file, divergence, a missing optional package); 2 a usage
// error (a bad command, flag or value: one line, then nothing has run); 130/143 after SIGINT/SIGTERM
// (./signals.ts). Errors are one line; --debug (or SIMDNET_DEBUG=1) adds the stack trace.
import { train, TRAIN_USAGE } from './train';
import { gradcheck, GRADCHECK_USAGE } from './gradcheck';
import { evaluate, EVALUATE_USAGE } from './evaluate';
import { predict, PREDICT_USAGE } from './predict';
import { exportCommand, importCommand, EXPORT_USAGE, IMPORT_USAGE } from './onnx';
import { bench, BENCH_USAGE } from './bench';
import { UsageError } from './args';
import { installSignals, Interrupted, type RunSignals } from './signals';
import { SimdnetError } from '../errors';
import { readFileSync } from 'node:fs';

const SUMMARY = `usage: simdnet <command> [options]
commands:
  train       train a network on MNIST (or IDX files in a directory)
  evaluate    accuracy and confusion matrix of a saved model
  predict     classify one image with a saved model
  gradcheck   check the backward pass against finite differences
  export      write a saved model as ONNX (opset 13)
  import      read an ONNX model (from PyTorch, …) into a simdnet model file
  bench       training and inference speed on this machine, beside installed peers
'simdnet <command> --help' gives a command's options, 'simdnet --help' all of them;
--version prints the version, --debug adds stack traces to errors.`;

const USAGE = `${SUMMARY}

${TRAIN_USAGE}

${EVALUATE_USAGE}

${PREDICT_USAGE}

${GRADCHECK_USAGE}

${EXPORT_USAGE}

${IMPORT_USAGE}

${BENCH_USAGE}`;

const COMMANDS: Record<string, (argv: string[], signals: RunSignals) => Promise<number>> = { train, evaluate, predict, gradcheck, export: exportCommand, import: importCommand, bench };

export async function main(args: string[]): Promise<number> {
  const debug = args.includes('--debug') || Boolean(process.env.SIMDNET_DEBUG);
  const argv = args.filter((a) => a !== '--debug');
  const [command, ...rest] = argv;
  if (!command) {
    console.error(SUMMARY); // a usage error: no command
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(packageVersion());
    return 0;
  }
  const run = COMMANDS[command];
  // Before anything is loaded: signals are obeyed in every phase (./signals.ts).
  const signals = installSignals();
  try {
    if (!run) throw new UsageError(`simdnet: unknown command '${command}'; expected ${Object.keys(COMMANDS).join(', ')} (see simdnet --help)`);
    return await run(rest, signals);
  } catch (e) {
    if (debug) console.error(e);
    if (e instanceof Interrupted) {
      console.error(`simdnet ${command}: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof UsageError) {
      console.error(e.message.startsWith('simdnet') ? e.message : `simdnet ${command}: ${e.message}`);
      return 2;
    }
    if (e instanceof SimdnetError) {
      console.error(`simdnet ${command}: ${e.message}`);
      return 1;
    }
    console.error(`simdnet ${command}: unexpected error: ${(e as Error)?.message ?? e}${debug ? '' : ' (--debug shows where)'}`);
    return 1;
  } finally {
    signals.dispose();
  }
}

/** The version in the package.json of the first folder above this file that holds simdnet's (dist/ or src/cli/ alike). */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
      if (pkg.name === 'simdnet') return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    if (dir.pathname === '/') return 'unknown';
  }
}
