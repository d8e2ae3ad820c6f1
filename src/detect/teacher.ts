// The detection teacher the site ships (`npm run train:teachers -- --only scenes` writes
// public/models/scenes/teacher/): its metadata, and the loader that checks every file's seal,
// the architecture, and (given the scenes) its cell classes on the first test scenes.
import * as tf from '@tensorflow/tfjs';
import { fetchJsonFile, SiteFileError } from '../data/site-files';
import { z } from '../data/zod';
import { fileSealsSchema, loadSealedModel, trainedWithSchema } from '../models/teacher';
import { cellOutputs, detectorSpec } from './detector';
import { sceneBatch } from './training';
import type { SceneDataset } from './scenes-file';

export const DETECTION_TEACHER_DIRECTORY = 'models/scenes/teacher/';
export const PROBE_SCENES = 4;

export const detectionTeacherMetadataSchema = z.object({
  dataset: z.literal('scenes'),
  modelId: z.string(),
  architecture: z.string(),
  parameterCount: z.number().int().positive(),
  recipe: z.object({
    steps: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    seed: z.number().int(),
    optimizer: z.string(),
  }),
  trainedWith: trainedWithSchema,
  /** COCOeval's twelve numbers on the test scenes (AP@[.5:.95], AP@.5, AP@.75, …). */
  testStats: z.array(z.number()).length(12),
  testCount: z.number().int().positive(),
  files: fileSealsSchema,
  /** The class each cell of the first test scenes predicts (argmax of its K + 1 logits), checked on load. */
  probe: z.object({ firstTestScenes: z.number().int().positive(), cellClasses: z.array(z.number().int()) }),
  date: z.string(),
});

export type DetectionTeacherMetadata = z.infer<typeof detectionTeacherMetadataSchema>;

/** The argmax class of every cell of the first `count` test scenes. */
export function probeCellClasses(model: tf.LayersModel, data: SceneDataset, count = PROBE_SCENES): number[] {
  const { images } = sceneBatch(
    data.test,
    Array.from({ length: count }, (_, i) => i),
  );
  const classes = tf.tidy(() => Array.from(tf.argMax(cellOutputs(model.predict(images) as tf.Tensor4D).logits, 1).dataSync()));
  images.dispose();
  return classes;
}

/** Loads the detection teacher, checked as the classification teachers are (errors name the file and the fault). */
export async function loadDetectionTeacher(
  siteUrl: string,
  fetchFn: typeof fetch = fetch,
  data?: SceneDataset,
): Promise<{ model: tf.LayersModel; metadata: DetectionTeacherMetadata }> {
  const directory = `${siteUrl}${DETECTION_TEACHER_DIRECTORY}`;
  const metadata = await fetchJsonFile(`${directory}metadata.json`, detectionTeacherMetadataSchema, fetchFn);
  const { model } = await loadSealedModel(directory, metadata.files, fetchFn);
  const reference = detectorSpec(metadata.modelId).build(0);
  const expected = reference.weights.map((w) => w.shape.join('×')).join(', ');
  reference.dispose();
  const actual = model.weights.map((w) => w.shape.join('×')).join(', ');
  if (expected !== actual) {
    model.dispose();
    throw new SiteFileError(`${directory}model.json`, `does not match the architecture ${metadata.modelId}: weights ${actual}, expected ${expected}`);
  }
  if (data) {
    const classes = probeCellClasses(model, data, metadata.probe.firstTestScenes);
    const wrong = classes.findIndex((c, i) => c !== metadata.probe.cellClasses[i]);
    if (wrong >= 0) {
      model.dispose();
      throw new SiteFileError(
        `${directory}weights.bin`,
        `predicts class ${classes[wrong]} for cell ${wrong % 64} of test scene ${Math.floor(wrong / 64)}, metadata.json recorded ${metadata.probe.cellClasses[wrong]}: these weights are not the trained teacher's`,
      );
    }
  }
  return { model, metadata };
}
