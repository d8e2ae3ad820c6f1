// Loaded into the app's page by `npm run bench`: the trainer on a chosen backend.
import * as tf from '@tensorflow/tfjs';
import type { DatasetId } from '../../src/data/dataset';
import { loadDataset } from '../../src/data/load';
import { loadTeacher } from '../../src/models/teacher';
import { selectBackend, type BackendName } from '../../src/tf/backends';
import { benchTrainerSteps } from '../lib/trainer-bench';

const siteUrl = new URL('./', document.baseURI).href;

export async function benchTrainerInBrowser(backend: BackendName, dataset: DatasetId, student: string, steps: number, batchSize: number) {
  const inUse = await selectBackend([backend]);
  const data = await loadDataset(dataset, siteUrl);
  const { model } = await loadTeacher(dataset, siteUrl);
  const timings = await benchTrainerSteps(data, model, student, steps, batchSize);
  model.dispose();
  return { backend: tf.getBackend(), adapter: inUse.adapter, timings };
}
