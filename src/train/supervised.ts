import * as tf from '@tensorflow/tfjs';
import { setLearningRate } from '../tf/optimizer-internals';
import { randomShift } from '../data/augment';
import { featureSize, gatherRows, type Dataset } from '../data/dataset';
import { SeededRandom } from '../data/random';
import { crossEntropyLoss } from '../distill/baselines';
import { argmaxRows, predictLogits } from '../models/predict';

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
        // Cosine decay.
        setLearningRate(optimizer, (recipe.learningRate * (1 + Math.cos((Math.PI * step) / totalSteps))) / 2);
        const loss = tf.tidy(() => {
          const x = tf.tensor(features, [indices.length, ...dataset.featureShape]);
          return optimizer.minimize(() => crossEntropyLoss(model.apply(x, { training: true }) as tf.Tensor2D, batch.labels), true)!;
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
