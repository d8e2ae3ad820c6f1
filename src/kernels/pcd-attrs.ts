// What the fused PCD kernel needs to know, shared by its three implementations (plain loops
// for the CPU and WASM backends, WGSL for WebGPU, GLSL for WebGL). No TF.js here.

/** The registered kernel's name (`tf.registerKernel`, one registration per backend). */
export const PCD_KERNEL = 'PcdDistillFused';

/**
 * The options of one fused PCD evaluation, already validated (`resolvePcdOptions`). The
 * passes and the scheduled stage are folded into `stageWeights`: the loss is
 * `α · Σ_k stageWeights[k−1] · L_k`, so the paper's joint loss has every weight equal to the
 * number of passes switched on, and a scheduled stage k has 2 at k and 0 elsewhere.
 */
export interface PcdKernelAttrs {
  stages: number;
  temperature: number;
  alpha: number;
  adaptive: boolean;
  ranking: boolean;
  standardize: boolean;
  stageWeights: number[];
  /** False: the kernel returns only the loss, the stage losses and the gradient (KD's use, and any caller that charts nothing). */
  diagnostics: boolean;
}

/** The kernel's outputs, in this order, on every backend (the first three only without diagnostics). */
export const PCD_OUTPUTS = ['loss', 'stageLosses', 'grad', 'ranks', 'groupLosses', 'lambdas'] as const;

/** Number of groups over all stages, `S(S+1)/2`. */
export function groupCount(stages: number): number {
  return (stages * (stages + 1)) / 2;
}

/**
 * Position of group `group` (0-based) of stage `stage` (1-based) in the `[B, G]` group
 * diagnostics: stage 1's single group first, then stage 2's two, and so on.
 */
export function groupSlot(stage: number, group: number): number {
  return (stage * (stage - 1)) / 2 + group;
}

/** The group of rank position `rank` at stage `stage` (spec §2), exact in integer arithmetic. */
export function groupOf(rank: number, stage: number, classes: number): number {
  return Math.floor((rank * stage) / classes);
}

/** First rank position of group `group` at stage `stage`: the least r with ⌊r·k/C⌋ ≥ g, i.e. ⌈g·C/k⌉. */
export function groupStart(group: number, stage: number, classes: number): number {
  return Math.ceil((group * classes) / stage);
}

/** `[B, S, C]` group of every class at every stage, from the ranks (the charts' view). */
export function stageGroupsFromRanks(ranks: ArrayLike<number>, batch: number, stages: number, classes: number): Int32Array {
  const out = new Int32Array(batch * stages * classes);
  for (let b = 0; b < batch; b++) {
    for (let k = 1; k <= stages; k++) {
      const row = (b * stages + (k - 1)) * classes;
      for (let c = 0; c < classes; c++) out[row + c] = groupOf(ranks[b * classes + c], k, classes);
    }
  }
  return out;
}

/**
 * The stage weights w_k of `loss = α · Σ_k w_k · L_k` for the given options: the number of
 * passes switched on at every stage, or 2 at a scheduled stage and 0 elsewhere (spec §4–§5).
 */
export function stageWeights(opts: { stages: number; fineToCoarse: boolean; coarseToFine: boolean; activeStage: number | null }): number[] {
  const passes = Number(opts.fineToCoarse) + Number(opts.coarseToFine);
  return Array.from({ length: opts.stages }, (_, i) => (opts.activeStage === null ? passes : i + 1 === opts.activeStage ? 2 : 0));
}
