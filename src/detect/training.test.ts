import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMnist, readMnistPackage } from '../../scripts/lib/mnist-build';
import { buildScenes } from '../../scripts/lib/scenes-build';
import { SeededRandom } from '../data/random';
import { MODEL_CATALOG } from '../models/catalog';
import { METHOD_DEFAULTS } from '../distill/objective';
import { onWasmBackend } from '../test-support/wasm-backend';
import { DETECTORS, detectorSpec } from './detector';
import { DETECTION_METHOD_DEFAULTS } from './objective';
import { cellLogitsOf, detectionStep, evaluateDetector, sampleBatchCells, sceneBatch } from './training';
import type { SceneSplit } from './scenes-file';

let train: SceneSplit;
beforeAll(async () => {
  const mnist = await buildMnist(readMnistPackage());
  const built = await buildScenes(mnist.bytes, mnist.manifest);
  const images = Float32Array.from(built.train.images.subarray(0, 256 * 4096), (v) => v / 255);
  train = { count: 256, images, boxes: built.train.boxes.slice(0, 256) };
});

describe('a grid detector trained on digit scenes (WASM)', () => {
  onWasmBackend();

  it('outputs K + 1 logits and 4 box values for each of the 8 × 8 cells', () => {
    for (const spec of DETECTORS) {
      const model = spec.build(1);
      expect(model.outputs[0].shape).toEqual([null, 8, 8, 15]);
      // The page's catalog (TF.js-free) says the built model's parameter count.
      expect(model.countParams(), spec.id).toBe(MODEL_CATALOG.find((m) => m.id === spec.id)!.parameters);
      model.dispose();
    }
    expect(() => detectorSpec('nope')).toThrow(/detector = "nope" is invalid/);
  });

  it('learns: its loss falls and its AP on the scenes it trains on rises well above the untrained model’s', () => {
    const before = tf.memory().numTensors;
    const model = detectorSpec('scenes-grid-student').build(1);
    const optimizer = tf.train.adam(0.01);
    const random = new SeededRandom(1);
    const untrained = evaluateDetector(model, train, 128).stats[1];
    const losses: number[] = [];
    for (let step = 0; step < 120; step++) {
      const batch = sceneBatch(
        train,
        Array.from({ length: 16 }, () => random.int(train.count)),
      );
      losses.push(detectionStep(model, optimizer, batch, METHOD_DEFAULTS.ce, null, sampleBatchCells(batch.targets, random)).loss);
      batch.images.dispose();
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-20))).toBeLessThan(0.6 * mean(losses.slice(0, 20)));
    const trained = evaluateDetector(model, train, 128).stats[1];
    expect(untrained).toBeLessThan(0.05);
    expect(trained).toBeGreaterThan(0.1);
    model.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('distils a teacher’s cell logits with KD, DKD and PCD (finite losses, no tensor left)', () => {
    const teacher = detectorSpec('scenes-grid-teacher').build(2);
    const batch = sceneBatch(train, [0, 1, 2, 3]);
    const teacherCells = cellLogitsOf(teacher, batch.images);
    expect(teacherCells.length).toBe(4 * 64 * 11);
    const before = tf.memory().numTensors;
    for (const method of ['kd', 'dkd', 'pcd'] as const) {
      const student = detectorSpec('scenes-grid-student').build(3);
      const optimizer = tf.train.adam(0.01);
      const loss = detectionStep(
        student,
        optimizer,
        batch,
        DETECTION_METHOD_DEFAULTS[method],
        teacherCells,
        sampleBatchCells(batch.targets, new SeededRandom(4)),
        {
          warm: 0.5,
        },
      ).loss;
      expect(Number.isFinite(loss) && loss > 0, method).toBe(true);
      student.dispose();
      optimizer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    batch.images.dispose();
    teacher.dispose();
  });
});
