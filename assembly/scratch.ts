// Scratch memory handed to the module by the host once (see gemmScratchBytes / setGemmScratch in
// gemm.ts): the GEMM's packed panels, which convForward also uses for its padded weights. Not
// exported to the host (index.ts re-exports only the kernel families).
export let packA: usize = 0;
export let packB: usize = 0;
export let tile: usize = 0;

export function setScratch(a: usize, b: usize, t: usize): void {
  packA = a;
  packB = b;
  tile = t;
}
