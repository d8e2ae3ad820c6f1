import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/dataset';
import { defaultTrainerConfig } from '../train/config';
import { DistillationTrainer } from '../train/trainer';
import { batchPlan } from './batch-plan';

/** 37 samples whose features are their row index, so a batch names the rows it drew. */
function indexedDataset(): Dataset {
  const count = 37;
  const split = (n: number) => ({
    features: Float32Array.from({ length: n * 32 }, (_, i) => Math.floor(i / 32)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 100),
    count: n,
    teacherLogits: new Float32Array(n * 100),
  });
  return { id: 'synthetic100', featureShape: [32], classNames: Array.from({ length: 100 }, (_, i) => `c${i}`), train: split(count), test: split(5) };
}

describe('batchPlan', () => {
  it.each([
    ['a subset, a short last batch', 29, 8, 11],
    ['the whole split, steps beyond whole epochs', 37, 10, 9],
  ])('is the trainer’s own batch order (%s)', async (_, trainSubset, batchSize, steps) => {
    await tf.setBackend('cpu');
    const config = { ...defaultTrainerConfig('synthetic100'), trainSubset, batchSize, budget: { unit: 'steps' as const, amount: steps }, seed: 7 };
    const trainer = new DistillationTrainer(config, [{ id: 'ce', method: { method: 'ce' } }], indexedDataset(), null);
    const plan = batchPlan(config, 37, 7);
    const perEpoch = Math.ceil(plan.perEpoch / batchSize);
    try {
      for (let step = 0; step < steps; step++) {
        const drawn = await trainer.drawStep();
        const rows = Array.from(drawn.features).filter((_, i) => i % 32 === 0);
        trainer.completeStep(drawn);
        const [epoch, within] = [Math.floor(step / perEpoch), step % perEpoch];
        const planned = plan.order.subarray(
          epoch * plan.perEpoch + within * batchSize,
          epoch * plan.perEpoch + Math.min((within + 1) * batchSize, plan.perEpoch),
        );
        expect(rows).toEqual(Array.from(planned));
      }
    } finally {
      trainer.dispose();
    }
    expect(plan.epochs).toBe(Math.ceil(steps / perEpoch));
  });

  it('refuses augmentation, whose shifts it cannot replay', () => {
    const config = { ...defaultTrainerConfig('mnist'), augmentation: true };
    expect(() => batchPlan(config, 100, 1)).toThrow(/augmentation.*turn augmentation off/);
  });
});
