// Loaded into the app's page (through the Vite dev server) by train:teachers and
// eval:teachers: the same dataset and teacher loading code the app uses, on WebGL.
import * as tf from '@tensorflow/tfjs';
import type { DatasetId } from '../../src/data/dataset';
import { loadDataset } from '../../src/data/load';
import { loadTeacher } from '../../src/models/teacher';
import { selectBackend, type BackendName } from '../../src/tf/backends';
import { testAccuracy } from '../../src/train/supervised';
import { trainTeacher } from '../lib/teacher-training';

const siteUrl = new URL('./', document.baseURI).href;

export async function trainTeacherInBrowser(dataset: DatasetId, backend: BackendName, epochs?: number) {
  await selectBackend([backend]);
  const data = await loadDataset(dataset, siteUrl);
  const trained = await trainTeacher(data, (line) => console.log(line), epochs);
  return { backend: tf.getBackend(), ...trained };
}

export async function evaluateTeacherInBrowser(dataset: DatasetId, backend: BackendName) {
  await selectBackend([backend]);
  const loadStarted = performance.now();
  const data = await loadDataset(dataset, siteUrl);
  const loadMs = performance.now() - loadStarted;
  const { model, metadata } = await loadTeacher(dataset, siteUrl, fetch, data);
  const { accuracy } = await testAccuracy(model, data);
  model.dispose();
  return {
    backend: tf.getBackend(),
    loadMs,
    accuracy,
    testCount: data.test.count,
    metadataAccuracy: metadata.testAccuracy,
    baselineStudent: metadata.baselineStudent ?? null,
  };
}
