// A detection race: CE, KD, DKD and PCD students of the grid detector trained side by side on
// the digit scenes, seed by seed (each seed its own initial weights, training subset, batch
// order and sampled cells, shared by every method of that seed), with the interface the
// training session drives (src/train/session.ts): steps, evaluations (COCO AP), probes.
import * as tf from '@tensorflow/tfjs';
import { seedsOf, type TrainerConfig } from '../train/config';
import { changeMethod, type LiveChange } from '../train/live-change';
import { setLearningRate } from '../tf/optimizer-internals';
import { learningRateAt, warmAt } from '../train/schedule';
import { probeEntry, softmaxRows, type EvaluateOptions } from '../train/probe';
import { exportModel, restoreRuns, saveRuns, type TrainedRun, type TrainerSnapshot } from '../train/trainer-state';
import {
  PreparationStopped,
  TrainingStopped,
  type PrepareOptions,
  type PrepareProgress,
  type ProbeSnapshot,
  type RunEvaluation,
  type RunSpec,
  type StepReport,
  type StudentExport,
  type DetectionProbe,
} from '../train/reports';
import { sceneDetections, type Detection } from './detections';
import { cellOutputs, DETECTION_CLASSES, detectorSpec } from './detector';
import { CELLS, cellTargets } from './grid';
import { SCENE_PIXELS } from './scenes';
import type { SceneDataset, SceneSplit } from './scenes-file';
import { cellLogitsOf, detectionStep, sceneBatch } from './training';
import { scoreScenes } from './evaluation';
import { DetectionPlan, type DetectionPlanState } from './plan';

/** The scenes the probe charts draw, the first of the test split. */
export const PROBE_SCENE_COUNT = 4;
/** Scenes predicted per batch in an evaluation (a pause is checked between batches). */

/** Training scenes an evaluation also scores (the train AP beside the test AP). */
const TRAIN_SLICE = 200;

/** Per detection evaluation: COCOeval's twelve numbers and each class's AP (what `testAccuracy`, the AP, comes from). */
export interface DetectionMetrics {
  stats: number[];
  perClassAp: number[];
}

/** The probe cells of a split's first scenes: every positive cell, then the first background cell next to one. */
export function probeCells(split: SceneSplit, scenes = PROBE_SCENE_COUNT): { scene: number; cell: number; label: number }[] {
  const cells: { scene: number; cell: number; label: number }[] = [];
  for (let s = 0; s < Math.min(scenes, split.count); s++) {
    const { classes } = cellTargets(split.boxes[s], DETECTION_CLASSES);
    for (let cell = 0; cell < CELLS; cell++) if (classes[cell] !== DETECTION_CLASSES) cells.push({ scene: s, cell, label: classes[cell] });
    const background = Array.from(classes).findIndex(
      (c, cell) =>
        c === DETECTION_CLASSES && [cell - 1, cell + 1, cell - 8, cell + 8].some((n) => n >= 0 && n < CELLS && classes[n] !== DETECTION_CLASSES),
    );
    if (background >= 0) cells.push({ scene: s, cell: background, label: DETECTION_CLASSES });
  }
  return cells;
}

interface SeedRuns {
  seed: number;
  /** The seed's subset, batches and sampled cells, shared by every method of the seed. */
  plan: DetectionPlan;
  runs: TrainedRun[];
}

/**
 * Every seed's detector students, driven as one (the training session's `SeedSet` interface).
 * Each step trains every run of every seed on its seed's batch: the teacher's cell logits once
 * per seed, then each run's sampled cells and loss (src/detect/training.ts).
 */
export class DetectionRace {
  readonly seeds: number[];
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  readonly engine = 'loop' as const;
  private step = 0;
  private probeSeed: number;
  private baseLearningRate: number;
  private readonly bySeed: SeedRuns[] = [];
  private restingMemoryNow: { numTensors: number; numBytes: number } | null = null;
  private readonly probe: ReturnType<typeof probeCells>;
  /** The teacher's logits of the training cells met so far, `[scenes·64 × (K + 1)]`, and which scenes they hold (see {@link teacherCellsOf}). */
  private teacherCells: { logits: Float32Array; known: Uint8Array } | null = null;

  constructor(
    readonly config: TrainerConfig,
    runs: RunSpec[],
    private readonly data: SceneDataset,
    private readonly teacher: tf.LayersModel | null,
    /** false: the teacher runs on every batch (tests compare the two). */
    private readonly cacheTeacher = true,
  ) {
    if (config.dataset !== 'scenes') throw new Error(`dataset = "${config.dataset}" is not the digit scenes`);
    if (runs.some((r) => r.method.method !== 'ce') && !teacher) throw new Error('a distilling run needs the detection teacher');
    if (config.augmentation) throw new Error('augmentation = true is invalid for the digit scenes: a shifted scene would move its boxes');
    if (config.schedule.kind !== 'joint') throw new Error('schedule = "joint" only for the digit scenes: every PCD stage trains at every step');
    this.seeds = seedsOf(config);
    this.probeSeed = this.seeds[0];
    this.baseLearningRate = config.optimizer.learningRate;
    this.stepsPerEpoch = Math.ceil(Math.min(config.trainSubset, data.train.count) / config.batchSize);
    this.totalSteps = config.budget.unit === 'epochs' ? config.budget.amount * this.stepsPerEpoch : config.budget.amount;
    this.probe = probeCells(data.test);
    try {
      for (const seed of this.seeds)
        this.bySeed.push({
          seed,
          plan: new DetectionPlan(config, seed, data.train),
          runs: runs.map((r) => ({ id: r.id, method: r.method, student: detectorSpec(config.student).build(seed), optimizer: this.optimizer() })),
        });
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  private optimizer(): tf.Optimizer {
    const { optimizer } = this.config;
    return optimizer.kind === 'adam' ? tf.train.adam(optimizer.learningRate) : tf.train.momentum(optimizer.learningRate, optimizer.momentum);
  }

  get currentStep(): number {
    return this.step;
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  get restingMemory(): { numTensors: number; numBytes: number } | null {
    return this.restingMemoryNow;
  }

  learningRateAt(step: number): number {
    return learningRateAt(this.config.learningRateSchedule, this.baseLearningRate, step, this.totalSteps);
  }

  /**
   * Nothing to compute ahead: the teacher's cell logits are computed for a batch's scenes the
   * first time they come and kept (a scene's logits never change), so the chapter or preset
   * opens without a pass over every scene first, and the first epoch pays for the teacher.
   */
  async prepare(onProgress?: (progress: PrepareProgress) => void, stop: () => boolean = () => false, _options: PrepareOptions = {}): Promise<void> {
    onProgress?.({ what: 'building the detectors', done: 1, total: 1 });
    await tf.nextFrame();
    if (stop()) throw new PreparationStopped();
  }

  /** The teacher's cell logits of training scenes `indices` (their batch `images`), `[B·64 × (K + 1)]`, from the cache or computed now. */
  private teacherCellsOf(indices: number[], images: tf.Tensor4D): Float32Array {
    const size = CELLS * (DETECTION_CLASSES + 1);
    if (!this.cacheTeacher) return cellLogitsOf(this.teacher!, images);
    if (!this.teacherCells)
      this.teacherCells = { logits: new Float32Array(this.data.train.count * size), known: new Uint8Array(this.data.train.count) };
    const cache = this.teacherCells;
    if (indices.some((scene) => !cache.known[scene])) {
      const fresh = cellLogitsOf(this.teacher!, images);
      indices.forEach((scene, i) => {
        cache.logits.set(fresh.subarray(i * size, (i + 1) * size), scene * size);
        cache.known[scene] = 1;
      });
    }
    const out = new Float32Array(indices.length * size);
    indices.forEach((scene, i) => out.set(cache.logits.subarray(scene * size, (scene + 1) * size), i * size));
    return out;
  }

  runSpecs(): RunSpec[] {
    return this.bySeed[0].runs.map((r) => ({ id: r.id, method: r.method }));
  }

  students(seed = this.seeds[0]): readonly { id: string; model: tf.LayersModel }[] {
    return this.seedRuns(seed).runs.map((r) => ({ id: r.id, model: r.student }));
  }

  followSeed(seed: number): void {
    this.seedRuns(seed);
    this.probeSeed = seed;
  }

  get followedSeed(): number {
    return this.probeSeed;
  }

  private seedRuns(seed: number): SeedRuns {
    const found = this.bySeed.find((s) => s.seed === seed);
    if (!found) throw new Error(`seed = ${seed} is not one of this race's seeds (${this.seeds.join(', ')})`);
    return found;
  }

  /** A live change (learning rate, τ, α) for every run of every seed from the next step. */
  adjust(change: LiveChange): number {
    if (change.learningRate !== undefined) this.baseLearningRate = change.learningRate;
    for (const s of this.bySeed) for (const run of s.runs) run.method = changeMethod(run.method, change);
    return this.step;
  }

  trainStepUnlessStopped(_stop: () => boolean | Promise<boolean>): Promise<StepReport> {
    return this.trainStep();
  }

  /** One step of every run of every seed (a step is whole: a pause lands between steps). */
  async trainStep(): Promise<StepReport> {
    if (this.done) throw new Error(`the budget of ${this.totalSteps} steps is spent`);
    const step = this.step;
    const warm = warmAt(this.config.warmupShare, step, this.totalSteps);
    const learningRate = this.learningRateAt(step);
    const reports: StepReport['runs'] = [];
    for (const s of this.bySeed) {
      const planned = s.plan.next();
      const batch = sceneBatch(this.data.train, planned.indices);
      try {
        const teacherCells = this.teacher && s.runs.some((r) => r.method.method !== 'ce') ? this.teacherCellsOf(planned.indices, batch.images) : null;
        for (const run of s.runs) {
          setLearningRate(run.optimizer, learningRate);
          const distils = run.method.method !== 'ce';
          const { loss, terms, stageLosses } = detectionStep(
            run.student,
            run.optimizer,
            batch,
            run.method,
            distils ? teacherCells : null,
            planned.cells,
            {
              warm,
            },
          );
          reports.push({ id: run.id, seed: s.seed, loss, terms, ...(stageLosses ? { stageLosses } : {}) });
        }
      } finally {
        batch.images.dispose();
      }
      await tf.nextFrame();
    }
    this.step++;
    const memory = tf.memory();
    this.restingMemoryNow = { numTensors: memory.numTensors, numBytes: memory.numBytes };
    // As the classification trainer reports it: the step taken, counted from 0.
    return { step, epoch: Math.floor(step / this.stepsPerEpoch) + 1, activeStage: null, warm, learningRate, runs: reports };
  }

  /**
   * Every run's COCO AP on the whole test split (the same 1,000 scenes at every evaluation)
   * and on the first {@link TRAIN_SLICE} scenes of its seed's training subset.
   * `testAccuracy` carries AP@[.5:.95], `perClassAccuracy` each digit's AP, `detection` the
   * twelve numbers; `testLoss` is the mean cross-entropy of every test cell, background included.
   */
  async evaluate(options: EvaluateOptions = {}): Promise<(RunEvaluation & { detection: DetectionMetrics })[]> {
    const test = this.data.test;
    const testCount = Math.min(test.count, options.testLimit ?? Infinity);
    const results: (RunEvaluation & { detection: DetectionMetrics })[] = [];
    const perRun = testCount + Math.min(TRAIN_SLICE, this.config.trainSubset);
    const total = this.bySeed.length * this.bySeed[0].runs.length * perRun;
    let done = 0;
    const progress = async (n: number) => {
      done += n;
      options.onProgress?.(done, total);
      if (options.stop && (await options.stop())) throw new TrainingStopped('evaluation');
    };
    for (const s of this.bySeed) {
      const trainScenes = s.plan.subset.slice(0, Math.min(TRAIN_SLICE, s.plan.subset.length));
      for (const run of s.runs) {
        const onTest = await scoreScenes(
          run.student,
          test,
          Array.from({ length: testCount }, (_, i) => i),
          progress,
        );
        const onTrain = await scoreScenes(run.student, this.data.train, trainScenes, progress);
        results.push({
          id: run.id,
          seed: s.seed,
          step: this.step,
          testCount,
          trainAccuracy: onTrain.stats[0],
          trainLoss: onTrain.cellLoss,
          trainCount: trainScenes.length,
          testAccuracy: onTest.stats[0],
          testLoss: onTest.cellLoss,
          perClassAccuracy: onTest.perClassAp,
          correct: new Uint8Array(0),
          confusion: new Int32Array(0),
          teacherAgreement: null,
          nonTargetKl: null,
          nonTargetRankCorrelation: null,
          detection: { stats: onTest.stats, perClassAp: onTest.perClassAp },
        });
      }
    }
    return results;
  }

  /**
   * The probe as the charts show it: the probe cells as the classification probe's samples
   * (K + 1 classes, background last; PCD's ranks and groups over them), and the first test
   * scenes with the teacher's and each run's boxes.
   */
  async probeSnapshot(): Promise<ProbeSnapshot & { detection: DetectionProbe }> {
    const s = this.seedRuns(this.probeSeed);
    const scenes = Array.from({ length: Math.min(PROBE_SCENE_COUNT, this.data.test.count) }, (_, i) => i);
    const { images } = sceneBatch(this.data.test, scenes);
    const width = DETECTION_CLASSES + 1;
    const rows = this.probe.map((c) => c.scene * CELLS + c.cell);
    const pick = (all: Float32Array) => {
      const out = new Float32Array(rows.length * width);
      rows.forEach((row, i) => out.set(all.subarray(row * width, (row + 1) * width), i * width));
      return out;
    };
    const outputsOf = (model: tf.LayersModel) =>
      tf.tidy(() => {
        const out = cellOutputs(model.predict(images) as tf.Tensor4D);
        return { logits: out.logits.dataSync() as Float32Array, boxes: out.boxes.dataSync() as Float32Array };
      });
    const detectionsOf = (o: { logits: Float32Array; boxes: Float32Array }) =>
      scenes.map((_, i) => sceneDetections(o.logits, o.boxes, DETECTION_CLASSES, i * CELLS).slice(0, 10));
    try {
      const teacherOut = this.teacher ? outputsOf(this.teacher) : null;
      const teacherLogits = teacherOut ? pick(teacherOut.logits) : null;
      const teacherBoxes = teacherOut ? detectionsOf(teacherOut) : null;
      const runBoxes: Record<string, Detection[][]> = {};
      const runs: ProbeSnapshot['runs'] = [];
      for (const run of s.runs) {
        const out = outputsOf(run.student);
        runBoxes[run.id] = detectionsOf(out);
        runs.push(await probeEntry(run, pick(out.logits), teacherLogits, width));
      }
      return {
        step: this.step,
        seed: s.seed,
        count: rows.length,
        classes: width,
        labels: this.probe.map((c) => c.label),
        teacherProbabilities: teacherLogits ? softmaxRows(teacherLogits, width) : null,
        runs,
        detection: {
          scenes: scenes.map((index, i) => ({
            index,
            pixels: Uint8Array.from(this.data.test.images.subarray(index * SCENE_PIXELS, (index + 1) * SCENE_PIXELS), (v) => Math.round(v * 255)),
            truth: this.data.test.boxes[index].map((b) => ({
              label: b.label,
              box: [b.x, b.y, b.width, b.height] as [number, number, number, number],
            })),
            teacher: teacherBoxes ? teacherBoxes[i] : null,
            runs: Object.fromEntries(Object.entries(runBoxes).map(([id, boxes]) => [id, boxes[i]])),
          })),
          cells: this.probe.map(({ scene, cell }) => ({ scene, cell })),
        },
      };
    } finally {
      images.dispose();
    }
  }

  exportStudent(id: string, seed = this.seeds[0]): Promise<StudentExport> {
    const run = this.seedRuns(seed).runs.find((r) => r.id === id);
    if (!run) throw new Error(`run = "${id}" is not one of this race's runs`);
    return exportModel(run.student);
  }

  /** Every seed's weights and optimizer state, and its plan's state (data order, random states), as plain arrays. */
  async snapshot(): Promise<{ step: number; seeds: TrainerSnapshot[] }> {
    const seeds: TrainerSnapshot[] = [];
    for (const s of this.bySeed) {
      const plan = s.plan.save();
      seeds.push({
        step: this.step,
        order: plan.order,
        random: plan.random,
        baseLearningRate: this.baseLearningRate,
        runs: await saveRuns(s.runs),
        // The plan's cell sampler rides along (a classification snapshot has none).
        ...({ cells: plan.cells, planStep: plan.step } as object),
      } as TrainerSnapshot);
    }
    return { step: this.step, seeds };
  }

  async restore(snapshot: { step: number; seeds: TrainerSnapshot[] }): Promise<void> {
    if (snapshot.seeds.length !== this.bySeed.length)
      throw new Error(`a snapshot of ${snapshot.seeds.length} seeds cannot restore a race of ${this.bySeed.length}`);
    for (const [k, s] of this.bySeed.entries()) {
      const saved = snapshot.seeds[k] as TrainerSnapshot & { cells?: DetectionPlanState['cells']; planStep?: number };
      if (!saved.cells || saved.planStep === undefined) throw new Error('not a detection race’s snapshot: it has no cell sampler state');
      await restoreRuns(s.runs, saved.runs);
      s.plan.restore({ step: saved.planStep, order: saved.order, random: saved.random, cells: saved.cells });
      this.baseLearningRate = saved.baseLearningRate;
    }
    this.step = snapshot.step;
  }

  dispose(): void {
    for (const s of this.bySeed)
      for (const run of s.runs) {
        run.student.dispose();
        run.optimizer.dispose();
      }
    this.bySeed.length = 0;
  }
}
