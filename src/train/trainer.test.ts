import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic100 } from '../data/synthetic';
import { METHOD_DEFAULTS } from '../distill/objective';
import { modelSpec } from '../models/zoo';
import { selectBackend } from '../tf/backends';
import { defaultTrainerConfig, plannedSteps, type TrainerConfig } from './config';
import { DistillationTrainer } from './trainer';
import { TrainingStopped, type RunSpec } from './reports';

// A small real setup on the CPU backend: the synthetic dataset, a freshly trained-for-a-
// moment teacher (the committed teacher is exercised by the teacher tests).
const dataset = generateSynthetic100({ trainCount: 1024, testCount: 256 });
let teacher: tf.LayersModel;
beforeAll(async () => {
  await selectBackend(['cpu']);
  teacher = modelSpec('synthetic-mlp-teacher').build(3);
});
afterAll(() => teacher.dispose());

const config = (change: Partial<TrainerConfig> = {}): TrainerConfig => ({
  ...defaultTrainerConfig('synthetic100'),
  trainSubset: 512,
  batchSize: 64,
  budget: { unit: 'steps', amount: 12 },
  ...change,
});
const race: RunSpec[] = [
  { id: 'ce', method: METHOD_DEFAULTS.ce },
  { id: 'kd', method: METHOD_DEFAULTS.kd },
  { id: 'dkd', method: METHOD_DEFAULTS.dkd },
  { id: 'pcd', method: METHOD_DEFAULTS.pcd },
];

async function losses(trainer: DistillationTrainer, steps: number) {
  const out = [];
  for (let i = 0; i < steps; i++) out.push(await trainer.trainStep());
  return out;
}

describe('the distillation trainer', () => {
  it('prepare (teacher logits, kernel warm-up) changes nothing: the same steps as a trainer that did not prepare', async () => {
    const plain = new DistillationTrainer(config(), race, dataset, teacher);
    const prepared = new DistillationTrainer(config(), race, dataset, teacher);
    const progress: string[] = [];
    await prepared.prepare((p) => progress.push(`${p.what} ${p.done}/${p.total}`));
    expect(progress).toContain('compiling the students’ kernels 4/4');
    expect(await losses(prepared, 3)).toEqual(await losses(plain, 3));
    plain.dispose();
    prepared.dispose();
  });

  it('counts the steps the page announces (plannedSteps, without TF.js)', () => {
    for (const change of [
      { trainSubset: 500, batchSize: 64, budget: { unit: 'epochs', amount: 3 } },
      { trainSubset: 512, batchSize: 64, budget: { unit: 'epochs', amount: 2 } },
      { trainSubset: 100, batchSize: 128, budget: { unit: 'steps', amount: 7 } },
    ] as Partial<TrainerConfig>[]) {
      const trainer = new DistillationTrainer(config(change), [race[0]], dataset, null);
      expect(plannedSteps(config(change), null)).toEqual({ perEpoch: trainer.stepsPerEpoch, total: trainer.totalSteps });
      trainer.dispose();
    }
  });

  it('gives bit-identical metrics on a rerun of the same config and seed (CPU)', async () => {
    const a = new DistillationTrainer(config(), race, dataset, teacher);
    const b = new DistillationTrainer(config(), race, dataset, teacher);
    expect(await losses(b, 4)).toEqual(await losses(a, 4));
    a.dispose();
    b.dispose();
  });

  it('a snapshot restored into a new trainer continues bit-identically (weights, Adam and SGD state, data order)', async () => {
    for (const optimizer of [
      { kind: 'adam', learningRate: 0.002 },
      { kind: 'sgd', learningRate: 0.01, momentum: 0.9 },
    ] as const) {
      // 5 steps of 8 per epoch: the snapshot is taken mid-epoch.
      const straight = new DistillationTrainer(config({ optimizer }), race, dataset, teacher);
      await losses(straight, 5);
      const snapshot = await straight.snapshot();
      const before = tf.memory().numTensors;
      const resumed = new DistillationTrainer(config({ optimizer }), race, dataset, teacher);
      await resumed.restore(snapshot);
      expect(resumed.currentStep).toBe(5);
      expect(await losses(resumed, 5)).toEqual(await losses(straight, 5));
      straight.dispose();
      resumed.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    }
  });

  it('exports a student that tf.loadLayersModel reads back with the same outputs', async () => {
    const trainer = new DistillationTrainer(config(), race.slice(3), dataset, teacher);
    await losses(trainer, 2);
    const exported = await trainer.exportStudent('pcd');
    await expect(trainer.exportStudent('nope')).rejects.toThrow(/run = "nope" is invalid: expected one of pcd/);
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: exported.modelTopology, weightSpecs: exported.weightSpecs, weightData: exported.weightData }),
    );
    const x = tf.tensor2d(dataset.test.features.subarray(0, 4 * 32), [4, 32]);
    const [a, b] = [loaded.predict(x) as tf.Tensor, trainer.students()[0].model.predict(x) as tf.Tensor];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([x, a, b]);
    loaded.dispose();
    trainer.dispose();
  });

  it('starts every run of a race from the same weights', () => {
    const trainer = new DistillationTrainer(config(), race, dataset, teacher);
    const [first, ...others] = trainer.students().map((s) => s.model.getWeights().map((w) => Array.from(w.dataSync())));
    for (const weights of others) expect(weights).toEqual(first);
    trainer.dispose();
  });

  it('cached and uncached teacher logits give the same loss', async () => {
    // Augmentation on the synthetic (vector) data changes nothing but turns the cache off.
    const cached = new DistillationTrainer(config(), race.slice(1), dataset, teacher);
    const uncached = new DistillationTrainer(config({ augmentation: true }), race.slice(1), dataset, teacher);
    const [x, y] = [await losses(cached, 3), await losses(uncached, 3)];
    x.forEach((report, i) => report.runs.forEach((run, r) => expect(y[i].runs[r].loss).toBeCloseTo(run.loss, 5)));
    cached.dispose();
    uncached.dispose();
  });

  it('reports the scheduled stage at each step and trains PCD with it', async () => {
    const trainer = new DistillationTrainer(config({ schedule: { kind: 'bidirectional' } }), [race[3]], dataset, teacher);
    const reports = await losses(trainer, 12);
    expect(reports.map((r) => r.activeStage)).toEqual([3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 3, 3]);
    for (const report of reports) expect(report.runs[0].stageLosses).toHaveLength(3);
    trainer.dispose();
  });

  it('keeps tf.memory().numTensors flat across 100 steps (six epochs)', async () => {
    const small = config({ batchSize: 16, trainSubset: 256, budget: { unit: 'steps', amount: 103 } });
    const trainer = new DistillationTrainer(small, [race[0], race[3]], dataset, teacher);
    await losses(trainer, 3); // optimizer slots and the teacher cache are created on the first steps
    const before = tf.memory().numTensors;
    await losses(trainer, 100);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('learns: every student improves on the training loss', async () => {
    const trainer = new DistillationTrainer(config({ budget: { unit: 'epochs', amount: 3 } }), race, dataset, teacher);
    const reports = await losses(trainer, trainer.totalSteps);
    for (let r = 0; r < race.length; r++) {
      const first = reports.slice(0, 3).reduce((sum, s) => sum + s.runs[r].terms.ce, 0);
      const last = reports.slice(-3).reduce((sum, s) => sum + s.runs[r].terms.ce, 0);
      expect(last).toBeLessThan(first);
    }
    trainer.dispose();
  });
});

describe("the trainer's evaluation", () => {
  it("reports every run's metrics, with teacher agreement once a teacher is there", async () => {
    const trainer = new DistillationTrainer(config(), race, dataset, teacher);
    await trainer.trainStep();
    const before = tf.memory().numTensors;
    const results = await trainer.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    expect(results.map((r) => r.id)).toEqual(['ce', 'kd', 'dkd', 'pcd']);
    for (const r of results) {
      expect(r.step).toBe(1);
      expect(r.perClassAccuracy).toHaveLength(100);
      expect(r.confusion.reduce((a, b) => a + b, 0)).toBe(dataset.test.count);
      expect(r.teacherAgreement).toBeGreaterThanOrEqual(0);
      expect(r.nonTargetKl).toBeGreaterThan(0);
    }
    trainer.dispose();
  });
});

describe('the probe snapshot for the charts', () => {
  it("holds probabilities, logit gaps and PCD's ranks, groups, group losses and λ, leaking nothing", async () => {
    const trainer = new DistillationTrainer(config({ method: METHOD_DEFAULTS.pcd }), [race[0], race[3]], dataset, teacher);
    await trainer.trainStep();
    const before = tf.memory().numTensors;
    const snapshot = await trainer.probeSnapshot(4);
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshot).toMatchObject({ step: 1, count: 4, classes: 100 });
    expect(snapshot.teacherProbabilities).toHaveLength(400);
    const [ce, pcd] = snapshot.runs;
    expect(ce.pcd).toBeUndefined();
    expect(pcd.logitGaps).toHaveLength(400);
    expect(pcd.pcd!.ranks).toHaveLength(400);
    expect(pcd.pcd!.stageGroups).toHaveLength(4 * 3 * 100);
    expect(pcd.pcd!.groupLosses).toHaveLength(4 * 6);
    // The class with rank 0 has the largest logit gap.
    const gaps = Array.from(pcd.logitGaps!.subarray(0, 100));
    const rank0 = Array.from(pcd.pcd!.ranks.subarray(0, 100)).indexOf(0);
    expect(gaps[rank0]).toBe(Math.max(...gaps));
    const row = Array.from(snapshot.teacherProbabilities!.subarray(0, 100));
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    trainer.dispose();
  });
});

describe('a step a pause can stop', () => {
  const weightsOf = async (trainer: DistillationTrainer) => (await trainer.snapshot()).runs.map((r) => r.weights.map((w) => Array.from(w.values)));

  it('split into chunks, gives the same update and the same reported losses as the whole batch', async () => {
    const methods: RunSpec[] = [race[0], race[1], race[2], { id: 'pcd', method: { ...METHOD_DEFAULTS.pcd, stages: 4 } }];
    const whole = new DistillationTrainer(config({ batchSize: 96 }), methods, dataset, teacher);
    const split = new DistillationTrainer(config({ batchSize: 96 }), methods, dataset, teacher);
    split.splitStepsInto(40); // chunks of 40, 40 and 16
    try {
      for (let i = 0; i < 3; i++) {
        const a = await whole.trainStep();
        const b = await split.trainStepUnlessStopped(() => false);
        b.runs.forEach((run, r) => {
          expect(run.loss).toBeCloseTo(a.runs[r].loss, 4);
          for (const [name, value] of Object.entries(run.terms)) expect(value).toBeCloseTo(a.runs[r].terms[name], 4);
          run.stageLosses?.forEach((v, k) => expect(v).toBeCloseTo(a.runs[r].stageLosses![k], 4));
        });
      }
      const [a, b] = [(await weightsOf(whole)).flat(2), (await weightsOf(split)).flat(2)];
      expect(b).toHaveLength(a.length);
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-4);
    } finally {
      whole.dispose();
      split.dispose();
    }
  });

  it('stopped after a unit, applies nothing, goes on from there on resume, and a live change starts the step again', async () => {
    const trainer = new DistillationTrainer(config({ batchSize: 96 }), race, dataset, teacher);
    const fresh = new DistillationTrainer(config({ batchSize: 96 }), race, dataset, teacher);
    trainer.splitStepsInto(32);
    try {
      await trainer.trainStep(); // Adam's slots exist; the tensors below are the resting ones
      await fresh.trainStep();
      const tensors = tf.memory().numTensors;
      const before = await weightsOf(trainer);
      let asked = 0;
      await expect(trainer.trainStepUnlessStopped(() => ++asked === 3)).rejects.toBeInstanceOf(TrainingStopped);
      expect(trainer.currentStep).toBe(1);
      expect(await weightsOf(trainer)).toEqual(before);
      // Goes on from the fourth of its 12 units (3 chunks × 4 runs): the same step as a straight one.
      asked = 0;
      const resumed = await trainer.trainStepUnlessStopped(() => (asked++, false));
      expect(asked).toBe(12 - 3 - 1);
      const straight = await fresh.trainStep();
      expect(resumed.step).toBe(1);
      resumed.runs.forEach((run, r) => expect(run.loss).toBeCloseTo(straight.runs[r].loss, 4));
      expect(tf.memory().numTensors).toBe(tensors);
      // Stopped again, then τ changed: the half-done step is given up and drawn again.
      await expect(trainer.trainStepUnlessStopped(() => true)).rejects.toBeInstanceOf(TrainingStopped);
      trainer.adjust({ temperature: 4 });
      expect(tf.memory().numTensors).toBe(tensors);
      const redone = await trainer.trainStepUnlessStopped(() => false);
      const next = await fresh.trainStep();
      redone.runs.forEach((run, r) => expect(run.loss).toBeCloseTo(next.runs[r].loss, 4));
      await expect(trainer.evaluate({ stop: () => true })).rejects.toBeInstanceOf(TrainingStopped);
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      trainer.dispose();
      fresh.dispose();
    }
  });

  it('SGD with momentum follows the learning rate it is given (the schedule, a live change), not only its first one', async () => {
    const sgd = config({ optimizer: { kind: 'sgd', learningRate: 0.05, momentum: 0.9 }, learningRateSchedule: 'constant' });
    const trainer = new DistillationTrainer(sgd, [race[0]], dataset, null, 'whole');
    await trainer.trainStep();
    const weights = () =>
      trainer
        .students()[0]
        .model.getWeights()
        .map((w) => Array.from(w.dataSync()));
    trainer.adjust({ learningRate: 1e-12 });
    const before = weights();
    await trainer.trainStep();
    // At a rate of 1e-12 the momentum's step moves no weight visibly; at the first rate it would move them all.
    const after = weights();
    for (const [i, w] of before.entries()) for (const [j, v] of w.entries()) expect(Math.abs(after[i][j] - v)).toBeLessThan(1e-9);
    trainer.dispose();
  });
});
