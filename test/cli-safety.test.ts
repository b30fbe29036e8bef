// Issue 22, items 6 and 7: signals obeyed in every phase, no orphaned CLI process, output paths
// checked before any work, stale temporary files removed, damaged checkpoints and seeds refused.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir, constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installSignals } from '../src/cli/signals';
import { loadCheckpoint } from '../src/cli/checkpoint';
import { atomicWrite } from '../src/io/atomic-node';
import { CheckpointError } from '../src/errors';

const BIN = fileURLToPath(new URL('../bin/simdnet.js', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `simdnet-${name}-`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** In-process: no launcher, one process to signal (bin/simdnet.js runs the CLI itself). */
const IN_PROCESS = { SIMDNET_NO_RELAXED: '1' };

/** Starts the CLI; `stderr()` is what it printed so far, `exited` its exit status. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  // 'close', not 'exit': after the last of stderr is read. A process killed by a signal: 128 + its number, as a shell says.
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? 128 + constants.signals[signal!])));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A process that runs (zombies, killed and not yet reaped, do not count). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The launcher's child (the CLI proper): /proc/<pid>/task/<pid>/children. */
function childOf(p: ChildProcess): number | undefined {
  try {
    return Number(readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
}

describe('signals (src/cli/signals.ts)', () => {
  const setup = (graceMs = 5000) => {
    const source = new EventEmitter();
    const exits: number[] = [];
    const signals = installSignals({ graceMs, exit: (_sig, c) => { exits.push(c); }, source });
    return { source, exits, signals, emit: (sig: string) => source.emit(sig, sig) };
  };

  it('before a run is graceful (loading, evaluate, predict), a first signal exits at once: 143 for SIGTERM, 130 for SIGINT', () => {
    const a = setup();
    a.emit('SIGTERM');
    expect(a.exits).toEqual([143]);
    a.signals.dispose();
    const b = setup();
    b.emit('SIGINT');
    expect(b.exits).toEqual([130]);
    b.signals.dispose();
  });

  it('while graceful, the first signal aborts the run; a second exits at once', async () => {
    const { exits, signals, emit } = setup();
    signals.graceful = true;
    emit('SIGINT');
    expect(signals.signal.aborted).toBe(true);
    expect(signals.exitCode).toBe(130);
    expect(exits).toEqual([]);
    await expect(signals.check('after training')).rejects.toThrow(/interrupted after training/);
    emit('SIGTERM');
    expect(exits).toEqual([143]);
    signals.dispose();
  });

  it('after the first signal, 5 s (here 150 ms) without progress() exit at once; progress() holds it off', async () => {
    const { exits, signals, emit } = setup(150);
    signals.graceful = true;
    emit('SIGTERM');
    for (let i = 0; i < 6; i++) {
      await sleep(50);
      signals.progress();
    }
    expect(exits).toEqual([]);
    await sleep(300);
    expect(exits).toEqual([143]);
    signals.dispose();
  });

  it('a launcher message and a real signal of the same kind are one event (a Ctrl-C reaches both processes); a message alone counts', () => {
    const source = Object.assign(new EventEmitter(), { sent: [] as unknown[], send(m: unknown) { this.sent.push(m); } });
    const exits: number[] = [];
    const signals = installSignals({ exit: (_sig, c) => { exits.push(c); }, source });
    expect(source.sent).toEqual([{ simdnet: 'ready' }]);
    signals.graceful = true;
    source.emit('SIGINT', 'SIGINT');
    source.emit('message', { simdnet: 'signal', signal: 'SIGINT' });
    expect(signals.signal.aborted).toBe(true);
    expect(exits).toEqual([]); // one Ctrl-C, not two
    source.emit('message', { simdnet: 'signal', signal: 'SIGINT' });
    expect(exits).toEqual([130]); // a second one, from the launcher
    signals.dispose();
    expect(source.listenerCount('message') + source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('output paths are checked before any data is loaded', () => {
  const dir = tmp('targets');
  writeFileSync(join(dir, 'afile'), 'x');
  mkdirSync(join(dir, 'adir'));
  it.each([
    [['--save', join(dir, 'missing', 'm.simdnet')], /--save .*missing\/m\.simdnet: the directory .*missing does not exist/],
    [['--save', join(dir, 'adir')], /--save .*adir: is a directory; give a file name/],
    [['--save', join(dir, 'afile', 'm.simdnet')], /--save .*afile\/m\.simdnet: .*afile is a file, not a directory/],
    [['--save', '/dev/null'], /--save \/dev\/null: is not a regular file/],
    [['--save', '/sys/m.simdnet'], /--save \/sys\/m\.simdnet: cannot create files in \/sys/],
    [['--out', '/proc/simdnet-out'], /--out \/proc\/simdnet-out: cannot create files in \/proc/],
    [['--out', join(dir, 'afile')], /--out .*afile: is a file, not a directory/],
    [['--checkpoint', join(dir, 'afile', 'x', 'y')], /--checkpoint .*afile\/x\/y: .*afile is a file, not a directory/],
    [['--checkpoint', '/proc/x/y'], /--checkpoint \/proc\/x\/y: cannot create files in \/proc/],
    [['--model', 'eurnn', '--out', '/proc/x'], /--out \/proc\/x: cannot create files in \/proc/],
  ])('%j is refused at once, exit code 2', (flags, message) => {
    const started = performance.now();
    const r = run(['train', '--limit', '20000', ...flags]);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1); // no "data: …" line: nothing was loaded
  });

  it('--out and --checkpoint directories that do not exist yet are fine (created with their parents)', () => {
    const r = run(['train', '--limit', '200', '--epochs', '1', '--layers', '10', '--out', join(dir, 'new', 'deep', 'out'), '--checkpoint', join(dir, 'new', 'ck'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'new', 'deep', 'out'))).toContain('report.html');
    expect(readdirSync(join(dir, 'new'))).toEqual(['deep']); // no probe files, no checkpoint directory before a stop
  });
});

describe('temporary files', () => {
  it('a save removes the temporary files a killed save to the same path left, and keeps a live process\'s', async () => {
    const dir = tmp('stale');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid runs no process now
    const stale = [`.m.simdnet.simdnet.tmp-${dead}-abc123`, `.m.simdnet.tmp-${dead}-x9`]; // this version's name, and 0.1's
    const kept = [`.m.simdnet.simdnet.tmp-${process.pid}-live`, `.other.simdnet.tmp-${dead}-abc`];
    for (const f of [...stale, ...kept]) writeFileSync(join(dir, f), 'partial');
    await atomicWrite(join(dir, 'm.simdnet'), 'whole');
    expect(readdirSync(dir).sort()).toEqual([...kept, 'm.simdnet'].sort());
    expect(readFileSync(join(dir, 'm.simdnet'), 'utf8')).toBe('whole');
  });
});

describe('--seed and damaged checkpoints', () => {
  it.each(['4294967296', '-1', '1.5', '', '1e20'])('--seed %j is refused with exit code 2', (seed) => {
    const r = run(['train', `--seed=${seed}`, '--epochs', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`simdnet train: --seed must be an integer in 0…4294967295, got '${seed}'`);
  });

  it('--seed 4294967295 is accepted', () => {
    const r = run(['train', '--seed', '4294967295', '--limit', '100', '--epochs', '1', '--layers', '10', '--json']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('a damaged checkpoint is a CheckpointError saying which field is wrong', async () => {
    const dir = tmp('bad-ckpt');
    const write = (body: unknown) => writeFileSync(join(dir, 'checkpoint.json'), typeof body === 'string' ? body : JSON.stringify(body));
    const config = { dataset: 'mnist', layers: '10', init: 'he', epochs: 2, batchSize: 64, optimizer: 'adam', schedule: 'cosine', seed: 1, backend: 'js', limit: 100 };
    const state = { epoch: 1, batch: 0, weights: 'AAAAAA==', optimizer: { t: 0, state: [] }, rng: [1, 2, 3, 4], order: '', lossSum: 0, correct: 0, seconds: 0, epochs: [] };
    write({ format: 'simdnet-checkpoint', version: 1, config, state: { ...state, weights: undefined } });
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/is damaged: state\.weights must be base64 of float32 values, got nothing/);
    write({ format: 'simdnet-checkpoint', version: 1, config: { ...config, seed: 2 ** 32 }, state });
    await expect(loadCheckpoint(dir)).rejects.toThrow(/config\.seed must be an integer in 0…4294967295/);
    write({ format: 'simdnet-checkpoint', version: 1, config, state: { ...state, order: Buffer.from(new Int32Array([0, 0]).buffer).toString('base64') } });
    await expect(loadCheckpoint(dir)).rejects.toThrow(/state\.order must be a permutation of 0…1/);
    write('{"format":"simdnet-checkpoint","vers');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/is not valid JSON/);
    // Through the CLI: one line, exit 1, before any data is loaded; a state that does not fit the rebuilt network too.
    write({ format: 'simdnet-checkpoint', version: 1, config, state: { ...state, optimizer: { t: 0, state: ['AAAAAA==', 'AAAAAA=='] } } });
    const r = run(['train', '--resume', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^simdnet train: --resume: .*checkpoint\.json does not fit the run its configuration describes: 1 weights where the network has \d+/);
    write({ format: 'simdnet-checkpoint', version: 1, config, state: { ...state, rng: 'x' } });
    const s = run(['train', '--resume', dir]);
    expect(s.status).toBe(1);
    expect(s.stderr.trim()).toMatch(/^simdnet train: --resume: .*is damaged: state\.rng must be a list of 4 integers in 0…4294967295, got "x"$/);
  });
});

describe('signals in every phase of simdnet train', () => {
  const TRAIN = ['train', '--limit', '20000', '--epochs', '50'];

  it('SIGTERM while the data loads (from FIFOs that never deliver), or as the process starts: exit 143 at once', async () => {
    const dir = tmp('fifo-data');
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      expect(spawnSync('mkfifo', [join(dir, f)]).status).toBe(0);
    }
    for (const env of [{}, IN_PROCESS]) {
      const p = start(['train', '--dataset', dir, '--save', join(dir, 'm.simdnet')], env);
      await sleep(1500); // blocked opening the first file
      const sent = performance.now();
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(143);
      expect(performance.now() - sent).toBeLessThan(1000);
      expect(p.stderr()).toBe('simdnet: SIGTERM: exiting\n');
      // At once after the start: no handler yet (the default ends the process), or just installed.
      const q = start(TRAIN, env);
      await sleep(60);
      q.child.kill('SIGTERM');
      expect(await q.exited).toBe(143);
      expect(q.stderr()).not.toMatch(/^data:/m);
    }
  });

  it('SIGINT during training with --checkpoint: exit 130, the run saved and resumable; SIGTERM to the launcher: 143', async () => {
    const dir = tmp('sig-ckpt');
    const args = ['train', '--limit', '20000', '--epochs', '8', '--layers', '64:relu,10', '--json'];
    const p = start([...args, '--checkpoint', join(dir, 'ck')]);
    await until('epoch 1', () => p.stdout().includes('"epoch":1,'));
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(p.stderr()).toMatch(/SIGINT: stopping cleanly/);
    expect(readdirSync(join(dir, 'ck'))).toEqual(['checkpoint.json']);
    const resumed = run(['train', '--resume', join(dir, 'ck'), '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').pop()!)).toMatchObject({ event: 'done', epochs: 8 });

    const q = start([...args, '--checkpoint', join(dir, 'ck2')]);
    await until('epoch 1', () => q.stdout().includes('"epoch":1,'));
    q.child.kill('SIGTERM');
    expect(await q.exited).toBe(143);
    expect(existsSync(join(dir, 'ck2', 'checkpoint.json'))).toBe(true);
  });

  it('a second signal exits at once, without waiting for the clean stop', async () => {
    // EURNN steps are long (~0.3 s, synchronous), and a stop writes the --out report: both signals land before the stop ends.
    const dir = tmp('sig-twice');
    const p = start(['train', '--model', 'eurnn', '--limit', '1000', '--steps', '200', '--eval-every', '100', '--eval-limit', '100', '--out', join(dir, 'out')], IN_PROCESS);
    await until('training', () => /^data:/m.test(p.stderr()));
    await sleep(500);
    p.child.kill('SIGINT');
    await sleep(50);
    const second = performance.now();
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(performance.now() - second).toBeLessThan(1500);
    expect(p.stderr()).toMatch(/SIGINT: stopping cleanly[^]*SIGINT again: exiting now/);
  });

  it('SIGTERM during the final evaluation: the model is not saved, exit 143', async () => {
    const dir = tmp('sig-late');
    const p = start(['train', '--epochs', '1', '--limit', '20000', '--layers', '512:relu,512:relu,10', '--save', join(dir, 'm.simdnet')], IN_PROCESS);
    await until('epoch 1/1', () => p.stderr().includes('epoch 1/1'));
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(143);
    expect(p.stderr()).toMatch(/interrupted after training; the model was not saved/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['train (mlp)', ['--limit', '20000', '--epochs', '50']],
    ['train --model eurnn', ['--model', 'eurnn', '--limit', '2000', '--steps', '5000', '--hidden', '64', '--eval-every', '10000']],
  ])('%s: SIGKILL to the launcher leaves no process and no model (3 trials)', async (_name, flags) => {
    const dir = tmp('orphan');
    for (let trial = 0; trial < 3; trial++) {
      const model = join(dir, `m${trial}.simdnet`);
      const p = start(['train', ...flags, '--save', model]);
      await until('training', () => /^data:/m.test(p.stderr()));
      await sleep(300);
      const cli = childOf(p.child); // Node ≥ 22: none, the launcher runs the CLI itself
      if (NODE_MAJOR < 22) expect(cli, 'the launcher re-runs Node with --experimental-wasm-relaxed-simd').toBeDefined();
      p.child.kill('SIGKILL');
      await p.exited;
      if (cli) await until(`process ${cli} to end`, () => !running(cli), 5000);
      await sleep(200);
      expect(readdirSync(dir).filter((f) => f.startsWith(`m${trial}`) || f.includes(`.m${trial}.`))).toEqual([]);
    }
  });
});
