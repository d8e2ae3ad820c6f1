import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic100 } from '../data/synthetic';
import { METHOD_DEFAULTS } from '../distill/objective';
import { modelSpec } from '../models/zoo';
import { selectBackend } from '../tf/backends';
import { defaultTrainerConfig, parseTrainerConfig, type TrainerConfig } from './config';
import { TrainingStopped, type RunSpec, type StepReport } from './reports';
import { SeedSet } from './seed-set';
import { DistillationTrainer } from './trainer';

// The seeds of a race are trainers of their own, driven as one: each seed's runs must be
// exactly what that seed's trainer alone would train (CPU backend, whole steps: bit for bit).
const dataset = generateSynthetic100({ trainCount: 512, testCount: 128 });
let teacher: tf.LayersModel;
beforeAll(async () => {
  await selectBackend(['cpu']);
  teacher = modelSpec('synthetic-mlp-teacher').build(3);
});
afterAll(() => teacher.dispose());

const config = (change: Partial<TrainerConfig> = {}): TrainerConfig => ({
  ...defaultTrainerConfig('synthetic100'),
  trainSubset: 256,
  batchSize: 64,
  budget: { unit: 'steps', amount: 6 },
  seed: 4,
  seeds: 3,
  ...change,
});
const runs: RunSpec[] = [
  { id: 'ce', method: METHOD_DEFAULTS.ce },
  { id: 'pcd', method: METHOD_DEFAULTS.pcd },
];

const ofSeed = (report: StepReport, seed: number) => report.runs.filter((r) => r.seed === seed).map((r) => ({ ...r, seed: 0 }));

describe('a race on several seeds', () => {
  it('trains seeds seed … seed + n − 1, each exactly as its own trainer alone, with every report tagged by seed', async () => {
    const set = new SeedSet(config(), runs, dataset, teacher, 'whole', 'loop');
    expect(set.seeds).toEqual([4, 5, 6]);
    const alone = [4, 5, 6].map((seed) => new DistillationTrainer(config({ seed, seeds: 1 }), runs, dataset, teacher, 'whole'));
    for (let step = 0; step < 3; step++) {
      const report = await set.trainStep();
      expect(report.runs.map((r) => `${r.id}@${r.seed}`)).toEqual(['ce@4', 'pcd@4', 'ce@5', 'pcd@5', 'ce@6', 'pcd@6']);
      for (const [k, trainer] of alone.entries()) expect(ofSeed(report, 4 + k)).toEqual(ofSeed(await trainer.trainStep(), 4 + k));
    }
    // Different seeds: different initial weights and batches, so different losses.
    const report = await set.trainStep();
    expect(new Set(report.runs.filter((r) => r.id === 'ce').map((r) => r.loss)).size).toBe(3);
    const evaluations = await set.evaluate({ teacherMetrics: false });
    expect(evaluations.map((e) => `${e.id}@${e.seed}`)).toEqual(['ce@4', 'pcd@4', 'ce@5', 'pcd@5', 'ce@6', 'pcd@6']);
    set.followSeed(5);
    expect((await set.probeSnapshot(2)).seed).toBe(5);
    expect(() => set.followSeed(7)).toThrow("seed = 7 is not one of this race's seeds (4, 5, 6)");
    set.dispose();
    for (const trainer of alone) trainer.dispose();
  });

  it('a pause between seeds keeps the seeds done; the step goes on from the next seed, and a live change then reaches every seed at the same step', async () => {
    const stopped = new SeedSet(config(), runs, dataset, teacher, 'whole', 'loop');
    const straight = new SeedSet(config(), runs, dataset, teacher, 'whole', 'loop');
    await stopped.trainStep();
    await straight.trainStep();
    // Stop after the first seed's step: the step is not finished, the first seed has taken it.
    let asked = 0;
    await expect(stopped.trainStepUnlessStopped(() => ++asked === 1)).rejects.toBeInstanceOf(TrainingStopped);
    expect(stopped.currentStep).toBe(1);
    expect(stopped.trainers.map((t) => t.currentStep)).toEqual([2, 1, 1]);
    // A change now: seed 4 has finished step 1 and takes it from step 2; seeds 5 and 6 after their step 1.
    stopped.adjust({ learningRate: 0.002 });
    const resumed = await stopped.trainStepUnlessStopped(() => false);
    const whole = await straight.trainStep();
    straight.adjust({ learningRate: 0.002 });
    expect(resumed.step).toBe(1);
    expect(resumed.runs).toEqual(whole.runs);
    expect(await stopped.trainStep()).toEqual(await straight.trainStep());
    // The snapshot of a race restores every seed.
    const snapshot = await stopped.snapshot();
    const restored = new SeedSet(config(), runs, dataset, teacher, 'whole', 'loop');
    await restored.restore(snapshot);
    expect(restored.currentStep).toBe(3);
    expect(await restored.trainStep()).toEqual(await stopped.trainStep());
    for (const s of [stopped, straight, restored]) s.dispose();
  });

  it('takes 1 … 10 seeds, and refuses others naming the field', () => {
    expect(parseTrainerConfig({ ...defaultTrainerConfig('mnist'), seeds: 10 }, null).seeds).toBe(10);
    // A configuration written before seeds existed trains one.
    const older: Partial<TrainerConfig> = defaultTrainerConfig('mnist');
    delete older.seeds;
    expect(parseTrainerConfig(older, null).seeds).toBe(1);
    expect(() => parseTrainerConfig({ ...defaultTrainerConfig('mnist'), seeds: 11 }, null)).toThrow(/seeds: .*10/);
    expect(() => parseTrainerConfig({ ...defaultTrainerConfig('mnist'), seeds: 0 }, null)).toThrow(/seeds/);
    expect(() => parseTrainerConfig({ ...defaultTrainerConfig('mnist'), seed: 2 ** 31 - 1, seeds: 2 }, null)).toThrow(/seeds: seed \+ seeds − 1/);
  });
});
