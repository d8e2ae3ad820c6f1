import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, dkdLoss, kdLoss } from './baselines';
import { requireFiniteNonNegative, DistillInputError } from './errors';
import type { Labels } from './logits';
import type { MethodConfig } from './methods';
import { pcdLoss, type PcdResult } from './pcd';

export { METHOD_DEFAULTS, METHODS, type Method, type MethodConfig, type MethodConfigOf } from './methods';

export interface ObjectiveResult {
  /** The loss to minimise. */
  loss: tf.Scalar;
  /** Each term before its weight, for the charts: `ce` always, plus `kd`, `dkd` or `pcd`. */
  terms: Record<string, tf.Scalar>;
  /** PCD's diagnostics (ranks, groups, group losses, λ, stage losses), from the same pass. */
  pcd?: PcdResult;
}

/**
 * The training loss of each method (docs/spec.md): CE; `w_ce·CE + w_kd·KD`;
 * `w_ce·CE + warm·DKD`; `w_ce·CE + warm·α·L_PCD`, or `w_ce·CE + warm·α·2·L_k` while a
 * schedule trains stage k alone. `warm` is the warm-up factor in [0, 1]. `labels` are the
 * host labels, or their `[B, C]` one-hot tensor when the caller builds it once for several runs.
 */
export function trainingObjective(
  config: MethodConfig,
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D | null,
  labels: Labels | tf.Tensor2D,
  { warm = 1, activeStage = null }: { warm?: number; activeStage?: number | null } = {},
): ObjectiveResult {
  if (!(warm >= 0 && warm <= 1)) throw new DistillInputError('warm', warm, 'a number in [0, 1]');
  const ce = crossEntropyLoss(studentLogits, labels);
  if (config.method === 'ce') return { loss: tf.clone(ce), terms: { ce } };
  if (!teacherLogits) {
    ce.dispose();
    throw new DistillInputError('teacherLogits', null, `teacher logits for method ${config.method}`);
  }
  requireFiniteNonNegative('ceWeight', config.ceWeight);
  const weighted = (term: tf.Scalar, weight: number) => tf.tidy(() => tf.add(tf.mul(ce, config.ceWeight), tf.mul(term, weight)) as tf.Scalar);
  try {
    switch (config.method) {
      case 'kd': {
        requireFiniteNonNegative('kdWeight', config.kdWeight);
        const kd = kdLoss(studentLogits, teacherLogits, config);
        return { loss: weighted(kd, config.kdWeight), terms: { ce, kd } };
      }
      case 'dkd': {
        const dkd = dkdLoss(studentLogits, teacherLogits, labels, config);
        return { loss: weighted(dkd, warm), terms: { ce, dkd } };
      }
      case 'pcd': {
        const pcd = pcdLoss(studentLogits, teacherLogits, { ...config, activeStage });
        // pcd.loss already carries α (and the ×2 of a single scheduled stage).
        return { loss: weighted(pcd.loss, warm), terms: { ce, pcd: pcd.loss }, pcd };
      }
    }
  } catch (error) {
    ce.dispose();
    throw error;
  }
}
