import * as tf from '@tensorflow/tfjs-core';
import {
  DistillInputError,
  requireBoolean,
  requireFiniteNonNegative,
  requireFinitePositive,
  requireIntegerInRange,
} from './errors';
import { logitPairShape, standardizeLogits } from './logits';

/** Every option of PCD in pcd-spec.md. */
export interface PcdOptions {
  /** Number of stages S, an integer in 1…C. Stage k cuts the ranked classes into k groups. */
  stages: number;
  /** τ > 0. */
  temperature: number;
  /** Weight α of the PCD term, ≥ 0. The returned `loss` is already multiplied by it. */
  alpha: number;
  /** Adaptive weight λ = 1 − cos(p, q) per group; `false` sets λ = 1 (ablation). */
  adaptive: boolean;
  /** Logit-difference ranking; `false` keeps class-index order (ablation). */
  ranking: boolean;
  /** Fine-to-coarse pass (stages S … 1). */
  fineToCoarse: boolean;
  /** Coarse-to-fine pass (stages 1 … S). */
  coarseToFine: boolean;
  /** Standardize both logit rows before the loss (Sun et al. 2024). */
  standardizeLogits: boolean;
  /**
   * Scheduled mode (spec §5): train with one stage only, `loss = α · 2 · L_k`. `null` is
   * the paper's per-step loss over all stages and both passes.
   */
  activeStage: number | null;
}

export const PCD_DEFAULTS: PcdOptions = {
  stages: 3,
  temperature: 4,
  alpha: 1,
  adaptive: true,
  ranking: true,
  fineToCoarse: true,
  coarseToFine: true,
  standardizeLogits: false,
  activeStage: null,
};

/** Merges options with the defaults and validates them against a problem with `classes` classes. */
export function resolvePcdOptions(options: Partial<PcdOptions>, classes: number): PcdOptions {
  const resolved = { ...PCD_DEFAULTS, ...options };
  requireIntegerInRange('stages', resolved.stages, 1, classes);
  requireFinitePositive('temperature', resolved.temperature);
  requireFiniteNonNegative('alpha', resolved.alpha);
  for (const flag of ['adaptive', 'ranking', 'fineToCoarse', 'coarseToFine', 'standardizeLogits'] as const) {
    requireBoolean(flag, resolved[flag]);
  }
  if (resolved.activeStage === null) {
    if (!resolved.fineToCoarse && !resolved.coarseToFine) {
      throw new DistillInputError(
        'fineToCoarse/coarseToFine',
        'false/false',
        'at least one pass switched on (with both off the PCD loss is identically 0)',
      );
    }
  } else {
    requireIntegerInRange('activeStage', resolved.activeStage, 1, resolved.stages);
  }
  return resolved;
}

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

/** What one PCD evaluation returns: the loss and, from the same pass, the chart diagnostics. */
export interface PcdResult {
  /** The training term: `α · L_PCD`, or `α · 2 · L_k` in scheduled mode. */
  loss: tf.Scalar;
  /** `[S]`: the bare `L_k` of every stage k = 1 … S (batch means, no α, no pass count). */
  stageLosses: tf.Tensor1D;
  /** `[B, C]` int32: rank of each class by logit gap, 0 = largest gap. */
  ranks: tf.Tensor2D;
  /** `[B, S, C]` int32: the group of every class at every stage. */
  stageGroups: tf.Tensor3D;
  /** `[B, G]`: weighted group loss `D_G` per sample, slots as in {@link groupSlot}. */
  groupLosses: tf.Tensor2D;
  /** `[B, G]`: the adaptive weight λ_G of every group (all ones when `adaptive` is off). */
  lambdas: tf.Tensor2D;
}

/** Members are masked with this offset, far below any softened logit (spec §3). */
const NON_MEMBER_OFFSET = -1e9;

/**
 * Logit-difference ranking (spec §1) and group membership (spec §2) for all stages, in
 * one `[B, 1 + G + S, C]` tensor: row 0 the ranks, rows 1…G the 0/1 membership of each
 * group, the last S rows the group index of each class per stage.
 *
 * Wrapped in `customGrad` with a zero gradient because TF.js has neither a gradient for
 * the comparisons nor a `stopGradient`; ops inside a custom gradient's forward pass are
 * not taped. Ranks are counted, not sorted: rank(c) = #{j : g_j > g_c} + #{j < c : g_j = g_c},
 * one `[B, C, C]` comparison, which gives the spec's tie order on every backend.
 */
function rankingAndGroups(stages: number, ranking: boolean) {
  return tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [studentLogits, teacherLogits] = inputs as [tf.Tensor2D, tf.Tensor2D];
    const value = tf.tidy(() => {
      const [batch, classes] = studentLogits.shape;
      const classIndex = tf.range(0, classes, 1, 'float32');
      let ranks: tf.Tensor2D;
      if (ranking) {
        const gap = tf.abs(tf.sub(teacherLogits, studentLogits));
        const gapOfClass = tf.expandDims(gap, 2); // [B, C, 1]: g_c
        const gapOfOther = tf.expandDims(gap, 1); // [B, 1, C]: g_j
        const otherIsLower = tf.less(tf.reshape(classIndex, [1, classes]), tf.reshape(classIndex, [classes, 1]));
        const ahead = tf.logicalOr(
          tf.greater(gapOfOther, gapOfClass),
          tf.logicalAnd(tf.greaterEqual(gapOfOther, gapOfClass), otherIsLower),
        );
        ranks = tf.sum(tf.cast(ahead, 'float32'), 2);
      } else {
        ranks = tf.tile(tf.reshape(classIndex, [1, classes]), [batch, 1]);
      }
      // group_k(rank) = floor(rank·k / C); the +0.5 keeps the floor exact even where a
      // GPU divides approximately (rank·k and C are small integers).
      const groupOfRank = (stageOf: tf.Tensor) =>
        tf.floor(tf.div(tf.add(tf.mul(tf.expandDims(ranks, 1), stageOf), 0.5), classes));
      const slotStage: number[] = [];
      const slotGroup: number[] = [];
      for (let k = 1; k <= stages; k++) {
        for (let g = 0; g < k; g++) {
          slotStage.push(k);
          slotGroup.push(g);
        }
      }
      const membership = tf.cast(
        tf.equal(groupOfRank(tf.tensor3d(slotStage, [1, slotStage.length, 1])), tf.tensor3d(slotGroup, [1, slotGroup.length, 1])),
        'float32',
      );
      const stageIndex = tf.reshape(tf.range(1, stages + 1, 1, 'float32'), [1, stages, 1]);
      return tf.concat([tf.expandDims(ranks, 1), membership, groupOfRank(stageIndex)], 1);
    });
    return {
      value,
      gradFunc: () => [tf.zerosLike(studentLogits), tf.zerosLike(teacherLogits)],
    };
  });
}

/**
 * Progressive Class-level Distillation (pcd-spec.md §1–§5): all groups of all stages are
 * one batched `[B, G, C]` computation; the two passes hold the same partitions, so the
 * stage losses are computed once and counted once per pass that is on.
 */
export function pcdLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  options: Partial<PcdOptions> = {},
): PcdResult {
  const { batch, classes } = logitPairShape(studentLogits, teacherLogits);
  const opts = resolvePcdOptions(options, classes);
  const { stages, temperature } = opts;
  const groups = groupCount(stages);
  return tf.tidy(() => {
    const zs = opts.standardizeLogits ? standardizeLogits(studentLogits) : studentLogits;
    const zt = opts.standardizeLogits ? standardizeLogits(teacherLogits) : teacherLogits;

    const packed = rankingAndGroups(stages, opts.ranking)(zs, zt);
    const ranks = tf.reshape(tf.slice(packed, [0, 0, 0], [batch, 1, classes]), [batch, classes]);
    const membership = tf.slice(packed, [0, 1, 0], [batch, groups, classes]);
    const stageGroups = tf.slice(packed, [0, 1 + groups, 0], [batch, stages, classes]);

    // softmax_τ restricted to each group: non-members pushed to −1e9 get probability 0.
    const offset = tf.mul(tf.sub(1, membership), NON_MEMBER_OFFSET);
    const groupLogProbs = (logits: tf.Tensor2D) =>
      tf.logSoftmax(tf.add(tf.expandDims(tf.div(logits, temperature), 1), offset));
    const teacherLogProbs = groupLogProbs(zt);
    const studentLogProbs = groupLogProbs(zs);
    const teacherProbs = tf.exp(teacherLogProbs);
    const kl = tf.sum(tf.mul(teacherProbs, tf.sub(teacherLogProbs, studentLogProbs)), 2); // [B, G]

    let lambdas: tf.Tensor2D;
    if (opts.adaptive) {
      const studentProbs = tf.exp(studentLogProbs);
      const norm = (probs: tf.Tensor) => tf.sqrt(tf.sum(tf.square(probs), 2));
      const cosine = tf.div(tf.sum(tf.mul(teacherProbs, studentProbs), 2), tf.mul(norm(teacherProbs), norm(studentProbs)));
      lambdas = tf.sub(1, cosine);
    } else {
      lambdas = tf.ones([batch, groups]);
    }
    const groupLosses = tf.mul(tf.mul(lambdas, kl), temperature * temperature) as tf.Tensor2D;

    // L_k: batch mean of the per-sample sum over stage k's groups, via a [G, S] indicator.
    const slotToStage = new Float32Array(groups * stages);
    for (let k = 1; k <= stages; k++) {
      for (let g = 0; g < k; g++) slotToStage[groupSlot(k, g) * stages + (k - 1)] = 1;
    }
    const stageLosses = tf.reshape(
      tf.matMul(tf.mean(groupLosses, 0, true), tf.tensor2d(slotToStage, [groups, stages])),
      [stages],
    ) as tf.Tensor1D;

    const bare =
      opts.activeStage === null
        ? tf.mul(tf.sum(stageLosses), Number(opts.fineToCoarse) + Number(opts.coarseToFine))
        : tf.mul(tf.reshape(tf.slice(stageLosses, [opts.activeStage - 1], [1]), []), 2);

    return {
      loss: tf.mul(bare, opts.alpha) as tf.Scalar,
      stageLosses,
      ranks: tf.cast(ranks, 'int32') as tf.Tensor2D,
      stageGroups: tf.cast(stageGroups, 'int32') as tf.Tensor3D,
      groupLosses,
      lambdas,
    };
  });
}
