// A model's logits for a whole split, in batches: on the host (evaluation, probes, a teacher's
// check) or kept on the device (a trainer's teacher cache). Used by models/, train/ and import/.
import * as tf from '@tensorflow/tfjs';
import { featureSize, type Dataset, type DatasetSplit } from '../data/dataset';

/** Logits of a whole split, in batches, as one host array `[count × classes]`. */
export async function predictLogits(
  model: tf.LayersModel,
  dataset: Dataset,
  split: DatasetSplit,
  batchSize = 500,
  onBatch?: (done: number) => void | Promise<void>,
): Promise<Float32Array> {
  const rowSize = featureSize(dataset);
  const classes = dataset.classNames.length;
  const out = new Float32Array(split.count * classes);
  for (let start = 0; start < split.count; start += batchSize) {
    const count = Math.min(batchSize, split.count - start);
    const logits = tf.tidy(() => {
      const x = tf.tensor(split.features.subarray(start * rowSize, (start + count) * rowSize), [count, ...dataset.featureShape]);
      return model.predict(x) as tf.Tensor;
    });
    out.set((await logits.data()) as Float32Array, start * classes);
    logits.dispose();
    await onBatch?.(start + count);
  }
  return out;
}

/** Top-1 class of each row of `[count × classes]` logits. */
export function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const count = logits.length / classes;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * The teacher's logits for a whole split as one `[count, classes]` tensor kept on the device:
 * the split's own logits when it has them (a dataset loaded with a logits file), else the
 * teacher's predictions in batches of `batchSize`, each finished before `onProgress` says so
 * when it is given (a small read: the progress is real). `beforeBatch` runs before each
 * batch: it may throw to give up (a newer configuration replaced the one preparing). Null
 * without a teacher.
 */
export async function teacherLogitsOf(
  split: DatasetSplit,
  dataset: Dataset,
  teacher: tf.LayersModel | null,
  batchSize: number,
  onProgress?: (progress: { what: string; done: number; total: number }) => void,
  beforeBatch?: () => void,
): Promise<tf.Tensor2D | null> {
  if (split.teacherLogits) return tf.tensor2d(split.teacherLogits, [split.count, dataset.classNames.length]);
  if (!teacher) return null;
  const rowSize = featureSize(dataset);
  const parts: tf.Tensor[] = [];
  const what = `teacher logits for the ${split.count.toLocaleString('en')} training samples`;
  try {
    for (let start = 0; start < split.count; start += batchSize) {
      beforeBatch?.();
      const count = Math.min(batchSize, split.count - start);
      const features = split.features.subarray(start * rowSize, (start + count) * rowSize);
      const part = tf.tidy(() => teacher.predict(tf.tensor(features, [count, ...dataset.featureShape])) as tf.Tensor);
      parts.push(part);
      if (onProgress) {
        await part.data();
        onProgress({ what, done: start + count, total: split.count });
      }
    }
    return tf.concat(parts) as tf.Tensor2D;
  } finally {
    tf.dispose(parts);
  }
}
