import * as tf from '@tensorflow/tfjs';
import { z } from '../data/zod';
import type { DatasetId } from '../data/dataset';
import { featureSize, firstSamples, type Dataset } from '../data/dataset';
import { sha256Hex } from '../data/mnist-format';
import { fetchJsonFile, fetchSiteFile, SiteFileError } from '../data/site-files';
import { argmaxRows, predictLogits } from './predict';
import { teacherSpec } from './zoo';

/** Size and SHA-256 of each file of a teacher (model.json and its weights), checked on every load. */
export const fileSealsSchema = z.record(z.string(), z.object({ bytes: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }));

/** Where and how long a teacher trained. */
export const trainedWithSchema = z.object({ backend: z.string(), where: z.string(), seconds: z.number() });

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
  trainedWith: trainedWithSchema,
  testAccuracy: z.number().min(0).max(1),
  testCount: z.number().int().positive(),
  files: fileSealsSchema,
  /** Predicted classes of the first test samples, checked on every load that has the dataset. */
  probe: z.object({ firstTestSamples: z.number().int().positive(), predictions: z.array(z.number().int()) }),
  /** The default student trained from scratch with cross-entropy on the same budget. */
  baselineStudent: z.object({ modelId: z.string(), parameterCount: z.number().int(), testAccuracy: z.number(), seed: z.number().int() }).optional(),
  date: z.string(),
});

export type TeacherMetadata = z.infer<typeof teacherMetadataSchema>;

export function teacherDirectory(dataset: DatasetId): string {
  return `models/${dataset}/teacher/`;
}

/** Size and SHA-256 of a teacher's files, as its metadata records them (`npm run seal:teachers`). */
export async function fileSeals(files: Record<string, Uint8Array>): Promise<TeacherMetadata['files']> {
  const out: TeacherMetadata['files'] = {};
  for (const [name, bytes] of Object.entries(files)) out[name] = { bytes: bytes.length, sha256: await sha256Hex(bytes) };
  return out;
}

/** Fetches one of the teacher's files and checks it against its seal: present, whole, unchanged. */
async function sealedFile(directory: string, name: string, seals: TeacherMetadata['files'], fetchFn: typeof fetch): Promise<Uint8Array> {
  const url = `${directory}${name}`;
  const seal = seals[name];
  if (!seal) throw new SiteFileError(`${directory}metadata.json`, `has no size and SHA-256 for ${name} (run npm run seal:teachers)`);
  const response = await fetchSiteFile(url, fetchFn);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length !== seal.bytes) {
    throw new SiteFileError(
      url,
      `${bytes.length < seal.bytes ? 'truncated' : 'too long'}: ${bytes.length.toLocaleString('en')} bytes, expected ${seal.bytes.toLocaleString('en')}`,
    );
  }
  const digest = await sha256Hex(bytes);
  if (digest !== seal.sha256)
    throw new SiteFileError(
      url,
      `checksum mismatch: SHA-256 ${digest}, metadata.json says ${seal.sha256} (the file is corrupt or not this teacher's)`,
    );
  return bytes;
}

/**
 * A Layers model from `directory` (model.json and its weights files), each file checked
 * against its seal (present, whole, unchanged) before it is used; errors name the file.
 */
export async function loadSealedModel(
  directory: string,
  seals: TeacherMetadata['files'],
  fetchFn: typeof fetch,
): Promise<{ model: tf.LayersModel; artifacts: { weightsManifest: { paths: string[] }[] } }> {
  const modelUrl = `${directory}model.json`;
  let artifacts: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    artifacts = JSON.parse(new TextDecoder().decode(await sealedFile(directory, 'model.json', seals, fetchFn)));
  } catch (error) {
    if (error instanceof SiteFileError) throw error;
    throw new SiteFileError(modelUrl, `is not valid JSON (${(error as Error).message})`);
  }
  if (!artifacts?.modelTopology || !Array.isArray(artifacts.weightsManifest))
    throw new SiteFileError(modelUrl, 'is not a TF.js Layers model (no modelTopology or weightsManifest)');
  const weightSpecs = artifacts.weightsManifest.flatMap((group) => group.weights);
  const weightFiles = await Promise.all(
    artifacts.weightsManifest.flatMap((group) => group.paths).map((path) => sealedFile(directory, path, seals, fetchFn)),
  );
  const joined = new Uint8Array(weightFiles.reduce((n, f) => n + f.length, 0));
  weightFiles.reduce((offset, f) => (joined.set(f, offset), offset + f.length), 0);
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs, weightData: joined.buffer }));
    return { model, artifacts };
  } catch (error) {
    throw new SiteFileError(modelUrl, `could not be loaded: ${(error as Error).message}`);
  }
}

/**
 * Loads a dataset's pretrained teacher from the site (`siteUrl` ends in `/`) and verifies
 * it before anyone trains against it: the metadata is this dataset's; model.json and every
 * weights file have the size and SHA-256 the metadata records; the model is the zoo's
 * architecture, weight by weight; and, given the dataset, its logits on the first test
 * samples are finite and predict the classes the metadata records. Every failure names the
 * file and the fault (HTTP 404, truncated with byte counts, checksum, wrong dataset, wrong
 * predictions) and leaves no tensor behind.
 */
export async function loadTeacher(
  dataset: DatasetId,
  siteUrl: string,
  fetchFn: typeof fetch = fetch,
  data?: Dataset,
): Promise<{ model: tf.LayersModel; metadata: TeacherMetadata }> {
  const directory = `${siteUrl}${teacherDirectory(dataset)}`;
  const metadata = await fetchJsonFile(`${directory}metadata.json`, teacherMetadataSchema, fetchFn);
  if (metadata.dataset !== dataset) {
    throw new SiteFileError(
      `${directory}metadata.json`,
      `describes the ${metadata.dataset} teacher, not the ${dataset} one (a file copied from the other teacher?)`,
    );
  }
  const { model, artifacts } = await loadSealedModel(directory, metadata.files, fetchFn);
  const modelUrl = `${directory}model.json`;
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
  if (data) {
    try {
      await checkPredictions(model, metadata, data, `${directory}${weightFilesNamed(artifacts)}`);
    } catch (error) {
      model.dispose();
      throw error;
    }
  }
  return { model, metadata };
}

const weightFilesNamed = (artifacts: { weightsManifest: { paths: string[] }[] }) => artifacts.weightsManifest.flatMap((g) => g.paths).join(', ');

/** The teacher's logits on the first test samples: finite, and the recorded predictions. */
async function checkPredictions(model: tf.LayersModel, metadata: TeacherMetadata, data: Dataset, weightsUrl: string): Promise<void> {
  const count = Math.min(metadata.probe.firstTestSamples, data.test.count);
  const first = firstSamples(data.test, count, featureSize(data));
  const logits = await predictLogits(model, data, first);
  if (!logits.every(Number.isFinite))
    throw new SiteFileError(weightsUrl, 'gives non-finite logits (NaN or ∞) on the first test samples: the weights are corrupt');
  const predicted = Array.from(argmaxRows(logits, data.classNames.length));
  const wrong = predicted.findIndex((p, i) => p !== metadata.probe.predictions[i]);
  if (wrong >= 0) {
    throw new SiteFileError(
      weightsUrl,
      `predicts class ${predicted[wrong]} for test sample ${wrong}, metadata.json recorded ${metadata.probe.predictions[wrong]}: these weights are not the trained teacher's`,
    );
  }
}
