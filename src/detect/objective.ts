// The detection loss of one step (docs/spec.md, "Detection"): the method's classification
// objective (CE, KD, DKD or PCD, src/distill) over the sampled cells' K + 1 logits,
// background included, plus the box loss of the positive cells. Nothing here is specific to
// a backend: the cells are rows like a classification batch's samples.
import * as tf from '@tensorflow/tfjs-core';
import { DistillInputError } from '../distill/errors';
import { trainingObjective, type ObjectiveResult } from '../distill/objective';

/** Smooth-L1's β, as torchvision's Faster R-CNN box head has it. */
export const BOX_BETA = 1 / 9;

export { DETECTION_METHOD_DEFAULTS } from '../distill/methods';

export interface SampledCellInputs {
  /** `[N, K + 1]` the student's logits of the sampled cells, background last. */
  studentLogits: tf.Tensor2D;
  /** `[N, K + 1]` the teacher's logits of the same cells (null for CE). */
  teacherLogits: tf.Tensor2D | null;
  /** Each sampled cell's class: a digit, or K for background. */
  labels: Int32Array;
  /** `[P, 4]` the student's box values of the positive cells among them. */
  studentBoxes: tf.Tensor2D;
  /** `[P, 4]` their targets (tx, ty, tw, th). */
  boxTargets: tf.Tensor2D;
}

/**
 * Smooth-L1 with β = 1/9 over the positive cells' 4 box values, summed, over the number of
 * sampled cells N (positives and background), as torchvision's `fastrcnn_loss` normalises it.
 */
export function boxLoss(studentBoxes: tf.Tensor2D, boxTargets: tf.Tensor2D, sampled: number): tf.Scalar {
  if (!(Number.isInteger(sampled) && sampled >= 1)) throw new DistillInputError('sampled', sampled, 'a whole number of sampled cells, at least 1');
  if (studentBoxes.shape.join() !== boxTargets.shape.join() || studentBoxes.shape[1] !== 4)
    throw new DistillInputError('studentBoxes', studentBoxes.shape.join('×'), `[P, 4] boxes like their targets (${boxTargets.shape.join('×')})`);
  return tf.tidy(() => {
    if (studentBoxes.shape[0] === 0) return tf.scalar(0);
    // 0.5·m²/β + (|d| − m) with m = min(|d|, β): 0.5·d²/β within β, |d| − β/2 beyond (no comparison to differentiate).
    const diff = tf.abs(tf.sub(studentBoxes, boxTargets));
    const m = tf.minimum(diff, BOX_BETA);
    const perValue = tf.add(tf.div(tf.mul(tf.square(m), 0.5), BOX_BETA), tf.sub(diff, m));
    return tf.div(tf.sum(perValue), sampled) as tf.Scalar;
  });
}

/** The step's loss: the method's objective on the sampled cells, plus the box loss (term `box`). */
export function detectionObjective(
  config: Parameters<typeof trainingObjective>[0],
  cells: SampledCellInputs,
  options: { warm?: number; activeStage?: number | null } = {},
): ObjectiveResult {
  const n = cells.studentLogits.shape[0];
  if (cells.labels.length !== n) throw new DistillInputError('labels', cells.labels.length, `one class per sampled cell (${n})`);
  const classification = trainingObjective(config, cells.studentLogits, cells.teacherLogits, cells.labels, options);
  const box = boxLoss(cells.studentBoxes, cells.boxTargets, n);
  const loss = tf.tidy(() => tf.add(classification.loss, box) as tf.Scalar);
  classification.loss.dispose();
  return { ...classification, loss, terms: { ...classification.terms, box } };
}
