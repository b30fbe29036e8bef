// The `simdnet` command. Usage errors print one line and exit 2; library errors (bad files,
// divergence) print their message and exit 1; SIGINT/SIGTERM end with 130/143 (./signals.ts);
// never a stack trace unless SIMDNET_DEBUG is set.
import { train, TRAIN_USAGE } from './train';
import { gradcheck, GRADCHECK_USAGE } from './gradcheck';
import { evaluate, EVALUATE_USAGE } from './evaluate';
import { predict, PREDICT_USAGE } from './predict';
import { bench, BENCH_USAGE } from './bench';
import { UsageError } from './args';
import { installSignals, Interrupted, type RunSignals } from './signals';
import { SimdnetError } from '../errors';

const USAGE = `usage: simdnet <command> [options]
commands:
  train       train a network on MNIST (or IDX files in a directory)
  evaluate    accuracy and confusion matrix of a saved model
  predict     classify one image with a saved model
  gradcheck   check the backward pass against finite differences
  bench       training and inference speed on this machine, beside installed peers
run 'simdnet <command> --help' for its options.

${TRAIN_USAGE}

${EVALUATE_USAGE}

${PREDICT_USAGE}

${GRADCHECK_USAGE}

${BENCH_USAGE}`;

const COMMANDS: Record<string, (argv: string[], signals: RunSignals) => Promise<number>> = { train, evaluate, predict, gradcheck, bench };

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  // Before anything is loaded: signals are obeyed in every phase (./signals.ts).
  const signals = installSignals();
  try {
    if (!run) throw new UsageError(`simdnet: unknown command '${command}'; expected ${Object.keys(COMMANDS).join(', ')} (see simdnet --help)`);
    return await run(rest, signals);
  } catch (e) {
    if (process.env.SIMDNET_DEBUG) console.error(e);
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
    console.error(`simdnet ${command}: unexpected error: ${(e as Error)?.message ?? e}`);
    return 1;
  } finally {
    signals.dispose();
  }
}
