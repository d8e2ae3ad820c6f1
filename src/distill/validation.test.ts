import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss, dkdLoss, kdLoss } from './baselines';
import { DistillInputError } from './errors';
import { pcdLoss } from './pcd';
import { useCpuBackend } from './test-setup';

beforeAll(useCpuBackend);

const B = 4;
const C = 10;
let student: tf.Tensor2D;
let teacher: tf.Tensor2D;
const labels = [0, 3, 9, 5];

beforeAll(() => {
  student = tf.randomNormal([B, C], 0, 1, 'float32', 1) as tf.Tensor2D;
  teacher = tf.randomNormal([B, C], 0, 2, 'float32', 2) as tf.Tensor2D;
});
afterAll(() => tf.dispose([student, teacher]));

/** Runs `f`, expects a DistillInputError and returns it. */
function inputError(f: () => unknown): DistillInputError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(DistillInputError);
    return error as DistillInputError;
  }
  throw new Error('expected a DistillInputError, nothing was thrown');
}

describe('PCD options fail fast, naming the option, the value and the allowed range', () => {
  it.each([
    [{ stages: 2.5 }, 'stages = 2.5', 'an integer in 1…10'],
    [{ stages: 0 }, 'stages = 0', 'an integer in 1…10'],
    [{ stages: 11 }, 'stages = 11', 'an integer in 1…10'],
    [{ stages: Number.NaN }, 'stages = NaN', 'an integer in 1…10'],
    [{ temperature: 0 }, 'temperature = 0', 'a finite number > 0'],
    [{ temperature: -1 }, 'temperature = -1', 'a finite number > 0'],
    [{ temperature: Infinity }, 'temperature = Infinity', 'a finite number > 0'],
    [{ temperature: Number.NaN }, 'temperature = NaN', 'a finite number > 0'],
    [{ alpha: -0.5 }, 'alpha = -0.5', 'a finite number ≥ 0'],
    [{ alpha: Infinity }, 'alpha = Infinity', 'a finite number ≥ 0'],
    [{ activeStage: 4 }, 'activeStage = 4', 'an integer in 1…3'],
    [{ activeStage: 0 }, 'activeStage = 0', 'an integer in 1…3'],
    [{ fineToCoarse: false, coarseToFine: false }, 'fineToCoarse/coarseToFine', 'at least one pass'],
    [{ adaptive: 'yes' as unknown as boolean }, 'adaptive = "yes"', 'true or false'],
  ])('%o', (options, named, allowed) => {
    const error = inputError(() => pcdLoss(student, teacher, options));
    expect(error.message).toContain(named);
    expect(error.message).toContain(allowed);
  });

  it('accepts S = C (every class its own group at the finest stage)', () => {
    const result = pcdLoss(student, teacher, { stages: C });
    expect(Number.isFinite(result.loss.dataSync()[0])).toBe(true);
    tf.dispose(result as unknown as tf.TensorContainer);
  });
});

describe('baseline options fail fast', () => {
  it.each([
    ['KD τ = 0', () => kdLoss(student, teacher, { temperature: 0 }), 'temperature = 0'],
    ['DKD τ = NaN', () => dkdLoss(student, teacher, labels, { temperature: Number.NaN }), 'temperature = NaN'],
    ['DKD α < 0', () => dkdLoss(student, teacher, labels, { alpha: -1 }), 'alpha = -1'],
    ['DKD β = ∞', () => dkdLoss(student, teacher, labels, { beta: Infinity }), 'beta = Infinity'],
  ])('%s', (_name, run, named) => {
    expect(inputError(run).message).toContain(named);
  });
});

describe('inputs fail fast', () => {
  it('mismatched logit shapes', () => {
    const wide = tf.zeros([B, C + 1]) as tf.Tensor2D;
    const error = inputError(() => pcdLoss(student, wide));
    expect(error.message).toBe("teacherLogits.shape = [4, 11] is invalid: expected the student logits' shape [4, 10]");
    expect(inputError(() => kdLoss(student, wide)).option).toBe('teacherLogits.shape');
    expect(inputError(() => dkdLoss(student, wide, labels)).option).toBe('teacherLogits.shape');
    wide.dispose();
  });

  it('logits that are not a [batch, classes] matrix', () => {
    const flat = tf.zeros([C]) as unknown as tf.Tensor2D;
    expect(inputError(() => kdLoss(flat, flat)).message).toContain('studentLogits.shape = [10]');
    flat.dispose();
  });

  it.each([
    [[0, 3, 10, 5], 'labels[2] = 10', 'an integer in 0…9'],
    [[0, -1, 9, 5], 'labels[1] = -1', 'an integer in 0…9'],
    [[0, 3, 9, 1.5], 'labels[3] = 1.5', 'an integer in 0…9'],
    [[0, 3, 9], 'labels.length = 3', '4, one label per sample'],
  ])('labels %o', (badLabels, named, allowed) => {
    for (const run of [() => crossEntropyLoss(student, badLabels), () => dkdLoss(student, teacher, badLabels)]) {
      const error = inputError(run);
      expect(error.message).toContain(named);
      expect(error.message).toContain(allowed);
    }
  });

  it('a rejected call leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    inputError(() => dkdLoss(student, teacher, [0, 3, 99, 5]));
    inputError(() => pcdLoss(student, teacher, { stages: 0 }));
    expect(tf.memory().numTensors).toBe(before);
  });
});
