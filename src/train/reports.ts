// What a trainer reports and the errors it stops with: plain data that crosses the worker
// boundary (src/worker/api.ts re-exports what the page reads). No TF.js values here, only
// types of them.
import type * as tf from '@tensorflow/tfjs';
import type { MethodConfig } from '../distill/objective';
import type { EvaluationMetrics } from './metrics';

/** One student in a session; several train side by side on the same batches. */
export interface RunSpec {
  id: string;
  method: MethodConfig;
}

export interface RunStepReport {
  id: string;
  /** The seed of this copy of the run (its initial weights, subset and batch order; see `seedsOf`). */
  seed: number;
  loss: number;
  /** Each loss term before its weight (`ce`, and `kd`, `dkd` or `pcd`). */
  terms: Record<string, number>;
  /** PCD only: the bare loss L_k of every stage k = 1 … S. */
  stageLosses?: number[];
}

export interface StepReport {
  step: number;
  epoch: number;
  /** The stage trained at this step; `null` = all stages (or not PCD). */
  activeStage: number | null;
  warm: number;
  learningRate: number;
  runs: RunStepReport[];
}

export interface ProbeSnapshot {
  step: number;
  /** The seed whose runs these are (the probe charts follow one seed). */
  seed: number;
  count: number;
  classes: number;
  labels: number[];
  /** `[count × classes]`. */
  teacherProbabilities: Float32Array | null;
  runs: {
    id: string;
    probabilities: Float32Array;
    logitGaps?: Float32Array;
    /** `ranks [count × C]`, `stageGroups [count × S × C]`, `groupLosses` and `lambdas` `[count × G]` (slots as in groupSlot). */
    pcd?: { ranks: Int32Array; stageGroups: Int32Array; groupLosses: Float32Array; lambdas: Float32Array };
  }[];
  /** A detection race's probe (the digit scenes): the samples above are cells of these scenes. */
  detection?: DetectionProbe;
}

/** A scored box: a digit class, its score, `[x, y, width, height]` in pixels. */
export interface ProbeBox {
  label: number;
  score: number;
  box: [number, number, number, number];
}

/** The probe scenes of a detection race, with the teacher's and each run's boxes. */
export interface DetectionProbe {
  scenes: {
    /** The scene's index in the test split. */
    index: number;
    /** 64 × 64 grey levels 0…255. */
    pixels: Uint8Array;
    truth: { label: number; box: [number, number, number, number] }[];
    /** The best boxes after NMS (at most 10 per scene). */
    teacher: ProbeBox[] | null;
    runs: Record<string, ProbeBox[]>;
  }[];
  /** The probe's samples are these cells: their scene (index into `scenes`) and cell 0…63 (row-major on the 8 × 8 grid). */
  cells: { scene: number; cell: number }[];
}

/** How far a trainer's preparation is (see `DistillationTrainer.prepare`). */
export interface PrepareProgress {
  what: string;
  done: number;
  total: number;
}

/**
 * What a preparation computes. `testLogits: false` leaves the teacher's logits on the test
 * split to the first evaluation (a lesson chapter that only reads the probe: nothing trains
 * there, so nothing is evaluated unless the reader trains after all).
 */
export interface PrepareOptions {
  testLogits?: boolean;
  /**
   * Reset: start again on the data this session trains on, even where the stored dataset of
   * one's own was replaced or forgotten in another tab since (checked against that data's facts).
   */
  sameData?: boolean;
}

/** A preparation given up because a newer configuration replaced it. */
export class PreparationStopped extends Error {
  constructor() {
    super('superseded by a newer configuration');
    this.name = 'PreparationStopped';
  }
}

/**
 * Work stopped by a pause between two of its units: a split step (nothing applied yet; its
 * chunks done are kept and the next step call goes on from there) or an evaluation (given
 * up; it runs again on resume).
 */
export class TrainingStopped extends Error {
  constructor(what: string) {
    super(`${what} stopped by a pause`);
    this.name = 'TrainingStopped';
  }
}

/** A student in the TF.js Layers format (see `DistillationTrainer.exportStudent`). */
export interface StudentExport {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/**
 * One run's evaluation (see `DistillationTrainer.evaluate`): test metrics on the first
 * `testCount` test samples (the same at every evaluation of a session: one test set per
 * curve), train accuracy and loss on the first `trainCount` training samples, and where the
 * whole test split was evaluated besides (the end of the budget, Evaluate now) its figures.
 */
export type RunEvaluation = {
  id: string;
  seed: number;
  step: number;
  trainAccuracy: number;
  trainLoss: number;
  /** Training samples the train metrics are on (the first of the subset). */
  trainCount: number;
  testCount: number;
  whole?: WholeSplit;
} & EvaluationMetrics;

/** An evaluation's figures on the whole test split, where its curve's set is a part of it. */
export interface WholeSplit {
  testCount: number;
  testAccuracy: number;
  testLoss: number;
  /** Per sample (1 = right), in the split's order; empty once the page has thinned it. */
  correct: Uint8Array;
}
