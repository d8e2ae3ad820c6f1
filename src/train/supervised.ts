import * as tf from '@tensorflow/tfjs';
import { randomShift } from '../data/augment';
import { featureSize, type Dataset, type DatasetSplit } from '../data/dataset';
import { SeededRandom } from '../data/random';
import { crossEntropyLoss } from '../distill/baselines';

/** How a teacher (or a from-scratch baseline student) is trained with cross-entropy. */
export interface SupervisedRecipe {
  epochs: number;
  batchSize: number;
  /** Adam's learning rate, decayed by a cosine to 0 over the run. */
  learningRate: number;
  /** Random whole-pixel shifts of up to this many pixels (images only); 0 = none. */
  shiftAugmentation: number;
  /** Seeds the weight initialisation, the batch order and the augmentation. */
  seed: number;
}

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** Copies rows `indices` of a split into one batch (with the teacher's logits, when the split has them). */
export function gatherRows(split: DatasetSplit, indices: ArrayLike<number>, rowSize: number): { features: Float32Array; labels: Int32Array; teacherLogits?: Float32Array } {
  const features = new Float32Array(indices.length * rowSize);
  const labels = new Int32Array(indices.length);
  const classes = split.teacherLogits ? split.teacherLogits.length / split.count : 0;
  const teacherLogits = split.teacherLogits ? new Float32Array(indices.length * classes) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    features.set(split.features.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    labels[i] = split.labels[row];
    teacherLogits?.set(split.teacherLogits!.subarray(row * classes, (row + 1) * classes), i * classes);
  }
  return teacherLogits ? { features, labels, teacherLogits } : { features, labels };
}

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

export async function testAccuracy(model: tf.LayersModel, dataset: Dataset): Promise<{ accuracy: number; predictions: Int32Array }> {
  const predictions = argmaxRows(await predictLogits(model, dataset, dataset.test), dataset.classNames.length);
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === dataset.test.labels[i]) correct++;
  return { accuracy: correct / predictions.length, predictions };
}

/** Trains `model` on `dataset.train` with cross-entropy and Adam; reports after each epoch. */
export async function trainSupervised(
  model: tf.LayersModel,
  dataset: Dataset,
  recipe: SupervisedRecipe,
  onEpoch?: (report: EpochReport) => void,
): Promise<EpochReport[]> {
  const random = new SeededRandom(recipe.seed);
  const rowSize = featureSize(dataset);
  const { train } = dataset;
  const stepsPerEpoch = Math.ceil(train.count / recipe.batchSize);
  const totalSteps = stepsPerEpoch * recipe.epochs;
  const optimizer = tf.train.adam(recipe.learningRate);
  const [height, width] = dataset.featureShape;
  const reports: EpochReport[] = [];
  let step = 0;
  try {
    for (let epoch = 1; epoch <= recipe.epochs; epoch++) {
      const started = performance.now();
      const order = random.shuffle(Array.from({ length: train.count }, (_, i) => i));
      let lossSum = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const indices = order.slice(s * recipe.batchSize, (s + 1) * recipe.batchSize);
        const batch = gatherRows(train, indices, rowSize);
        const features =
          recipe.shiftAugmentation > 0
            ? randomShift(batch.features, indices.length, height, width, recipe.shiftAugmentation, random)
            : batch.features;
        // Cosine decay; Adam reads its learning rate at each step, the field is only protected in the typings.
        (optimizer as unknown as { learningRate: number }).learningRate =
          (recipe.learningRate * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2;
        const loss = tf.tidy(() => {
          const x = tf.tensor(features, [indices.length, ...dataset.featureShape]);
          return optimizer.minimize(
            () => crossEntropyLoss(model.apply(x, { training: true }) as tf.Tensor2D, batch.labels),
            true,
          )!;
        });
        lossSum += (await loss.data())[0];
        loss.dispose();
        step++;
      }
      const { accuracy } = await testAccuracy(model, dataset);
      const report = { epoch, trainLoss: lossSum / stepsPerEpoch, testAccuracy: accuracy, seconds: (performance.now() - started) / 1000 };
      reports.push(report);
      onEpoch?.(report);
    }
  } finally {
    optimizer.dispose();
  }
  return reports;
}
