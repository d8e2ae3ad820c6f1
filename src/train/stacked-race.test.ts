import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic100 } from '../data/synthetic';
import { METHOD_DEFAULTS } from '../distill/objective';
import { modelSpec } from '../models/zoo';
import { selectBackend } from '../tf/backends';
import { defaultTrainerConfig, type TrainerConfig } from './config';
import type { RunSpec, StepReport } from './reports';
import { SeedSet } from './seed-set';

// The stacked engine must train every run exactly as the loop does, to float tolerance: the
// same losses reported, the same weights after several steps, the same evaluation, for every
// method and PCD's options, on either optimizer, across a snapshot. CPU backend.
const dataset = generateSynthetic100({ trainCount: 512, testCount: 128 });
let teacher: tf.LayersModel;
beforeAll(async () => {
  await selectBackend(['cpu']);
  teacher = modelSpec('synthetic-mlp-teacher').build(3);
});
afterAll(() => teacher.dispose());

const config = (change: Partial<TrainerConfig> = {}): TrainerConfig => ({
  ...defaultTrainerConfig('synthetic100'),
  trainSubset: 192,
  batchSize: 64,
  budget: { unit: 'steps', amount: 8 },
  warmupShare: 0.25,
  seed: 2,
  seeds: 2,
  ...change,
});
const race: RunSpec[] = [
  { id: 'ce', method: METHOD_DEFAULTS.ce },
  { id: 'kd', method: METHOD_DEFAULTS.kd },
  { id: 'dkd', method: METHOD_DEFAULTS.dkd },
  { id: 'pcd', method: METHOD_DEFAULTS.pcd },
  { id: 'pcd-f2c', method: { ...METHOD_DEFAULTS.pcd, stages: 4, coarseToFine: false, adaptive: false, standardizeLogits: true } },
  { id: 'kd-std', method: { ...METHOD_DEFAULTS.kd, standardizeLogits: true, temperature: 2 } },
];

/** Every number of two reports, side by side, equal to relative `tolerance`. */
function expectClose(a: StepReport, b: StepReport, tolerance = 2e-5) {
  expect(a.runs.map((r) => `${r.id}@${r.seed}`)).toEqual(b.runs.map((r) => `${r.id}@${r.seed}`));
  const at = (r: StepReport) => [r.step, r.epoch, r.activeStage, r.warm, r.learningRate];
  expect(at(a)).toEqual(at(b));
  a.runs.forEach((run, i) => {
    const other = b.runs[i];
    const near = (x: number, y: number, what: string) =>
      expect(Math.abs(x - y), `${run.id}@${run.seed} ${what}: ${x} vs ${y}`).toBeLessThan(tolerance * Math.max(1, Math.abs(y)));
    near(run.loss, other.loss, 'loss');
    expect(Object.keys(run.terms)).toEqual(Object.keys(other.terms));
    for (const name of Object.keys(run.terms)) near(run.terms[name], other.terms[name], name);
    expect(run.stageLosses?.length).toBe(other.stageLosses?.length);
    run.stageLosses?.forEach((v, k) => near(v, other.stageLosses![k], `L${k + 1}`));
  });
}

function expectSameWeights(a: SeedSet, b: SeedSet, tolerance = 2e-5) {
  for (const seed of a.seeds) {
    const [x, y] = [a.students(seed), b.students(seed)];
    x.forEach((run, i) =>
      run.model.weights.forEach((w, j) => {
        const [u, v] = [w.read().dataSync(), y[i].model.weights[j].read().dataSync()];
        let worst = 0;
        for (let k = 0; k < u.length; k++) worst = Math.max(worst, Math.abs(u[k] - v[k]));
        expect(worst, `${run.id}@${seed} ${w.name}`).toBeLessThan(tolerance);
      }),
    );
  }
}

describe('the stacked engine', () => {
  it('trains every run of every seed as the loop does: losses, terms, stage losses, weights and evaluation', async () => {
    // A scheduled stage halfway through: PCD's stage weights change during the run.
    const c = config({
      schedule: {
        kind: 'custom',
        segments: [
          { stage: 1, share: 1 },
          { stage: 3, share: 1 },
        ],
      },
    });
    const runs = race.filter((r) => r.id !== 'pcd-f2c');
    const stacked = new SeedSet(c, runs, dataset, teacher, 'whole', 'stacked');
    const loop = new SeedSet(c, runs, dataset, teacher, 'whole', 'loop');
    expect([stacked.engine, loop.engine]).toEqual(['stacked', 'loop']);
    // On this (pure-JS CPU) backend a race left to choose loops: stacking is slower here.
    const chosen = new SeedSet(c, runs, dataset, teacher, 'whole');
    expect(chosen.engine).toBe('loop');
    chosen.dispose();
    for (let step = 0; step < 6; step++) expectClose(await stacked.trainStep(), await loop.trainStep());
    expectSameWeights(stacked, loop);
    const [e1, e2] = [await stacked.evaluate({ teacherMetrics: false }), await loop.evaluate({ teacherMetrics: false })];
    expect(e1.map((e) => [e.id, e.seed, e.testAccuracy])).toEqual(e2.map((e) => [e.id, e.seed, e.testAccuracy]));
    stacked.dispose();
    loop.dispose();
  });

  it('trains as the loop does on the WASM backend too (the engine the page and the runner pick there)', async () => {
    const { getBackend } = await import('@tensorflow/tfjs');
    await selectBackend(['wasm']);
    try {
      expect(getBackend()).toBe('wasm');
      const c = config();
      const runs = race.slice(0, 4);
      const stacked = new SeedSet(c, runs, dataset, teacher, 'whole', 'stacked');
      const loop = new SeedSet(c, runs, dataset, teacher, 'whole', 'loop');
      for (let step = 0; step < 4; step++) expectClose(await stacked.trainStep(), await loop.trainStep());
      expectSameWeights(stacked, loop);
      stacked.dispose();
      loop.dispose();
    } finally {
      await selectBackend(['cpu']);
    }
  });

  it('takes joint PCD with other options, standardised KD and momentum SGD the same way', async () => {
    const c = config({ optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, seeds: 1 });
    const stacked = new SeedSet(c, race, dataset, teacher, 'whole', 'stacked');
    const loop = new SeedSet(c, race, dataset, teacher, 'whole', 'loop');
    for (let step = 0; step < 4; step++) expectClose(await stacked.trainStep(), await loop.trainStep());
    expectSameWeights(stacked, loop);
    stacked.dispose();
    loop.dispose();
  });

  it("trains as the loop does without a teacher cache (augmentation on: the teacher predicts each seed's batch)", async () => {
    // Augmentation on the synthetic (vector) data changes no sample but turns the cache off.
    const c = config({ augmentation: true });
    const runs = race.slice(0, 4);
    const before = (await import('@tensorflow/tfjs')).memory().numTensors;
    const stacked = new SeedSet(c, runs, dataset, teacher, 'whole', 'stacked');
    const loop = new SeedSet(c, runs, dataset, teacher, 'whole', 'loop');
    for (let step = 0; step < 3; step++) expectClose(await stacked.trainStep(), await loop.trainStep());
    expectSameWeights(stacked, loop);
    stacked.dispose();
    loop.dispose();
    expect((await import('@tensorflow/tfjs')).memory().numTensors).toBe(before);
  });

  it('snapshots its runs as the loop would, and goes on from a snapshot on either engine', async () => {
    const runs = race.slice(0, 4);
    const stacked = new SeedSet(config(), runs, dataset, teacher, 'whole', 'stacked');
    const loop = new SeedSet(config(), runs, dataset, teacher, 'whole', 'loop');
    for (let step = 0; step < 3; step++) {
      await stacked.trainStep();
      await loop.trainStep();
    }
    const [s1, s2] = [await stacked.snapshot(), await loop.snapshot()];
    // The same state, in the same format: names, shapes, the data order, the random state, values to float tolerance.
    expect(s1.step).toBe(3);
    s1.seeds.forEach((seed, k) => {
      const other = s2.seeds[k];
      expect([seed.step, seed.order, seed.random]).toEqual([other.step, other.order, other.random]);
      seed.runs.forEach((run, i) => {
        for (const part of ['weights', 'optimizer'] as const) {
          // Names as each model names its weights (the layer's number differs from model to model): "kernel/m" and such.
          const named = (t: { name: string; shape: number[] }) => [t.name.replace(/^[^/]*\/?/, ''), t.shape];
          expect(run[part].map(named)).toEqual(other.runs[i][part].map(named));
          run[part].forEach((t, j) => t.values.forEach((v, n) => expect(Math.abs(v - other.runs[i][part][j].values[n])).toBeLessThan(2e-5)));
        }
      });
    });
    // Restored into a fresh stack, and into the loop: both go on as the original stack does.
    const fromStack = new SeedSet(config(), runs, dataset, teacher, 'whole', 'stacked');
    const intoLoop = new SeedSet(config(), runs, dataset, teacher, 'whole', 'loop');
    await fromStack.restore(s1);
    await intoLoop.restore(s1);
    const next = await stacked.trainStep();
    expect(await fromStack.trainStep()).toEqual(next);
    expectClose(await intoLoop.trainStep(), next);
    for (const s of [stacked, loop, fromStack, intoLoop]) s.dispose();
  });

  it('leaks no tensor over steps, evaluations and snapshots', async () => {
    const { memory } = await import('@tensorflow/tfjs');
    const set = new SeedSet(config(), race.slice(0, 4), dataset, teacher, 'whole', 'stacked');
    await set.trainStep();
    await set.snapshot();
    await set.evaluate({ teacherMetrics: false });
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await set.trainStep();
      await set.snapshot();
      await set.evaluate({ teacherMetrics: false });
    }
    expect(memory().numTensors).toBe(before);
    // What the soak reads after a step: the tensors then, the step's numbers already freed.
    await set.trainStep();
    expect(set.restingMemory).toEqual({ numTensors: memory().numTensors, numBytes: memory().numBytes });
    set.dispose();
  });
});
