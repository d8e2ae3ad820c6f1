// Trains a dataset's teacher with the project's own code, in Node or in a browser page,
// and returns its TF.js Layers artifacts and metadata. Used by `npm run train:teachers`.
import * as tf from '@tensorflow/tfjs';
import { builtInDataset } from '../../src/data/load';
import type { Dataset, DatasetId } from '../../src/data/dataset';
import type { TeacherMetadata } from '../../src/models/teacher';
import { DEFAULT_STUDENT, modelSpec, teacherSpec } from '../../src/models/zoo';
import { testAccuracy, trainSupervised, type SupervisedRecipe } from '../../src/train/supervised';

export const TEACHER_RECIPES: Record<DatasetId, SupervisedRecipe> = {
  mnist: { epochs: 8, batchSize: 64, learningRate: 2e-3, shiftAugmentation: 2, seed: 1 },
  synthetic100: { epochs: 15, batchSize: 128, learningRate: 2e-3, shiftAugmentation: 0, seed: 1 },
};

export const PROBE_SAMPLES = 16;

export interface TrainedTeacher {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightDataBase64: string;
  metadata: Omit<TeacherMetadata, 'date' | 'trainedWith' | 'files'>;
  seconds: number;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export async function trainTeacher(dataset: Dataset, log: (line: string) => void, epochs?: number): Promise<TrainedTeacher> {
  const id = builtInDataset(dataset.id);
  const recipe = { ...TEACHER_RECIPES[id], ...(epochs ? { epochs } : {}) };
  const spec = teacherSpec(id);
  const started = performance.now();
  const model = spec.build(recipe.seed);
  await trainSupervised(model, dataset, recipe, (r) =>
    log(
      `${spec.id} epoch ${r.epoch}/${recipe.epochs}: loss ${r.trainLoss.toFixed(4)}, test accuracy ${(100 * r.testAccuracy).toFixed(2)}% (${r.seconds.toFixed(1)} s)`,
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const { accuracy, predictions } = await testAccuracy(model, dataset);

  let baselineStudent: TeacherMetadata['baselineStudent'];
  if (dataset.id === 'synthetic100') {
    const studentSpec = modelSpec(DEFAULT_STUDENT[id]);
    const student = studentSpec.build(recipe.seed);
    await trainSupervised(student, dataset, recipe, (r) =>
      log(`${studentSpec.id} (cross-entropy baseline) epoch ${r.epoch}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}%`),
    );
    baselineStudent = {
      modelId: studentSpec.id,
      parameterCount: student.countParams(),
      testAccuracy: (await testAccuracy(student, dataset)).accuracy,
      seed: recipe.seed,
    };
    student.dispose();
  }

  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const weightData = artifacts!.weightData as ArrayBuffer;
  const result: TrainedTeacher = {
    modelTopology: artifacts!.modelTopology as object,
    weightSpecs: artifacts!.weightSpecs!,
    weightDataBase64: toBase64(new Uint8Array(weightData)),
    seconds,
    metadata: {
      dataset: id,
      modelId: spec.id,
      architecture: spec.description,
      parameterCount: model.countParams(),
      recipe: { ...recipe, optimizer: 'Adam, cosine-decayed learning rate, cross-entropy' },
      testAccuracy: accuracy,
      testCount: dataset.test.count,
      probe: { firstTestSamples: PROBE_SAMPLES, predictions: Array.from(predictions.subarray(0, PROBE_SAMPLES)) },
      ...(baselineStudent ? { baselineStudent } : {}),
    },
  };
  model.dispose();
  return result;
}
