import type * as tf from '@tensorflow/tfjs-core';
import { groupCount, groupSlot, stageGroupsFromRanks, stageWeights } from '../kernels/pcd-attrs';
import { hasFusedPcd, pcdFused } from '../kernels/pcd';
import { logitPairShape } from './logits';
import { pcdLossReference } from './pcd-reference';
import { PCD_DEFAULTS, type PcdOptions } from './methods';
import { resolvePcdOptions } from './pcd-options';

export { PCD_DEFAULTS, groupCount, groupSlot, resolvePcdOptions, stageWeights };
export type { PcdOptions };

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
export function pcdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, options: Partial<PcdOptions> = {}): PcdResult {
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
