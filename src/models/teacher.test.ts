import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetId } from '../data/dataset';
import { DATASET_IDS, loadDataset } from '../data/load';
import { serveDirectory } from '../test-support/static-server';
import { selectBackend } from '../tf/backends';
import { argmaxRows, predictLogits } from '../train/supervised';
import { loadTeacher, teacherDirectory } from './teacher';

let site: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  await selectBackend(['cpu']);
  site = await serveDirectory('public');
});
afterAll(() => site.close());

describe('the committed teachers', () => {
  it.each(DATASET_IDS)('%s: loads through the app code and classifies the first test samples as its metadata says', async (dataset) => {
    expect(existsSync(join('public', teacherDirectory(dataset), 'model.json'))).toBe(true);
    const { model, metadata } = await loadTeacher(dataset, site.url);
    const data = await loadDataset(dataset, site.url);
    const probe = metadata.probe.firstTestSamples;
    const firstSamples = { ...data.test, count: probe, features: data.test.features.subarray(0, probe * (data.test.features.length / data.test.count)) };
    const predictions = argmaxRows(await predictLogits(model, data, firstSamples), data.classNames.length);
    expect(Array.from(predictions)).toEqual(metadata.probe.predictions);
    // Sanity: a teacher worth distilling from gets most of these right.
    const correct = predictions.filter((p, i) => p === data.test.labels[i]).length;
    expect(correct / probe).toBeGreaterThanOrEqual(0.5);
    expect(model.countParams()).toBe(metadata.parameterCount);
    model.dispose();
  });
});

describe('bad teacher files get a clear error naming the file', () => {
  let dir: string;
  let server: { url: string; close: () => Promise<void> };
  const copyTeacher = (from: DatasetId, to: DatasetId) =>
    cpSync(join('public', teacherDirectory(from)), join(dir, teacherDirectory(to)), { recursive: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'teachers-'));
    copyTeacher('synthetic100', 'mnist'); // a model of another architecture where MNIST's should be
    copyTeacher('synthetic100', 'synthetic100');
    server = await serveDirectory(dir);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true });
  });

  it('a model file that does not match the architecture', async () => {
    await expect(loadTeacher('mnist', server.url)).rejects.toThrow(
      /models\/mnist\/teacher\/model\.json: does not match the architecture mnist-cnn-teacher/,
    );
  });

  it('truncated weights', async () => {
    const weights = join(dir, teacherDirectory('synthetic100'), 'weights.bin');
    const bytes = readFileSync(weights);
    writeFileSync(weights, bytes.subarray(0, bytes.length / 2));
    await expect(loadTeacher('synthetic100', server.url)).rejects.toThrow(/models\/synthetic100\/teacher\/model\.json: could not be loaded/);
  });

  it('missing metadata', async () => {
    rmSync(join(dir, teacherDirectory('synthetic100'), 'metadata.json'));
    await expect(loadTeacher('synthetic100', server.url)).rejects.toThrow(/models\/synthetic100\/teacher\/metadata\.json: HTTP 404/);
  });

  it('leaves no tensors behind when it refuses a model', async () => {
    const before = tf.memory().numTensors;
    await expect(loadTeacher('mnist', server.url)).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });
});
