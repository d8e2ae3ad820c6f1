// Time per training step of each method, on whichever TF.js backend is active. Shared by
// `npm run bench` in Node and in Chromium (loaded there through the Vite dev server).
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/dataset';
import { METHOD_DEFAULTS, type Method } from '../../src/distill/objective';
import { defaultTrainerConfig } from '../../src/train/config';
import { DistillationTrainer } from '../../src/train/trainer';
import { countDispatches, type Dispatches } from './dispatches';

export interface TrainerTiming {
  /** One method alone, or `race`: the four side by side, one step each on the same batch (the page's race preset). */
  method: Method | 'race';
  msPerStep: number;
  samplesMs: number[];
  /** Launches of one whole training step (forward, loss, backward, optimizer update, loss read-back). */
  dispatches: Dispatches;
}

export async function benchTrainerSteps(
  dataset: Dataset,
  teacher: tf.LayersModel,
  student: string,
  steps: number,
  batchSize: number,
): Promise<TrainerTiming[]> {
  // 1,024 training samples: the teacher-logit cache (built in the first warm-up step, not
  // timed) stays quick on a software GPU; a step's cost does not depend on the subset.
  const config = {
    ...defaultTrainerConfig(dataset.id),
    student,
    batchSize,
    trainSubset: 1024,
    budget: { unit: 'steps' as const, amount: steps + 5 },
  };
  const timings: TrainerTiming[] = [];
  for (const method of ['ce', 'kd', 'dkd', 'pcd', 'race'] as const) {
    const runs = (method === 'race' ? (['ce', 'kd', 'dkd', 'pcd'] as const) : [method]).map((m) => ({ id: m, method: METHOD_DEFAULTS[m] }));
    const trainer = new DistillationTrainer(config, runs, dataset, teacher);
    for (let i = 0; i < 3; i++) await trainer.trainStep(); // warm-up: shaders, teacher cache, optimizer slots
    const samplesMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const started = performance.now();
      await trainer.trainStep(); // reads the losses back, so each step is finished when it returns
      samplesMs.push(performance.now() - started);
    }
    const dispatches = await countDispatches(async () => {
      await trainer.trainStep();
      return [];
    });
    trainer.dispose();
    const sorted = [...samplesMs].sort((a, b) => a - b);
    timings.push({ method, msPerStep: sorted[sorted.length >> 1], samplesMs, dispatches });
  }
  return timings;
}
