import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss, dkdLoss, kdLoss } from './baselines';
import { pcdLoss, type PcdOptions } from './pcd';
import { useCpuBackend } from './test-setup';

beforeAll(useCpuBackend);

const labels = [1, 4, 7, 0, 2, 9];
let student: tf.Tensor2D;
let teacher: tf.Tensor2D;
beforeAll(() => {
  student = tf.randomNormal([6, 10], 0, 1, 'float32', 3) as tf.Tensor2D;
  teacher = tf.randomNormal([6, 10], 0, 2, 'float32', 4) as tf.Tensor2D;
});
afterAll(() => tf.dispose([student, teacher]));

const pcdVariants: Partial<PcdOptions>[] = [
  {},
  { adaptive: false, ranking: false },
  { standardizeLogits: true, stages: 5 },
  { activeStage: 2, coarseToFine: false },
];

describe('every loss leaves tf.memory().numTensors where it found it', () => {
  const baselines: [string, (zs: tf.Tensor2D) => tf.Scalar][] = [
    ['CE', (zs) => crossEntropyLoss(zs, labels)],
    ['KD', (zs) => kdLoss(zs, teacher)],
    ['KD standardized', (zs) => kdLoss(zs, teacher, { standardizeLogits: true })],
    ['DKD', (zs) => dkdLoss(zs, teacher, labels)],
  ];
  const pcdLosses = pcdVariants.map((options): [string, (zs: tf.Tensor2D) => tf.Scalar] => [
    `PCD ${JSON.stringify(options)}`,
    (zs) => pcdLoss(zs, teacher, options).loss,
  ]);

  it.each(baselines)('%s: forward returns one tensor and keeps nothing else', (_name, lossOf) => {
    const before = tf.memory().numTensors;
    const loss = lossOf(student);
    expect(tf.memory().numTensors).toBe(before + 1);
    loss.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([...baselines, ...pcdLosses])('%s: value and gradient', (_name, lossOf) => {
    const before = tf.memory().numTensors;
    const { value, grad } = tf.valueAndGrad(lossOf)(student);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([value, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(pcdVariants)('PCD %o: the result holds exactly its five tensors', (options) => {
    const before = tf.memory().numTensors;
    const result = pcdLoss(student, teacher, options);
    expect(tf.memory().numTensors).toBe(before + 5);
    tf.dispose(Object.values(result));
    expect(tf.memory().numTensors).toBe(before);
  });
});
