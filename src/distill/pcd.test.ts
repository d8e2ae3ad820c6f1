import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasFusedPcd } from '../kernels/pcd';
import { kdLossReference } from './baselines';
import { groupCount, groupSlot, pcdLoss, readPcdDiagnostics } from './pcd';
import { useCpuBackend } from './test-setup';

beforeAll(useCpuBackend);

const B = 5;
const C = 12;
let student: tf.Tensor2D;
let teacher: tf.Tensor2D;
beforeAll(() => {
  student = tf.randomNormal([B, C], 0, 1.5, 'float32', 11) as tf.Tensor2D;
  teacher = tf.randomNormal([B, C], 0, 3, 'float32', 12) as tf.Tensor2D;
});
afterAll(() => tf.dispose([student, teacher]));

const scalar = (t: tf.Tensor) => t.dataSync()[0];

describe('PCD reduces to what the spec says at its corners', () => {
  it('one stage, λ = 1, one pass is plain KD (the fused PCD kernel against KD composed from TF.js ops)', () => {
    expect(hasFusedPcd()).toBe(true); // else pcdLoss is the composed reference, not the kernel
    const result = pcdLoss(student, teacher, { stages: 1, adaptive: false, coarseToFine: false });
    const kd = kdLossReference(student, teacher, 4, false);
    expect(scalar(result.loss)).toBeCloseTo(scalar(kd), 4);
    tf.dispose([...Object.values(result), kd]);
  });

  it('both passes count every stage twice; α scales the term; scheduled mode is α·2·L_k', () => {
    const joint = pcdLoss(student, teacher, { alpha: 0.5 });
    const stageLosses = Array.from(joint.stageLosses.dataSync());
    expect(scalar(joint.loss)).toBeCloseTo(0.5 * 2 * stageLosses.reduce((a, b) => a + b), 4);
    for (const k of [1, 2, 3]) {
      const scheduled = pcdLoss(student, teacher, { alpha: 0.5, activeStage: k });
      expect(scalar(scheduled.loss)).toBeCloseTo(0.5 * 2 * stageLosses[k - 1], 4);
      tf.dispose(Object.values(scheduled));
    }
    tf.dispose(Object.values(joint));
  });

  it('ranks order classes by |zt − zs|, largest first; ranking off keeps index order', () => {
    const ranked = pcdLoss(student, teacher, { stages: 4 });
    const gaps = tf.abs(tf.sub(teacher, student)).arraySync() as number[][];
    const ranks = ranked.ranks.arraySync();
    for (let b = 0; b < B; b++) {
      const byGap = gaps[b].map((g, c) => [g, c]).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
      byGap.forEach(([, c], rank) => expect(ranks[b][c]).toBe(rank));
    }
    const unranked = pcdLoss(student, teacher, { stages: 4, ranking: false });
    for (const row of unranked.ranks.arraySync()) expect(row).toEqual([...Array(C).keys()]);
    tf.dispose([...Object.values(ranked), ...Object.values(unranked)]);
  });

  it('stage k cuts the ranked classes into k contiguous groups of near-equal size', async () => {
    const stages = 5;
    const result = pcdLoss(student, teacher, { stages });
    const ranks = result.ranks.arraySync();
    const { stageGroups } = await readPcdDiagnostics(result);
    for (let b = 0; b < B; b++) {
      for (let k = 1; k <= stages; k++) {
        const byRank = [...Array(C).keys()].sort((x, y) => ranks[b][x] - ranks[b][y]).map((c) => stageGroups[(b * stages + k - 1) * C + c]);
        expect(byRank).toEqual([...byRank].sort((x, y) => x - y)); // contiguous in rank order
        const sizes = Array.from({ length: k }, (_, g) => byRank.filter((x) => x === g).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
    tf.dispose(Object.values(result));
  });

  it('group losses are λ·τ²·KL ≥ 0, sum to the stage losses, and λ is 1 − cosine in [0, 1]', () => {
    const stages = 3;
    const result = pcdLoss(student, teacher, { stages });
    expect(result.groupLosses.shape).toEqual([B, groupCount(stages)]);
    const groupLosses = result.groupLosses.arraySync();
    const lambdas = result.lambdas.arraySync().flat();
    const stageLosses = result.stageLosses.arraySync();
    for (const value of groupLosses.flat()) expect(value).toBeGreaterThanOrEqual(-1e-6);
    for (const value of lambdas) {
      expect(value).toBeGreaterThanOrEqual(-1e-6);
      expect(value).toBeLessThanOrEqual(1);
    }
    for (let k = 1; k <= stages; k++) {
      let sum = 0;
      for (let b = 0; b < B; b++) for (let g = 0; g < k; g++) sum += groupLosses[b][groupSlot(k, g)];
      expect(stageLosses[k - 1]).toBeCloseTo(sum / B, 4);
    }
    tf.dispose(Object.values(result));
  });

  it('a student equal to its teacher has zero loss and zero gradient', () => {
    const { value, grad } = tf.valueAndGrad((zs: tf.Tensor2D) => pcdLoss(zs, teacher).loss)(teacher);
    expect(scalar(value)).toBeCloseTo(0, 5);
    expect(Math.max(...Array.from(tf.abs(grad).dataSync()))).toBeLessThan(1e-5);
    tf.dispose([value, grad]);
  });
});
