// Time per training step of each method, on whichever TF.js backend is active. Shared by
// `npm run bench` in Node and in Chromium (loaded there through the Vite dev server).
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/dataset';
import { METHOD_DEFAULTS, type Method } from '../../src/distill/objective';
import { defaultTrainerConfig } from '../../src/train/config';
import { isConvolutional } from '../../src/models/catalog';
import { modelSpec } from '../../src/models/zoo';
import { SeedSet, type RaceEngine } from '../../src/train/seed-set';
import { DistillationTrainer } from '../../src/train/trainer';
import { countDispatches, type Dispatches } from './dispatches';
import type { PyTorchBench } from './pytorch-bench';

/** The race of four on several seeds and engines: `race ×5 stacked` is 4 methods × 5 seeds as one computation. */
export type RaceVariant = `race ×${number} ${RaceEngine}`;

export interface TrainerTiming {
  /**
   * One method alone, or `race`: the four side by side, one step each on the same batch, one
   * run after the other (the page's race preset as it trained before stacking), or a
   * {@link RaceVariant} (the page's engine now).
   */
  method: Method | 'race' | RaceVariant;
  /** How the variant's steps ran (a CNN student loops whatever was asked). */
  engine?: RaceEngine;
  msPerStep: number;
  samplesMs: number[];
  /** Launches of one whole training step (forward, loss, backward, optimizer update, loss read-back). */
  dispatches: Dispatches;
  /** The same step in PyTorch on one CPU thread, timed alternately with this one (where the bench has PyTorch beside it). */
  pytorch?: { msPerStep: number; samplesMs: number[] };
}

export async function benchTrainerSteps(
  dataset: Dataset,
  teacher: tf.LayersModel,
  student: string,
  steps: number,
  batchSize: number,
  pytorch?: PyTorchBench,
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
  const race = (['ce', 'kd', 'dkd', 'pcd'] as const).map((m) => ({ id: m, method: METHOD_DEFAULTS[m] }));
  if (pytorch) {
    const model = modelSpec(student, dataset).build(1);
    await pytorch.setup(model, dataset.featureShape, dataset.classNames.length, batchSize, config, race);
    model.dispose();
  }
  for (const method of ['ce', 'kd', 'dkd', 'pcd', 'race'] as const) {
    const runs = method === 'race' ? race : [{ id: method, method: METHOD_DEFAULTS[method] }];
    const trainer = new DistillationTrainer(config, runs, dataset, teacher);
    // Each step reads the losses back, so it is finished when it returns; the warm-up builds shaders, the teacher cache, optimizer slots.
    const beside = pytorch
      ? (n: number) =>
          pytorch.time(
            runs.map((r) => r.id),
            n,
          )
      : undefined;
    timings.push({ method, ...(await timeSteps(() => trainer.trainStep(), steps, beside)) });
    trainer.dispose();
  }
  for (const [seeds, engine] of variants) {
    // A CNN student cannot be stacked: it loops, and says so.
    const set = new SeedSet(
      { ...config, seeds },
      race,
      dataset,
      teacher,
      'whole',
      engine === 'stacked' && !isConvolutional(student, null) ? 'stacked' : 'loop',
    );
    timings.push({ method: `race ×${seeds} ${engine}`, engine: set.engine, ...(await timeSteps(() => set.trainStep(), steps)) });
    set.dispose();
  }
  return timings;
}

/** The race of four on 1 and 5 seeds, stacked and looped. */
const variants: [number, RaceEngine][] = [
  [1, 'stacked'],
  [5, 'stacked'],
  [5, 'loop'],
];

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[samples.length >> 1];

/**
 * Median time per call of `step` over `steps` calls after 3 warm-up calls, and one call's
 * dispatches. With `beside` (PyTorch's same step, `n` times), the two sides alternate in
 * three rounds, each side's calls split between them, after a warm-up of both.
 */
async function timeSteps(
  step: () => Promise<unknown>,
  steps: number,
  beside?: (n: number) => Promise<number[]>,
): Promise<Omit<TrainerTiming, 'method'>> {
  for (let i = 0; i < 3; i++) await step();
  if (beside) await beside(3);
  const samplesMs: number[] = [];
  const besideMs: number[] = [];
  const rounds = beside ? 3 : 1;
  for (let round = 0; round < rounds; round++) {
    const calls = Math.ceil((steps * (round + 1)) / rounds) - Math.ceil((steps * round) / rounds);
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      await step();
      samplesMs.push(performance.now() - started);
    }
    if (beside) besideMs.push(...(await beside(calls)));
  }
  const dispatches = await countDispatches(async () => {
    await step();
    return [];
  });
  return {
    msPerStep: median(samplesMs),
    samplesMs,
    dispatches,
    ...(beside ? { pytorch: { msPerStep: median(besideMs), samplesMs: besideMs } } : {}),
  };
}
