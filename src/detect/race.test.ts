import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTION_METHOD_DEFAULTS } from '../distill/methods';
import { serveDirectory } from '../test-support/static-server';
import { onWasmBackend } from '../test-support/wasm-backend';
import { defaultTrainerConfig, type TrainerConfig } from '../train/config';
import { TrainingSession } from '../train/session';
import { DETECTION_CLASSES, detectorSpec } from './detector';
import { cellTargets } from './grid';
import { scoreScenes } from './evaluation';
import { DetectionRace, probeCells } from './race';
import { loadScenes, type SceneDataset } from './scenes-file';
import { scenesTask } from './task';
import { evaluateDetector } from './training';

let site: Awaited<ReturnType<typeof serveDirectory>>;
let data: SceneDataset;
/** The scenes cut to what a test trains on quickly: 64 training and 40 test scenes. */
let small: SceneDataset;
let teacher: tf.LayersModel;

const config = (over: Partial<TrainerConfig> = {}): TrainerConfig => ({
  ...defaultTrainerConfig('scenes'),
  trainSubset: 64,
  batchSize: 16,
  budget: { unit: 'steps', amount: 6 },
  warmupShare: 0.5,
  ...over,
});
const runs = (['ce', 'kd', 'dkd', 'pcd'] as const).map((m) => ({ id: m, method: DETECTION_METHOD_DEFAULTS[m] }));
const cut = (split: SceneDataset['train'], count: number) => ({
  count,
  images: split.images.subarray(0, count * 4096),
  boxes: split.boxes.slice(0, count),
});

describe('a detection race (CE, KD, DKD, PCD on the digit scenes)', () => {
  onWasmBackend();
  beforeAll(async () => {
    site = await serveDirectory('public');
    data = await loadScenes(`${site.url}data/scenes/`);
    small = { ...data, train: cut(data.train, 64), test: cut(data.test, 40) };
    // An untrained teacher distils as well as a trained one for what is checked here.
    teacher = detectorSpec('scenes-grid-teacher').build(7);
  });
  afterAll(async () => {
    teacher.dispose();
    await site.close();
  });

  it('starts every method of a seed from the same weights, and seeds from different ones', () => {
    const race = new DetectionRace(config({ seeds: 2 }), runs, small, teacher);
    const weights = (seed: number, id: string) =>
      race
        .students(seed)
        .find((s) => s.model && s.id === id)!
        .model.getWeights()
        .map((w) => Array.from(w.dataSync()));
    expect(weights(1, 'pcd')).toEqual(weights(1, 'ce'));
    expect(weights(2, 'ce')).not.toEqual(weights(1, 'ce'));
    race.dispose();
  });

  it('trains every run of every seed each step, with each term reported, and frees what it made', async () => {
    const before = tf.memory().numTensors;
    const race = new DetectionRace(config({ seeds: 2 }), runs, small, teacher);
    await race.prepare();
    const report = await race.trainStep();
    expect(report.runs.map((r) => `${r.id}@${r.seed}`)).toEqual(['ce@1', 'kd@1', 'dkd@1', 'pcd@1', 'ce@2', 'kd@2', 'dkd@2', 'pcd@2']);
    for (const run of report.runs) {
      expect(Number.isFinite(run.loss), run.id).toBe(true);
      expect(Object.keys(run.terms), run.id).toContain('box');
    }
    const pcd = report.runs.find((r) => r.id === 'pcd')!;
    expect(Object.keys(pcd.terms)).toEqual(['ce', 'pcd', 'box']);
    // PCD's bare stage losses L1…L3 (the stage-loss chart), their doubled sum its term (both passes).
    expect(pcd.stageLosses).toHaveLength(3);
    expect(2 * pcd.stageLosses!.reduce((a, b) => a + b, 0)).toBeCloseTo(pcd.terms.pcd, 4);
    expect(report.runs.find((r) => r.id === 'kd')!.stageLosses).toBeUndefined();
    expect(report.warm).toBe(0);
    race.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('gives the same losses with the teacher’s cells kept from an earlier epoch as computed for the batch', async () => {
    // One batch per epoch: from the second step on, every scene's teacher cells come from the cache.
    const one = config({ trainSubset: 16 });
    const ahead = new DetectionRace(one, runs, small, teacher);
    const perBatch = new DetectionRace(one, runs, small, teacher, false);
    for (let step = 0; step < 3; step++) {
      const [a, b] = [await ahead.trainStep(), await perBatch.trainStep()];
      a.runs.forEach((run, i) => expect(run.loss, run.id).toBeCloseTo(b.runs[i].loss, 5));
    }
    ahead.dispose();
    perBatch.dispose();
  }, 60_000);

  it('evaluates COCO AP as the detector evaluation does, with AP as testAccuracy and each digit’s AP', async () => {
    const race = new DetectionRace(config(), runs.slice(0, 1), small, null);
    for (let i = 0; i < 3; i++) await race.trainStep();
    const [ce] = await race.evaluate();
    const reference = evaluateDetector(race.students()[0].model, small.test);
    expect(ce.detection.stats).toEqual(reference.stats);
    expect(ce.testAccuracy).toBe(reference.stats[0]);
    expect(ce.perClassAccuracy).toEqual(reference.perCategory.map((c) => c.ap));
    expect(ce.testCount).toBe(40);
    expect(Number.isFinite(ce.testLoss) && ce.testLoss > 0).toBe(true);
    race.dispose();
  }, 60_000);

  it('scores a chosen list of scenes as those scenes alone (train AP on the seed’s subset)', async () => {
    const model = detectorSpec('scenes-grid-student').build(3);
    const indices = [5, 2, 9];
    const direct = await scoreScenes(model, small.test, indices);
    const alone = evaluateDetector(model, {
      count: 3,
      images: Float32Array.from(indices.flatMap((i) => [...small.test.images.subarray(i * 4096, (i + 1) * 4096)])),
      boxes: indices.map((i) => small.test.boxes[i]),
    });
    expect(direct.stats).toEqual(alone.stats);
    model.dispose();
  });

  it('probes the cells of the first test scenes: every digit cell and one background cell beside a digit per scene', async () => {
    const cells = probeCells(small.test, 2);
    for (const s of [0, 1]) {
      const { classes } = cellTargets(small.test.boxes[s], DETECTION_CLASSES);
      const ofScene = cells.filter((c) => c.scene === s);
      expect(ofScene.filter((c) => c.label !== DETECTION_CLASSES).length).toBe(Array.from(classes).filter((c) => c !== DETECTION_CLASSES).length);
      expect(ofScene.filter((c) => c.label === DETECTION_CLASSES).length).toBe(1);
      for (const c of ofScene) expect(classes[c.cell]).toBe(c.label);
    }
    const race = new DetectionRace(config(), runs, small, teacher);
    const probe = await race.probeSnapshot();
    expect(probe.classes).toBe(11);
    expect(probe.count).toBe(probeCells(small.test).length);
    expect(probe.runs.find((r) => r.id === 'pcd')!.pcd).toBeDefined();
    expect(probe.detection.scenes[0].truth.length).toBe(small.test.boxes[0].length);
    expect(probe.detection.scenes[0].pixels.length).toBe(4096);
    race.dispose();
  }, 60_000);

  it('continues the same run from a snapshot (weights, optimizer, order, cell sampling)', async () => {
    const a = new DetectionRace(config(), runs, small, teacher);
    for (let i = 0; i < 2; i++) await a.trainStep();
    const saved = await a.snapshot();
    const next = await a.trainStep();
    const b = new DetectionRace(config(), runs, small, teacher);
    await b.restore(saved);
    const again = await b.trainStep();
    next.runs.forEach((run, i) => expect(again.runs[i].loss, run.id).toBeCloseTo(run.loss, 5));
    a.dispose();
    b.dispose();
  }, 60_000);

  it('refuses what the scenes cannot train, naming the field', () => {
    expect(() => new DetectionRace(config({ augmentation: true }), runs, small, teacher)).toThrow(/augmentation/);
    expect(() => new DetectionRace(config(), runs, small, null)).toThrow(/teacher/);
  });

  it('runs in a training session: configure on the site’s scenes, steps, the AP evaluation and the probe', async () => {
    const session = new TrainingSession(fetch, 'whole', { scenes: scenesTask });
    const info = await session.configure({ ...config(), trainSubset: 32, budget: { unit: 'steps', amount: 2 } }, runs.slice(0, 2), site.url);
    expect(info.task).toBe('detection');
    expect(info.classNames.at(-1)).toBe('background');
    expect(info.teacherTestAccuracy).toBeGreaterThan(0.3);
    await session.step();
    await session.step();
    expect(session.state()).toBe('done');
    const probe = await session.probe();
    expect(probe.classes).toBe(11);
    session.dispose();
    // Without the task given, a session refuses the scenes and says why.
    await expect(new TrainingSession(fetch, 'whole').configure(config(), runs, site.url)).rejects.toThrow(/cannot train detection/);
  }, 120_000);
});
