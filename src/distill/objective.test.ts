import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkdLoss, kdLoss } from './baselines';
import { METHOD_DEFAULTS, trainingObjective, type ObjectiveResult } from './objective';
import { pcdLoss } from './pcd';
import { useCpuBackend } from './test-setup';

beforeAll(useCpuBackend);

const labels = [3, 1, 4, 1];
let student: tf.Tensor2D;
let teacher: tf.Tensor2D;
beforeAll(() => {
  student = tf.randomNormal([4, 6], 0, 1, 'float32', 21) as tf.Tensor2D;
  teacher = tf.randomNormal([4, 6], 0, 2, 'float32', 22) as tf.Tensor2D;
});
afterAll(() => tf.dispose([student, teacher]));

const value = (t: tf.Tensor) => t.dataSync()[0];
const release = (result: ObjectiveResult) => {
  tf.dispose([result.loss, ...Object.values(result.terms)]);
  if (result.pcd) tf.dispose(Object.values(result.pcd));
};

describe('training objectives as docs/spec.md composes them', () => {
  it('KD: w_ce·CE + w_kd·KD with the mdistiller defaults 0.1 / 0.9', () => {
    const result = trainingObjective(METHOD_DEFAULTS.kd, student, teacher, labels);
    const kd = kdLoss(student, teacher);
    expect(value(result.loss)).toBeCloseTo(0.1 * value(result.terms.ce) + 0.9 * value(kd), 5);
    release(result);
    kd.dispose();
  });

  it('DKD: CE + warm·DKD', () => {
    const result = trainingObjective(METHOD_DEFAULTS.dkd, student, teacher, labels, { warm: 0.25 });
    const dkd = dkdLoss(student, teacher, labels);
    expect(value(result.loss)).toBeCloseTo(value(result.terms.ce) + 0.25 * value(dkd), 4);
    release(result);
    dkd.dispose();
  });

  it('PCD: w_ce·CE + warm·α·L_PCD, and warm·α·2·L_k while a schedule trains stage k', () => {
    const config = { ...METHOD_DEFAULTS.pcd, alpha: 0.5, ceWeight: 0.7 };
    const joint = trainingObjective(config, student, teacher, labels, { warm: 0.5 });
    const bare = pcdLoss(student, teacher, { stages: 3 });
    const ce = value(joint.terms.ce);
    expect(value(joint.loss)).toBeCloseTo(0.7 * ce + 0.5 * 0.5 * value(bare.loss), 4);
    const scheduled = trainingObjective(config, student, teacher, labels, { activeStage: 2 });
    expect(value(scheduled.loss)).toBeCloseTo(0.7 * ce + 0.5 * 2 * bare.stageLosses.dataSync()[1], 4);
    expect(joint.pcd!.ranks.shape).toEqual([4, 6]);
    expect(joint.pcd!.groupLosses.shape).toEqual([4, 6]); // G = 3·4/2 groups
    [joint, scheduled].forEach(release);
    tf.dispose(Object.values(bare));
  });

  it('CE needs no teacher; the others refuse to run without one, leaking nothing', () => {
    const before = tf.memory().numTensors;
    release(trainingObjective({ method: 'ce' }, student, null, labels));
    expect(() => trainingObjective(METHOD_DEFAULTS.pcd, student, null, labels)).toThrow(/teacherLogits = null is invalid/);
    expect(() => trainingObjective({ ...METHOD_DEFAULTS.kd, kdWeight: -1 }, student, teacher, labels)).toThrow(/kdWeight = -1/);
    expect(() => trainingObjective(METHOD_DEFAULTS.dkd, student, teacher, labels, { warm: 2 })).toThrow(/warm = 2/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
