// A worker's side of data-parallel training and inference: replicas of networks, built from the
// layout the caller sent (parallel.ts), computing on their share of a batch's rows.
import type { Kernels } from '../kernels/kernels';
import { Heap, HeapRegions } from '../kernels/heap';
import { fail } from '../errors';
import { buildLayers } from './layers/index';
import { LOSSES } from './losses';
import { Replica, METRIC_KINDS } from './replica';
import { OPTIMIZERS, type Optimizer, type OptimizerName } from './optimizers';
import { OP_SETUP, OP_DROP, OP_TRAIN, OP_EVAL, OP_PREDICT, OP_OPTIMIZER, OP_STEP, OP_TRAIN_MODEL, OP_STEP_OWNED, gatherAt, gatherImageRows, type ReplicaSetup, type OptimizerSetup } from './parallel-protocol';
import { sizeOf } from './layer';
import { reduceAndStep } from './parallel-step';
import { failBarrier, modelParallelStep, ownedUpdate, stepOwned, type ModelPlan } from './parallel-model';

/** Hands a replica the regions the caller planned for it, in the same order, checking each size. */
class PlannedRegions extends HeapRegions {
  private next = 0;
  constructor(heap: Heap, private readonly planned: readonly [number, number][]) {
    super(heap, 'replica');
  }
  override alloc(bytes: number, what?: string): number {
    const region = this.planned[this.next++];
    if (!region || region[1] !== bytes) {
      fail('THREAD', `threads: the worker's replica plans ${what ?? 'a region'} of ${bytes} bytes where the caller planned ${region ? `${region[1]} bytes` : 'none'} (a worker script from another build?)`);
    }
    return region[0];
  }
}

function buildReplica(setup: ReplicaSetup, k: Kernels, heap: Heap): Replica {
  const { layers } = buildLayers(setup.input, setup.specs, setup.seed);
  layers.forEach((layer, i) => layer.bind(...setup.binds[i]));
  const replica = new Replica(layers, LOSSES[setup.loss], setup.outputs, k, heap);
  replica.plan(new PlannedRegions(heap, setup.allocations), setup.rows, setup.trainRows);
  return replica;
}

/** The command handler of a worker whose kernels run over `heap`'s memory. */
export function replicaCommands(k: Kernels, heap: Heap): (args: Float64Array, results: Float64Array) => void {
  const replicas = new Map<number, Replica>();
  const setups = new Map<number, ReplicaSetup>();
  const optimizers = new Map<number, Optimizer>();
  const text = (args: Float64Array) => new TextDecoder().decode(heap.u8(args[2], args[3]).slice());
  const replica = (id: number) => replicas.get(id) ?? fail('THREAD', `threads: the worker has no replica ${id}`);
  const modelPlan = (id: number): ModelPlan => setups.get(id)?.model ?? fail('THREAD', `threads: the worker has no model-parallel plan for replica ${id}`);
  /** The share's uint8 images into x first, when the command carries a gather from args[at] on (parallel-protocol). */
  const gather = (args: Float64Array, at: number, id: number, rows: number, x: number) => gatherImageRows(k, rows, sizeOf(setups.get(id)!.input), gatherAt(args, at), x);
  return (args, results) => {
    const [op, id, rows, x, labels, targets, metric] = args;
    switch (op) {
      case OP_SETUP: {
        const setup = JSON.parse(text(args)) as ReplicaSetup;
        replicas.set(id, buildReplica(setup, k, heap));
        setups.set(id, setup);
        break;
      }
      case OP_DROP:
        replicas.delete(id);
        setups.delete(id);
        optimizers.delete(id);
        break;
      case OP_OPTIMIZER: {
        const { name, options } = JSON.parse(text(args)) as OptimizerSetup;
        optimizers.set(id, OPTIMIZERS[name as OptimizerName](options));
        break;
      }
      case OP_STEP: {
        const setup = setups.get(id), optimizer = optimizers.get(id);
        if (!setup || !optimizer) fail('THREAD', `threads: the worker has no replica or optimizer ${id}`);
        const [from, count, t, lr, thread, shares] = args.subarray(2, 8);
        const weights = Array.from(args.subarray(8, 8 + shares));
        const state = Array.from(args.subarray(8 + shares, 8 + shares + optimizer.slots));
        reduceAndStep(k, optimizer, setup.params, setup.gradBlocks, weights, state, from, count, t, lr, thread);
        break;
      }
      case OP_STEP_OWNED: {
        const plan = modelPlan(id), optimizer = optimizers.get(id) ?? fail('THREAD', `threads: the worker has no optimizer ${id}`);
        const [t, lr, thread] = args.subarray(2, 5);
        const state = Array.from(args.subarray(5, 5 + optimizer.slots));
        stepOwned(ownedUpdate(k, optimizer, plan, state, t, lr), heap.views(), plan, thread);
        break;
      }
      case OP_TRAIN_MODEL: {
        try {
          const images = gatherAt(args, 5) ?? fail('THREAD', 'threads: a model-parallel step without images');
          const plan = modelPlan(id), r = replica(id), n = r.outputs;
          const [labelsAt, targetsAt, metricAt] = args.subarray(8, 11);
          let update: ((from: number, count: number) => void) | undefined;
          if (args[11]) {
            const optimizer = optimizers.get(id) ?? fail('THREAD', `threads: the worker has no optimizer ${id}`);
            const [t, lr] = args.subarray(12, 14), state = Array.from(args.subarray(14, 14 + optimizer.slots));
            update = ownedUpdate(k, optimizer, plan, state, t, lr);
          }
          writeSums(results, { loss: 0, correct: 0, sse: 0, sae: 0 }); // a thread with no rows of the loss (a batch smaller than the threads)
          modelParallelStep(k, () => heap.views(), plan, [args[3]], rows, images, (first, count, out) => {
            writeSums(results, r.loss(count, out, labelsAt + first * 4, targetsAt ? targetsAt + first * n * 4 : 0, true, METRIC_KINDS[metricAt]));
            return r.outputGradient;
          }, update);
        } catch (e) {
          // Whatever failed (before the step's own part too: no plan, no optimizer), the other
          // threads must not wait for this one at a barrier.
          failBarrier(heap.views(), args[4]);
          throw e;
        }
        break;
      }
      case OP_TRAIN: {
        const r = replica(id);
        gather(args, 9, id, rows, x);
        // The caller's layer states (a dropout RNG) at the start of the batch, then this share's rows.
        let at = 12;
        for (const layer of r.layers) {
          if (!layer.setState) continue;
          const n = args[at++];
          layer.setState(Array.from(args.subarray(at, (at += n))));
        }
        const out = r.forward(rows, x, 'train', { offset: args[7], total: args[8] });
        writeSums(results, r.loss(rows, out, labels, targets, true, METRIC_KINDS[metric]));
        r.backward(rows);
        break;
      }
      case OP_EVAL: {
        const r = replica(id);
        gather(args, 7, id, rows, x);
        const out = r.forward(rows, x, 'infer');
        writeSums(results, r.loss(rows, out, labels, targets, false, METRIC_KINDS[metric]));
        results[4] = out; // where the outputs are, for the caller's classes (Network.evaluate(ds, { classes: true }))
        break;
      }
      case OP_PREDICT: {
        const r = replica(id), started = performance.now();
        gather(args, 4, id, rows, x);
        results[0] = r.output(rows, r.forward(rows, x, 'infer'));
        results[1] = performance.now() - started; // for the caller's RowBalancer
        break;
      }
      default:
        fail('THREAD', `threads: unknown command ${op}`);
    }
  };
}

function writeSums(results: Float64Array, s: { loss: number; correct: number; sse: number; sae: number }): void {
  results[0] = s.loss; results[1] = s.correct; results[2] = s.sse; results[3] = s.sae;
}
