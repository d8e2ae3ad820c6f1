import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { DatasetId } from '../data/dataset';
import { fetchJsonFile, SiteFileError } from '../data/site-files';
import { teacherSpec } from './zoo';

/** What `npm run train:teachers` writes next to each teacher's model.json. */
export const teacherMetadataSchema = z.object({
  dataset: z.enum(['mnist', 'synthetic100']),
  modelId: z.string(),
  architecture: z.string(),
  parameterCount: z.number().int().positive(),
  recipe: z.object({
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    learningRate: z.number().positive(),
    shiftAugmentation: z.number().int().nonnegative(),
    seed: z.number().int(),
    optimizer: z.string(),
  }),
  trainedWith: z.object({ backend: z.string(), where: z.string(), seconds: z.number() }),
  testAccuracy: z.number().min(0).max(1),
  testCount: z.number().int().positive(),
  /** Predicted classes of the first test samples, for a quick check that a load is right. */
  probe: z.object({ firstTestSamples: z.number().int().positive(), predictions: z.array(z.number().int()) }),
  /** The default student trained from scratch with cross-entropy on the same budget. */
  baselineStudent: z
    .object({ modelId: z.string(), parameterCount: z.number().int(), testAccuracy: z.number(), seed: z.number().int() })
    .optional(),
  date: z.string(),
});

export type TeacherMetadata = z.infer<typeof teacherMetadataSchema>;

export function teacherDirectory(dataset: DatasetId): string {
  return `models/${dataset}/teacher/`;
}

/**
 * Loads a dataset's pretrained teacher from the site (`siteUrl` ends in `/`) and checks
 * it is the architecture the zoo says, weight by weight, so a stale or foreign model file
 * is a clear error rather than a teacher that silently computes something else.
 */
export async function loadTeacher(
  dataset: DatasetId,
  siteUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<{ model: tf.LayersModel; metadata: TeacherMetadata }> {
  const directory = `${siteUrl}${teacherDirectory(dataset)}`;
  const metadata = await fetchJsonFile(`${directory}metadata.json`, teacherMetadataSchema, fetchFn);
  const modelUrl = `${directory}model.json`;
  let model: tf.LayersModel;
  try {
    // Wrapped: TF.js calls fetchFunc as a method of its handler, and a browser's fetch
    // refuses any `this` but the window ("Illegal invocation").
    const fetchFunc = (input: RequestInfo | URL, init?: RequestInit) => fetchFn(input, init);
    model = await tf.loadLayersModel(tf.io.http(modelUrl, { fetchFunc }));
  } catch (error) {
    throw new SiteFileError(modelUrl, `could not be loaded: ${(error as Error).message}`);
  }
  const spec = teacherSpec(dataset);
  const reference = spec.build(0);
  try {
    const expected = reference.weights.map((w) => w.shape);
    const actual = model.weights.map((w) => w.shape);
    const mismatch = expected.findIndex((shape, i) => JSON.stringify(shape) !== JSON.stringify(actual[i]));
    if (expected.length !== actual.length || mismatch >= 0) {
      model.dispose();
      const detail =
        expected.length !== actual.length
          ? `it has ${actual.length} weight tensors, the architecture ${expected.length}`
          : `weight ${mismatch} (${model.weights[mismatch].name}) has shape [${actual[mismatch]}], the architecture [${expected[mismatch]}]`;
      throw new SiteFileError(modelUrl, `does not match the architecture ${spec.id} (${spec.description}): ${detail}`);
    }
  } finally {
    reference.dispose();
  }
  return { model, metadata };
}
