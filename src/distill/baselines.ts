import * as tf from '@tensorflow/tfjs-core';
import { DistillInputError, requireBoolean, requireFiniteNonNegative, requireFinitePositive } from './errors';
import { klFromLogProbs, labelsOneHot, logitPairShape, logitShape, logSoftmaxAt, logSumExpRows, standardizeLogits, type Labels } from './logits';
import { hasFusedPcd, kdFused, kdFusedPerSample } from '../kernels/pcd';
import { dkdFused, hasFusedDkd } from '../kernels/dkd';
import { ceFused, hasFusedCe } from '../kernels/ce';
import { DKD_DEFAULTS, KD_DEFAULTS, type DkdOptions, type KdOptions } from './methods';

export { DKD_DEFAULTS, KD_DEFAULTS };
export type { DkdOptions, KdOptions };

/**
 * The labels as a `[B, C]` one-hot tensor: built from host labels (and disposed by `release`),
 * or one the caller built once for every loss of a step (see `labelsOneHot`), used as it is.
 */
function oneHotOf(labels: Labels | tf.Tensor2D, batch: number, classes: number): { oneHot: tf.Tensor2D; release: () => void } {
  if (labels instanceof tf.Tensor) {
    if (labels.shape[0] !== batch || labels.shape[1] !== classes) {
      throw new DistillInputError('labels.shape', labels.shape, `a one-hot [${batch}, ${classes}] matrix`);
    }
    return { oneHot: labels, release: () => {} };
  }
  const oneHot = labelsOneHot(labels, batch, classes);
  return { oneHot, release: () => oneHot.dispose() };
}

/** Cross-entropy, `mean_b −log softmax(zs)_y` (docs/spec.md, Baselines). */
export function crossEntropyLoss(studentLogits: tf.Tensor2D, labels: Labels | tf.Tensor2D): tf.Scalar {
  return meanOf(crossEntropyPerSample(studentLogits, labels));
}

/** The batch mean of per-sample terms, the terms freed. */
function meanOf(perSample: tf.Tensor1D): tf.Scalar {
  const mean = tf.mean(perSample) as tf.Scalar;
  perSample.dispose();
  return mean;
}

/**
 * Cross-entropy of each sample, `−log softmax(zs_b)_{y_b}`, `[B]` (a stacked race averages it
 * per run), through the fused kernel where the backend has one (CPU, WASM).
 */
export function crossEntropyPerSample(studentLogits: tf.Tensor2D, labels: Labels | tf.Tensor2D): tf.Tensor1D {
  const { batch, classes } = logitShape('studentLogits', studentLogits);
  const { oneHot, release } = oneHotOf(labels, batch, classes);
  try {
    if (hasFusedCe()) return ceFused(studentLogits, oneHot);
    return crossEntropyPerSampleReference(studentLogits, oneHot);
  } finally {
    release();
  }
}

/** Cross-entropy of each sample composed from TF.js ops: the GPU backends' path, and the reference of the fused one. */
export function crossEntropyPerSampleReference(studentLogits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(studentLogits)), 1)) as tf.Tensor1D);
}

export function resolveKdOptions(options: Partial<KdOptions> = {}): KdOptions {
  const resolved = { ...KD_DEFAULTS, ...options };
  requireFinitePositive('temperature', resolved.temperature);
  requireBoolean('standardizeLogits', resolved.standardizeLogits);
  return resolved;
}

/**
 * Hinton KD, `τ² · mean_b KL(softmax_τ(zt) ‖ softmax_τ(zs))` (docs/spec.md, Baselines), through
 * the fused distillation kernel of the active backend (src/kernels/) where it has one.
 */
export function kdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, options: Partial<KdOptions> = {}): tf.Scalar {
  logitPairShape(studentLogits, teacherLogits);
  const { temperature, standardizeLogits: standardize } = resolveKdOptions(options);
  if (hasFusedPcd()) return kdFused(studentLogits, teacherLogits, temperature, standardize);
  return kdLossReference(studentLogits, teacherLogits, temperature, standardize);
}

/** KD composed from TF.js ops: the reference the fused path (`kdFused`) is tested against. */
export function kdLossReference(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number, standardize: boolean): tf.Scalar {
  return meanOf(kdPerSample(studentLogits, teacherLogits, temperature, standardize));
}

/**
 * KD's batch mean (differentiable) and each sample's KD (for per-run reports), through the
 * fused kernel where the backend has one: a stacked race's KD runs, S seeds as S·B rows.
 */
export function kdMeanAndPerSample(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  options: Partial<KdOptions> = {},
): { mean: tf.Scalar; perSample: tf.Tensor1D } {
  logitPairShape(studentLogits, teacherLogits);
  const { temperature, standardizeLogits: standardize } = resolveKdOptions(options);
  if (hasFusedPcd()) return kdFusedPerSample(studentLogits, teacherLogits, temperature, standardize);
  const perSample = kdPerSample(studentLogits, teacherLogits, temperature, standardize);
  return { mean: tf.mean(perSample) as tf.Scalar, perSample };
}

/** KD of each sample, `τ² · KL(softmax_τ(zt_b) ‖ softmax_τ(zs_b))`, `[B]`, composed from TF.js ops. */
export function kdPerSample(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number, standardize: boolean): tf.Tensor1D {
  return tf.tidy(() => {
    const zs = standardize ? standardizeLogits(studentLogits) : studentLogits;
    const zt = standardize ? standardizeLogits(teacherLogits) : teacherLogits;
    const kl = klFromLogProbs(logSoftmaxAt(zt, temperature), logSoftmaxAt(zs, temperature));
    return tf.mul(kl, temperature * temperature) as tf.Tensor1D;
  });
}

export function resolveDkdOptions(options: Partial<DkdOptions> = {}): DkdOptions {
  const resolved = { ...DKD_DEFAULTS, ...options };
  requireFinitePositive('temperature', resolved.temperature);
  requireFiniteNonNegative('alpha', resolved.alpha);
  requireFiniteNonNegative('beta', resolved.beta);
  requireBoolean('standardizeLogits', resolved.standardizeLogits);
  return resolved;
}

/** The offset that removes the target class from NCKD's softmax (docs/spec.md, DKD). */
const TARGET_MASK_OFFSET = 1000;

/**
 * Decoupled KD (Zhao et al. 2022), `τ² · mean_b (α·TCKD + β·NCKD)`. The binary
 * target/non-target probabilities are formed in log space (log-sum-exp over the
 * non-target classes) rather than as `1 − p_y`, which loses precision in float32 when
 * the teacher is confident.
 */
export function dkdLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: Labels | tf.Tensor2D,
  options: Partial<DkdOptions> = {},
): tf.Scalar {
  return meanOf(dkdPerSample(studentLogits, teacherLogits, labels, options));
}

/**
 * DKD of each sample, `τ² · (α·TCKD + β·NCKD)`, `[B]` (see {@link dkdLoss}), through the fused
 * DKD kernel of the active backend (src/kernels/) where it has one.
 */
export function dkdPerSample(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: Labels | tf.Tensor2D,
  options: Partial<DkdOptions> = {},
): tf.Tensor1D {
  if (!hasFusedDkd()) return dkdPerSampleReference(studentLogits, teacherLogits, labels, options);
  const { batch, classes } = logitPairShape(studentLogits, teacherLogits);
  const { temperature, alpha, beta, standardizeLogits: standardize } = resolveDkdOptions(options);
  const { oneHot, release } = oneHotOf(labels, batch, classes);
  try {
    return dkdFused(studentLogits, teacherLogits, oneHot, { temperature, alpha, beta, standardize });
  } finally {
    release();
  }
}

/** DKD of each sample composed from TF.js ops: the reference the fused path is tested against. */
export function dkdPerSampleReference(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: Labels | tf.Tensor2D,
  options: Partial<DkdOptions> = {},
): tf.Tensor1D {
  const { batch, classes } = logitPairShape(studentLogits, teacherLogits);
  const { temperature, alpha, beta, standardizeLogits: standardize } = resolveDkdOptions(options);
  const { oneHot, release } = oneHotOf(labels, batch, classes);
  try {
    return tf.tidy(() => {
      const targetOffset = tf.mul(oneHot, TARGET_MASK_OFFSET);
      const side = (logits: tf.Tensor2D) => {
        const z = tf.div(standardize ? standardizeLogits(logits) : logits, temperature);
        const all = logSumExpRows(z);
        const withoutTarget = tf.sub(z, targetOffset);
        return {
          logTarget: tf.sub(tf.sum(tf.mul(z, oneHot), 1), all),
          logNonTarget: tf.sub(logSumExpRows(withoutTarget), all),
          nonTargetLogProbs: tf.logSoftmax(withoutTarget),
        };
      };
      const teacher = side(teacherLogits);
      const student = side(studentLogits);
      const tckd = tf.add(
        tf.mul(tf.exp(teacher.logTarget), tf.sub(teacher.logTarget, student.logTarget)),
        tf.mul(tf.exp(teacher.logNonTarget), tf.sub(teacher.logNonTarget, student.logNonTarget)),
      );
      const nckd = klFromLogProbs(teacher.nonTargetLogProbs, student.nonTargetLogProbs);
      const perSample = tf.add(tf.mul(tckd, alpha), tf.mul(nckd, beta));
      return tf.mul(perSample, temperature * temperature) as tf.Tensor1D;
    });
  } finally {
    release();
  }
}
