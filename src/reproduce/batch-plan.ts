import { SeededRandom } from '../data/random';
import type { TrainerConfig } from '../train/config';

/** What one seed's training reads, in order: see {@link batchPlan}. */
export interface BatchPlan {
  seed: number;
  /** Training samples one epoch goes through (the subset). */
  perEpoch: number;
  epochs: number;
  /**
   * `epochs × perEpoch` indices into the training split: row `e` is epoch `e`'s order; step
   * `t` of the epoch trains on its entries `t·B … (t+1)·B − 1` (the last batch may be short).
   */
  order: Int32Array;
}

/**
 * The batches a trainer of `seed` draws (src/train/trainer.ts): mulberry32 seeded with the
 * seed, a Fisher–Yates shuffle of the training split's indices cut to `trainSubset` when the
 * subset is smaller than the split, then one shuffle of the subset's positions per epoch.
 * Recomputed here without training, so an export can carry the order itself; a unit test holds
 * it to the trainer's own batches. Augmentation draws its shifts from the same generator
 * between the shuffles, so with it on the order is not this one: refused.
 */
export function batchPlan(
  config: Pick<TrainerConfig, 'trainSubset' | 'batchSize' | 'budget' | 'augmentation'>,
  trainCount: number,
  seed: number,
): BatchPlan {
  if (config.augmentation) {
    throw new Error(
      'augmentation: its random shifts come from the same generator as the batch order, which an export cannot replay: turn augmentation off',
    );
  }
  const random = new SeededRandom(seed);
  const count = Math.min(config.trainSubset, trainCount);
  const all = Array.from({ length: trainCount }, (_, i) => i);
  const subset = count === trainCount ? all : random.shuffle(all).slice(0, count);
  const stepsPerEpoch = Math.ceil(count / config.batchSize);
  const total = config.budget.unit === 'epochs' ? config.budget.amount * stepsPerEpoch : config.budget.amount;
  const epochs = Math.ceil(total / stepsPerEpoch);
  const order = new Int32Array(epochs * count);
  for (let e = 0; e < epochs; e++) {
    const positions = random.shuffle(Array.from({ length: count }, (_, i) => i));
    for (let i = 0; i < count; i++) order[e * count + i] = subset[positions[i]];
  }
  return { seed, perEpoch: count, epochs, order };
}
