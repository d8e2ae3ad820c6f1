import * as tf from '@tensorflow/tfjs-core';
import { DistillInputError, requireIntegerInRange } from './errors';

/** Integer class labels, one per sample, as host data (they come from the dataset). */
export type Labels = ArrayLike<number>;

/** Checks that a logit tensor is a finite-shaped `[B, C]` matrix and returns B and C. */
export function logitShape(name: string, logits: tf.Tensor): { batch: number; classes: number } {
  if (logits.rank !== 2) {
    throw new DistillInputError(`${name}.shape`, logits.shape, 'a rank-2 shape [batch, classes]');
  }
  const [batch, classes] = logits.shape as [number, number];
  if (batch < 1) throw new DistillInputError(`${name}.shape`, logits.shape, 'at least one sample');
  if (classes < 2) throw new DistillInputError(`${name}.shape`, logits.shape, 'at least two classes');
  return { batch, classes };
}

/** Checks that student and teacher logits have the same `[B, C]` shape. */
export function logitPairShape(studentLogits: tf.Tensor, teacherLogits: tf.Tensor): { batch: number; classes: number } {
  const shape = logitShape('studentLogits', studentLogits);
  logitShape('teacherLogits', teacherLogits);
  if (teacherLogits.shape[0] !== shape.batch || teacherLogits.shape[1] !== shape.classes) {
    throw new DistillInputError('teacherLogits.shape', teacherLogits.shape, `the student logits' shape [${shape.batch}, ${shape.classes}]`);
  }
  return shape;
}

/** Validates labels on the host and returns them as a `[B, C]` float one-hot matrix. */
export function labelsOneHot(labels: Labels, batch: number, classes: number): tf.Tensor2D {
  if (labels.length !== batch) {
    throw new DistillInputError('labels.length', labels.length, `${batch}, one label per sample`);
  }
  const indices = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    requireIntegerInRange(`labels[${i}]`, labels[i], 0, classes - 1);
    indices[i] = labels[i];
  }
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(indices, 'int32'), classes), 'float32') as tf.Tensor2D);
}

/**
 * Logit standardization (Sun et al., CVPR 2024), see docs/spec.md "Baselines": each row
 * becomes `(z − mean) / (std + 1e-7)` with the unbiased (C − 1) standard deviation.
 */
export function standardizeLogits(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const centred = tf.sub(logits, tf.mean(logits, 1, true));
    const variance = tf.div(tf.sum(tf.square(centred), 1, true), classes - 1);
    return tf.div(centred, tf.add(tf.sqrt(variance), 1e-7)) as tf.Tensor2D;
  });
}

/**
 * `log Σ_c exp(z_c)` of each row of `[B, C]` logits: the values of `tf.logSumExp`, with the
 * gradient written as `softmax(z) · dy`. TF.js's own gradient also differentiates the row
 * maximum it subtracts (a broadcast Equal mask whose contribution cancels), which the WASM
 * backend runs slowly (a large share of a stacked race step under `tf.profile`).
 */
const logSumExpWithGrad = tf.customGrad(((z: tf.Tensor, save: tf.GradSaveFunc) => {
  const value = tf.logSumExp(z, 1);
  save([z, value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, [x, v]: tf.Tensor[]) => tf.mul(tf.expandDims(dy, 1), tf.exp(tf.sub(x, tf.expandDims(v, 1)))),
  };
}) as Parameters<typeof tf.customGrad>[0]);

export function logSumExpRows(z: tf.Tensor): tf.Tensor1D {
  return logSumExpWithGrad(z) as tf.Tensor1D;
}

/** `softmax_τ` in log space, row-wise. */
export function logSoftmaxAt(logits: tf.Tensor, temperature: number): tf.Tensor {
  return tf.logSoftmax(tf.div(logits, temperature));
}

/** Per-sample `KL(p ‖ q) = Σ_c p_c (log p_c − log q_c)` over the last axis, from log-probabilities. */
export function klFromLogProbs(teacherLogProbs: tf.Tensor, studentLogProbs: tf.Tensor): tf.Tensor {
  return tf.sum(tf.mul(tf.exp(teacherLogProbs), tf.sub(teacherLogProbs, studentLogProbs)), -1);
}
