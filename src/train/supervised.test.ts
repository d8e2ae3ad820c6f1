import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic100 } from '../data/synthetic';
import { modelSpec } from '../models/zoo';
import { selectBackend } from '../tf/backends';
import { trainSupervised } from './supervised';

beforeAll(() => selectBackend(['cpu']));

describe('supervised training (teachers, baselines)', () => {
  const data = generateSynthetic100({ trainCount: 1024, testCount: 256 });
  const recipe = { epochs: 2, batchSize: 128, learningRate: 2e-3, shiftAugmentation: 0, seed: 5 };

  const run = async (seed: number, id = 'synthetic-mlp-teacher') => {
    const model = modelSpec(id).build(seed);
    const reports = await trainSupervised(model, data, { ...recipe, seed });
    const weights = await Promise.all(model.getWeights().map((w) => w.data()));
    model.dispose();
    return { reports, weights };
  };

  it('is reproducible from its seed on the CPU backend: same weights to the bit, same metrics', async () => {
    const before = tf.memory().numTensors;
    // The loop is what is checked, so a small model: the teacher's 100k weights take 7 s per three runs.
    const a = await run(5, 'synthetic-mlp-small');
    const b = await run(5, 'synthetic-mlp-small');
    expect(tf.memory().numTensors).toBe(before);
    expect(b.reports.map((r) => [r.trainLoss, r.testAccuracy])).toEqual(a.reports.map((r) => [r.trainLoss, r.testAccuracy]));
    a.weights.forEach((w, i) => expect(Buffer.from(b.weights[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
    const c = await run(6, 'synthetic-mlp-small');
    expect(Buffer.from(c.weights[0].buffer).equals(Buffer.from(a.weights[0].buffer))).toBe(false);
  });

  it('learns: the loss falls and test accuracy beats chance (1%) by far', async () => {
    const { reports } = await run(5);
    expect(reports[1].trainLoss).toBeLessThan(reports[0].trainLoss);
    expect(reports[1].testAccuracy).toBeGreaterThan(0.1);
  });
});
