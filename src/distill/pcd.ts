import type * as tf from '@tensorflow/tfjs-core';
import {
  DistillInputError,
  requireBoolean,
  requireFiniteNonNegative,
  requireFinitePositive,
  requireIntegerInRange,
} from './errors';
import { groupCount, groupSlot, stageGroupsFromRanks, stageWeights } from '../kernels/pcd-attrs';
import { hasFusedPcd, pcdFused } from '../kernels/pcd';
import { logitPairShape } from './logits';
import { pcdLossReference } from './pcd-reference';
import { PCD_DEFAULTS } from './methods';

export { PCD_DEFAULTS, groupCount, groupSlot, stageWeights };

/** Every option of PCD in docs/spec.md. */
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

/** What one PCD evaluation returns: the loss and, from the same pass, the chart diagnostics. */
export interface PcdResult {
  /** The training term: `α · L_PCD`, or `α · 2 · L_k` in scheduled mode. */
  loss: tf.Scalar;
  /** `[S]`: the bare `L_k` of every stage k = 1 … S (batch means, no α, no pass count). */
  stageLosses: tf.Tensor1D;
  /** `[B, C]`: rank of each class by logit gap, 0 = largest gap (float32 from the fused kernel). */
  ranks: tf.Tensor2D;
  /** `[B, G]`: weighted group loss `D_G` per sample, slots as in {@link groupSlot}. */
  groupLosses: tf.Tensor2D;
  /** `[B, G]`: the adaptive weight λ_G of every group (all ones when `adaptive` is off). */
  lambdas: tf.Tensor2D;
}

/**
 * Progressive Class-level Distillation (docs/spec.md §1–§5) through the fused kernel of the
 * active backend (src/kernels/): the loss, its gradient and every diagnostic in one op. The
 * two passes hold the same partitions, so every stage's loss is computed once and weighted by
 * the passes that are on. On a backend with no fused kernel, the composed reference.
 */
export function pcdLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  options: Partial<PcdOptions> = {},
): PcdResult {
  const { classes } = logitPairShape(studentLogits, teacherLogits);
  const opts = resolvePcdOptions(options, classes);
  if (!hasFusedPcd()) {
    const { stageGroups, ...result } = pcdLossReference(studentLogits, teacherLogits, opts);
    stageGroups.dispose();
    return result;
  }
  const { loss, stageLosses, diagnostics } = pcdFused(studentLogits, teacherLogits, {
    stages: opts.stages,
    temperature: opts.temperature,
    alpha: opts.alpha,
    adaptive: opts.adaptive,
    ranking: opts.ranking,
    standardize: opts.standardizeLogits,
    stageWeights: stageWeights(opts),
    diagnostics: true,
  });
  return { loss, stageLosses, ...diagnostics! };
}

/** A PCD result's diagnostics as host arrays, with every class's group at every stage `[B, S, C]`. */
export interface PcdDiagnostics {
  ranks: Int32Array;
  stageGroups: Int32Array;
  groupLosses: Float32Array;
  lambdas: Float32Array;
}

/** Reads the diagnostics of a {@link PcdResult} (one read per tensor; the groups follow from the ranks). */
export async function readPcdDiagnostics(result: Pick<PcdResult, 'ranks' | 'groupLosses' | 'lambdas' | 'stageLosses'>): Promise<PcdDiagnostics> {
  const [batch, classes] = result.ranks.shape;
  const [ranks, groupLosses, lambdas] = await Promise.all([result.ranks.data(), result.groupLosses.data(), result.lambdas.data()]);
  const intRanks = Int32Array.from(ranks);
  return {
    ranks: intRanks,
    stageGroups: stageGroupsFromRanks(intRanks, batch, result.stageLosses.shape[0], classes),
    groupLosses: groupLosses as Float32Array,
    lambdas: lambdas as Float32Array,
  };
}
