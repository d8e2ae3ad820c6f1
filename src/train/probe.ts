// What a trainer measures of its runs without training them: the evaluation on the test split
// (the accuracy charts, the summary) and the probe batch's snapshot (the ranking, groups and
// probability charts).
import * as tf from '@tensorflow/tfjs';
import { firstSamples, type Dataset, type DatasetSplit } from '../data/dataset';
import { pcdLoss, readPcdDiagnostics } from '../distill/pcd';
import { evaluationMetrics } from './metrics';
import { predictLogits } from '../models/predict';
import { TrainingStopped, type ProbeSnapshot, type RunEvaluation } from './reports';
import type { TrainedRun } from './trainer-state';

/** What an evaluation or a probe reads of a trainer. */
export interface MeasuredRuns {
  dataset: Dataset;
  /** The training subset (train metrics come from its first samples). */
  subset: DatasetSplit;
  rowSize: number;
  step: number;
  /** The seed of these runs (reports carry it). */
  seed: number;
  runs: readonly TrainedRun[];
}

export interface EvaluateOptions {
  /** false: no agreement metrics (null), the costly part on the host, for a quick accuracy-and-loss point. */
  teacherMetrics?: boolean;
  /** Evaluate on the first that many test samples only: the set every point of a curve is on. */
  testLimit?: number;
  /** Also on the whole test split, when `testLimit` leaves some out (`RunEvaluation.whole`): the end of the budget, Evaluate now. */
  whole?: boolean;
  /** Checked after every batch of 250 samples; true gives the evaluation up with {@link TrainingStopped}. */
  stop?: () => boolean | Promise<boolean>;
  onProgress?: (done: number, total: number) => void;
}

/** Training samples the train metrics are measured on: the first of the training subset, the same at every evaluation. */
export const TRAIN_SLICE = 1000;

/**
 * Every run's metrics on the first `testLimit` test samples (accuracy, per-class accuracy,
 * confusion, and agreement with the teacher on the low-probability classes, from
 * `teacherTestLogits`), the same samples at every evaluation; with `whole`, accuracy, loss and
 * per-sample results on the whole split too, from the same predictions. Accuracy and loss on
 * the first {@link TRAIN_SLICE} samples of the training subset.
 */
export async function evaluateRuns(
  measured: MeasuredRuns,
  teacherTestLogits: Float32Array | null,
  { teacherMetrics = true, testLimit = Infinity, whole = false, stop, onProgress }: EvaluateOptions = {},
): Promise<RunEvaluation[]> {
  const { dataset, rowSize } = measured;
  const classes = dataset.classNames.length;
  const full = dataset.test;
  const testCount = Math.min(full.count, testLimit);
  const wholeToo = whole && testCount < full.count;
  const predicted = firstSamples(full, wholeToo ? full.count : testCount, rowSize);
  const labels = predicted.labels.subarray(0, testCount);
  const teacherTest = teacherTestLogits && testCount < full.count ? teacherTestLogits.subarray(0, testCount * classes) : teacherTestLogits;
  const trainSlice = firstSamples(measured.subset, TRAIN_SLICE, rowSize);
  const results: RunEvaluation[] = [];
  // Samples predicted so far, over every run's test and train slices (for a progress line).
  const total = measured.runs.length * (predicted.count + trainSlice.count);
  let before = 0;
  for (const run of measured.runs) {
    // Stoppable after every batch (nothing is kept: it runs again on resume).
    const check = (offset: number) => async (done: number) => {
      onProgress?.(offset + done, total);
      if (stop && (await stop())) throw new TrainingStopped('evaluation');
    };
    const logits = await predictLogits(run.student, dataset, predicted, stop ? 250 : 500, check(before));
    before += predicted.count;
    const trainLogits = await predictLogits(run.student, dataset, trainSlice, stop ? 250 : 500, check(before));
    before += trainSlice.count;
    const train = evaluationMetrics(trainLogits, null, trainSlice.labels, classes);
    const onWhole = wholeToo ? evaluationMetrics(logits, null, predicted.labels, classes) : null;
    results.push({
      id: run.id,
      seed: measured.seed,
      step: measured.step,
      trainAccuracy: train.testAccuracy,
      trainLoss: train.testLoss,
      trainCount: trainSlice.count,
      testCount,
      ...evaluationMetrics(logits.subarray(0, testCount * classes), teacherMetrics ? teacherTest : null, labels, classes),
      ...(onWhole
        ? { whole: { testCount: full.count, testAccuracy: onWhole.testAccuracy, testLoss: onWhole.testLoss, correct: onWhole.correct } }
        : {}),
    });
  }
  return results;
}

/** Row-wise softmax of `rows × classes` logits, on the host. */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let start = 0; start < logits.length; start += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[start + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[start + c] = Math.exp(logits[start + c] - max);
    for (let c = 0; c < classes; c++) out[start + c] /= sum;
  }
  return out;
}

/**
 * One run's part of a probe from its logits and the teacher's (`[n × classes]` each; the
 * teacher's may be null): its probabilities, the per-class logit gaps, and for a PCD run every
 * class's rank and group at every stage with each group's loss and λ, from one PCD pass.
 */
export async function probeEntry(
  run: Pick<TrainedRun, 'id' | 'method'>,
  studentLogits: Float32Array,
  teacherLogits: Float32Array | null,
  classes: number,
): Promise<ProbeSnapshot['runs'][number]> {
  const n = studentLogits.length / classes;
  const entry: ProbeSnapshot['runs'][number] = { id: run.id, probabilities: softmaxRows(studentLogits, classes) };
  if (teacherLogits) entry.logitGaps = studentLogits.map((z, i) => Math.abs(teacherLogits[i] - z));
  if (teacherLogits && run.method.method === 'pcd') {
    const inputs = [tf.tensor2d(studentLogits, [n, classes]), tf.tensor2d(teacherLogits, [n, classes])] as const;
    const result = pcdLoss(inputs[0], inputs[1], { ...run.method, activeStage: null });
    tf.dispose([...inputs]);
    try {
      entry.pcd = await readPcdDiagnostics(result);
    } finally {
      tf.dispose(Object.values(result));
    }
  }
  return entry;
}

/**
 * What the charts show for a fixed probe batch (the first `count` test samples): the
 * teacher's and each student's probabilities, per-class logit gaps |zt − zs|, and for PCD
 * runs every class's rank and group at every stage with each group's weighted loss and λ,
 * from one PCD evaluation on the probe batch. Plain arrays, row-major.
 */
export async function probeRuns(measured: MeasuredRuns, teacher: tf.LayersModel | null, count = 8): Promise<ProbeSnapshot> {
  const { dataset, rowSize } = measured;
  const classes = dataset.classNames.length;
  const n = Math.min(count, dataset.test.count);
  const probe = firstSamples(dataset.test, n, rowSize);
  const teacherLogits = teacher ? await predictLogits(teacher, dataset, probe) : (probe.teacherLogits ?? null);
  const runs: ProbeSnapshot['runs'] = [];
  for (const run of measured.runs) runs.push(await probeEntry(run, await predictLogits(run.student, dataset, probe), teacherLogits, classes));
  return {
    step: measured.step,
    seed: measured.seed,
    count: n,
    classes,
    labels: Array.from(probe.labels),
    teacherProbabilities: teacherLogits ? softmaxRows(teacherLogits, classes) : null,
    runs,
  };
}
