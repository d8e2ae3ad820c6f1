// The detection teacher's recipe, trained with the project's own step (src/detect/training.ts)
// on the WASM backend in Node: CE on sampled cells plus the box loss, Adam with a cosine-
// decayed learning rate, batches drawn by a seeded PRNG; then COCO AP on the test scenes.
import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../../src/data/random';
import { METHOD_DEFAULTS } from '../../src/distill/objective';
import { detectorSpec } from '../../src/detect/detector';
import type { SceneDataset } from '../../src/detect/scenes-file';
import { probeCellClasses, PROBE_SCENES, type DetectionTeacherMetadata } from '../../src/detect/teacher';
import { detectionStep, evaluateDetector, sampleBatchCells, sceneBatch } from '../../src/detect/training';
import { setLearningRate } from '../../src/tf/optimizer-internals';

export const DETECTION_TEACHER_RECIPE = { steps: 3000, batchSize: 32, learningRate: 0.003, seed: 1, optimizer: 'adam (cosine decay)' };

export async function trainDetectionTeacher(
  data: SceneDataset,
  log: (line: string) => void,
  steps = DETECTION_TEACHER_RECIPE.steps,
): Promise<{ model: tf.LayersModel; metadata: Omit<DetectionTeacherMetadata, 'files' | 'trainedWith' | 'date'>; seconds: number }> {
  const recipe = { ...DETECTION_TEACHER_RECIPE, steps };
  const spec = detectorSpec('scenes-grid-teacher');
  const model = spec.build(recipe.seed);
  const optimizer = tf.train.adam(recipe.learningRate);
  const random = new SeededRandom(recipe.seed);
  const started = performance.now();
  for (let step = 0; step < steps; step++) {
    setLearningRate(optimizer, (recipe.learningRate * (1 + Math.cos((Math.PI * step) / steps))) / 2);
    const batch = sceneBatch(
      data.train,
      Array.from({ length: recipe.batchSize }, () => random.int(data.train.count)),
    );
    const { loss } = detectionStep(model, optimizer, batch, METHOD_DEFAULTS.ce, null, sampleBatchCells(batch.targets, random));
    batch.images.dispose();
    if ((step + 1) % 250 === 0) log(`step ${step + 1} of ${steps}: loss ${loss.toFixed(3)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  optimizer.dispose();
  const seconds = (performance.now() - started) / 1000;
  const { stats } = evaluateDetector(model, data.test);
  log(`test AP ${stats[0].toFixed(3)}, AP@.5 ${stats[1].toFixed(3)}, AP@.75 ${stats[2].toFixed(3)} on ${data.test.count} scenes`);
  return {
    model,
    seconds,
    metadata: {
      dataset: 'scenes',
      modelId: spec.id,
      architecture: spec.description,
      parameterCount: model.countParams(),
      recipe,
      testStats: stats,
      testCount: data.test.count,
      probe: { firstTestScenes: PROBE_SCENES, cellClasses: probeCellClasses(model, data) },
    },
  };
}
