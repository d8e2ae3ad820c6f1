import * as tf from '@tensorflow/tfjs';
import { randomShift } from '../data/augment';
import { featureSize, gatherRows, randomSubset, type Dataset, type DatasetSplit } from '../data/dataset';
import { SeededRandom } from '../data/random';
import { trainingObjective } from '../distill/objective';
import { labelsOneHot } from '../distill/logits';
import { modelSpec } from '../models/zoo';
import { setLearningRate } from '../tf/optimizer-internals';
import {
  ChunkPacer,
  disposeStep,
  readStepReport,
  runChunkedStep,
  runWholeStep,
  warmUpRuns,
  type ChunkPolicy,
  type DrawnStep,
  type StepInProgress,
  type StepObjective,
} from './chunked-step';
import type { TrainerConfig } from './config';
import { changeMethod, type LiveChange } from './live-change';
import { evaluateRuns, probeRuns, type EvaluateOptions, type MeasuredRuns } from './probe';
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
} from './reports';
import { activeStageAt, learningRateAt, schedulePhases, warmAt, type SchedulePhase } from './schedule';
import { TeacherLogits } from './teacher-logits';
import { exportModel, restoreRuns, saveRuns, type TrainedRun, type TrainerSnapshot } from './trainer-state';

/** Samples per teacher batch while preparing: small enough for progress about every second on a software GPU. */
const PREPARE_CHUNK = 256;

/**
 * One training loop for every method, with no DOM and no worker code: the browser's
 * worker and Node's tools drive the same class. Every run starts from the same initial
 * weights (the same builder and seed) and sees the same batches in the same order, one
 * step of each run per trainer step: a fair race.
 *
 * With augmentation off, the teacher's logits for the whole training subset are
 * computed once and kept on the device, so a distillation step costs about a CE step.
 * Its parts live beside it: the reports it sends (reports.ts), the stoppable step
 * (chunked-step.ts), evaluation and probes (probe.ts), snapshots and export (trainer-state.ts).
 */
export class DistillationTrainer {
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** TF.js's tensors and bytes right after the last step (`npm run soak` watches them). */
  restingMemory: { numTensors: number; numBytes: number } | null = null;
  private readonly subset: DatasetSplit;
  private readonly rowSize: number;
  private readonly random: SeededRandom;
  private readonly phases: SchedulePhase[];
  private readonly runs: TrainedRun[];
  private readonly pacer: ChunkPacer;
  /** The teacher's logits as the trainer reads them (a stack shares the seeds' caches through it). */
  readonly teacherLogits: TeacherLogits;
  private order: number[] = [];
  private step = 0;
  private baseLearningRate: number;
  /** A split step a pause stopped: its batch, the units done and their summed gradients; the next step call goes on from there. */
  private stepInProgress: StepInProgress | null = null;

  constructor(
    readonly config: TrainerConfig,
    runs: RunSpec[],
    readonly dataset: Dataset,
    private readonly teacher: tf.LayersModel | null,
    chunks: ChunkPolicy = 'paced',
  ) {
    this.pacer = new ChunkPacer(chunks);
    if (runs.length === 0) throw new Error('runs is empty: a session trains at least one student');
    if (new Set(runs.map((r) => r.id)).size !== runs.length) throw new Error('runs: every run needs its own id');
    if (!teacher && !dataset.train.teacherLogits && runs.some((r) => r.method.method !== 'ce'))
      throw new Error('teacher is missing: only CE trains without one');
    this.baseLearningRate = config.optimizer.learningRate;
    this.rowSize = featureSize(dataset);
    this.random = new SeededRandom(config.seed);
    this.subset = randomSubset(dataset.train, config.trainSubset, this.random, this.rowSize);
    this.teacherLogits = new TeacherLogits(teacher, dataset, this.subset);
    this.stepsPerEpoch = Math.ceil(this.subset.count / config.batchSize);
    this.totalSteps = config.budget.unit === 'epochs' ? config.budget.amount * this.stepsPerEpoch : config.budget.amount;
    const pcd = runs.find((r) => r.method.method === 'pcd')?.method;
    this.phases = schedulePhases(config.schedule, pcd && pcd.method === 'pcd' ? pcd.stages : 1);
    const spec = modelSpec(config.student, dataset);
    this.runs = runs.map((run) => ({
      ...run,
      student: spec.build(config.seed),
      optimizer:
        config.optimizer.kind === 'sgd'
          ? tf.train.momentum(config.optimizer.learningRate, config.optimizer.momentum)
          : tf.train.adam(config.optimizer.learningRate),
    }));
  }

  private batchTensor(features: Float32Array, count: number): tf.Tensor {
    return tf.tensor(features, [count, ...this.dataset.featureShape]);
  }

  /**
   * The work a first step or evaluation would otherwise do unannounced: the teacher's
   * logits for the training subset (the cache) and for the test split. Reports progress
   * after each chunk, so the page can show what it is waiting for.
   */
  async prepare(
    onProgress?: (progress: PrepareProgress) => void,
    stop: () => boolean = () => false,
    { testLogits = true }: PrepareOptions = {},
  ): Promise<void> {
    await this.teacherLogits.cacheTraining(this.config.augmentation, PREPARE_CHUNK, onProgress, () => {
      if (stop()) throw new PreparationStopped();
    });
    await this.warmUp(onProgress);
    if (!testLogits) return;
    const { test } = this.dataset;
    const what = `teacher logits for the ${test.count.toLocaleString('en')} test samples`;
    await this.teacherLogits.testLogits({
      chunk: PREPARE_CHUNK,
      onDone: (done) => {
        if (stop()) throw new PreparationStopped();
        onProgress?.({ what, done, total: test.count });
      },
    });
  }

  /** Compiles every run's kernels before Play (see `warmUpRuns`); nothing is applied, no random number drawn. */
  private async warmUp(onProgress?: (progress: PrepareProgress) => void): Promise<void> {
    const count = Math.min(this.config.batchSize, this.subset.count);
    const indices = Array.from({ length: count }, (_, i) => i);
    await warmUpRuns(this.runs, gatherRows(this.subset, indices, this.rowSize), this.dataset.featureShape, this.pacer, {
      teacherFor: (n, x) => this.teacherLogits.forBatch(indices.slice(0, n), x),
      onProgress,
    });
  }

  get currentStep(): number {
    return this.step;
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  students(): readonly { id: string; model: tf.LayersModel }[] {
    return this.runs.map((r) => ({ id: r.id, model: r.student }));
  }

  /** The runs themselves, for a stack that trains them with other seeds' runs (stacked-race.ts). */
  get trainedRuns(): readonly TrainedRun[] {
    return this.runs;
  }

  /** The next step's batch (host data) and schedule values, for a stack to train; {@link completeStep} after it. */
  async drawStep(): Promise<DrawnStep> {
    if (this.done) throw new Error(`the budget of ${this.totalSteps} steps is spent`);
    this.discardStepInProgress();
    await this.teacherLogits.cacheTraining(this.config.augmentation, PREPARE_CHUNK);
    return this.drawBatch();
  }

  /** Gives up a step {@link drawStep} gave that was not trained: the data order and random state as before it. */
  discardDrawnStep(step: Pick<DrawnStep, 'before'>): void {
    this.random.restore(step.before.random);
    this.order = step.before.order;
  }

  /** After a stack trained the step {@link drawStep} gave: where the step stands for its report; the step counted. */
  completeStep(step: DrawnStep): Pick<StepReport, 'step' | 'epoch' | 'activeStage' | 'warm' | 'learningRate'> {
    const at = {
      step: this.step,
      epoch: Math.floor(this.step / this.stepsPerEpoch) + 1,
      activeStage: this.runs.some((r) => r.method.method === 'pcd') ? step.activeStage : null,
      warm: step.warm,
      learningRate: step.learningRate,
    };
    this.step++;
    const { numTensors, numBytes } = tf.memory();
    this.restingMemory = { numTensors, numBytes };
    return at;
  }

  /** The runs as they are now (methods included, after any live change). */
  runSpecs(): RunSpec[] {
    return this.runs.map(({ id, method }) => ({ id, method }));
  }

  /** Changes the base learning rate, τ or α from the next step on (see live-change.ts); weights and optimizer state stay. */
  adjust(change: LiveChange): void {
    this.discardStepInProgress(); // a step half done with the old values starts again with the new ones
    if (change.learningRate !== undefined) this.baseLearningRate = change.learningRate;
    for (const run of this.runs) run.method = changeMethod(run.method, change);
  }

  /** The learning rate at `step`, from the base rate as it is now. */
  learningRateAt(step: number): number {
    return learningRateAt(this.config.learningRateSchedule, this.baseLearningRate, step, this.totalSteps);
  }

  /** Splits stoppable steps into chunks of exactly `samples` from now on (Infinity: never); the pace no longer sets them. */
  splitStepsInto(samples: number): void {
    this.pacer.fix(samples);
  }

  /** One step of every run on the same batch (a step a pause stopped is finished first). */
  async trainStep(): Promise<StepReport> {
    return this.runStep();
  }

  /**
   * One step that a pause can stop between units of bounded work: when steps are slow (a
   * large batch on a software GPU), the batch is split into chunks sized so that one run's
   * forward and backward on a chunk takes about `STOPPABLE_UNIT_MS`, each chunk's gradient
   * (of its share of the batch mean) is summed, and each run's optimizer applies the sum
   * once: the same update as the whole batch, since every loss is a batch mean of
   * per-sample terms (docs/spec.md, Notation), up to float rounding. `stop()` is awaited after
   * every unit (it may let the host's events in); when it says stop, nothing has been applied
   * and it throws {@link TrainingStopped}; the next step call goes on from the next unit.
   */
  async trainStepUnlessStopped(stop: () => boolean | Promise<boolean>): Promise<StepReport> {
    const started = performance.now();
    const batch = Math.min(this.config.batchSize, this.subset.count);
    const whole = !this.stepInProgress && this.pacer.chunk >= batch;
    const report = await this.runStep(stop);
    // A step that went whole and was slow: split the next ones (a split step sizes its chunks as it goes).
    if (whole) this.pacer.afterWholeStep(batch, (performance.now() - started) / this.runs.length);
    return report;
  }

  /** The batch of the next step as host data, and its schedule values; the data order and random state as they were before it. */
  private drawBatch(): DrawnStep {
    const before = { random: this.random.save(), order: this.order };
    const inEpoch = this.step % this.stepsPerEpoch;
    if (inEpoch === 0) this.order = this.random.shuffle(Array.from({ length: this.subset.count }, (_, i) => i));
    const indices = this.order.slice(inEpoch * this.config.batchSize, (inEpoch + 1) * this.config.batchSize);
    const batch = gatherRows(this.subset, indices, this.rowSize);
    const [height, width] = this.dataset.featureShape;
    const features =
      this.config.augmentation && this.dataset.featureShape.length === 3
        ? randomShift(batch.features, indices.length, height, width, 2, this.random)
        : batch.features;
    return {
      before,
      count: indices.length,
      indices,
      features,
      labels: batch.labels,
      activeStage: activeStageAt(this.phases, this.step, this.totalSteps),
      warm: warmAt(this.config.warmupShare, this.step, this.totalSteps),
      learningRate: this.learningRateAt(this.step),
    };
  }

  /** The batch of the next step, its tensors and schedule values. */
  private beginStep(chunk: number): StepInProgress {
    const drawn = this.drawBatch();
    // The labels' one-hot matrix once per step, for every run's CE (and DKD).
    const oneHot = labelsOneHot(drawn.labels, drawn.count, this.dataset.classNames.length);
    const x = this.batchTensor(drawn.features, drawn.count);
    const teacherLogits = this.teacherLogits.forBatch(drawn.indices, () => x);
    return {
      before: drawn.before,
      count: drawn.count,
      chunk: Math.min(chunk, drawn.count),
      x,
      oneHot,
      teacherLogits,
      activeStage: drawn.activeStage,
      warm: drawn.warm,
      learningRate: drawn.learningRate,
      run: 0,
      offset: 0,
      pending: [],
      sums: this.runs.map(() => ({})),
    };
  }

  /** One step of every run: whole, or (when `stop` is given and steps are slow) in chunks a pause can stop between. */
  private async runStep(stop?: () => boolean | Promise<boolean>): Promise<StepReport> {
    if (this.done) throw new Error(`the budget of ${this.totalSteps} steps is spent`);
    await this.teacherLogits.cacheTraining(this.config.augmentation, PREPARE_CHUNK);
    const step = this.stepInProgress ?? this.beginStep(stop ? this.pacer.chunk : Infinity);
    // A step that was not split goes whole; a split one, run by run, in chunks sized as it goes.
    this.stepInProgress = null;
    const objective: StepObjective = (run, input, labels, teacher) => {
      const logits = run.student.apply(input, { training: true }) as tf.Tensor2D;
      return trainingObjective(run.method, logits, teacher, labels, {
        warm: step.warm,
        activeStage: run.method.method === 'pcd' ? step.activeStage : null,
      });
    };
    let stopped = false;
    try {
      if (step.chunk >= step.count) {
        runWholeStep(step, this.runs, objective);
      } else {
        try {
          await runChunkedStep(step, this.runs, objective, this.pacer, `step ${this.step}`, stop);
        } catch (error) {
          if (error instanceof TrainingStopped) {
            stopped = true;
            this.stepInProgress = step;
          }
          throw error;
        }
        for (const [i, run] of this.runs.entries()) {
          setLearningRate(run.optimizer, step.learningRate);
          run.optimizer.applyGradients(step.sums[i]);
        }
      }
      const report = await readStepReport(step, this.config.seed, {
        step: this.step,
        epoch: Math.floor(this.step / this.stepsPerEpoch) + 1,
        activeStage: this.runs.some((r) => r.method.method === 'pcd') ? step.activeStage : null,
      });
      this.step++;
      return report;
    } finally {
      if (!stopped) {
        disposeStep(step);
        // What stays alive between steps: flat over a long run unless something leaks.
        const { numTensors, numBytes } = tf.memory();
        this.restingMemory = { numTensors, numBytes };
      }
    }
  }

  private get measured(): MeasuredRuns {
    return { dataset: this.dataset, subset: this.subset, rowSize: this.rowSize, step: this.step, seed: this.config.seed, runs: this.runs };
  }

  /**
   * Every run's metrics on the test split (see `evaluateRuns` in probe.ts). The teacher's
   * test logits are computed once per session. `stop` gives it up with
   * {@link TrainingStopped} (a pause); `testLimit` evaluates on the first test samples only
   * (the session's evaluations during training, which must not stall the steps).
   */
  async evaluate(options: EvaluateOptions = {}): Promise<RunEvaluation[]> {
    return evaluateRuns(this.measured, await this.teacherLogits.testLogits(), options);
  }

  /** The probe batch's snapshot for the charts (see `probeRuns` in probe.ts). */
  async probeSnapshot(count = 8): Promise<ProbeSnapshot> {
    return probeRuns(this.measured, this.teacher, count);
  }

  /** A run's student in the TF.js Layers format (see `exportModel`). */
  async exportStudent(id: string): Promise<StudentExport> {
    const run = this.runs.find((r) => r.id === id);
    if (!run) throw new Error(`run = "${id}" is invalid: expected one of ${this.runs.map((r) => r.id).join(', ')}`);
    return exportModel(run.student);
  }

  /** A copy of the whole training state in plain arrays (see {@link TrainerSnapshot}); `runs`: the runs' state as a stack holds it. */
  async snapshot(runs?: TrainerSnapshot['runs']): Promise<TrainerSnapshot> {
    runs ??= await saveRuns(this.runs);
    // A step under way has drawn its batch but applied nothing: the snapshot is of before it.
    const { order, random } = this.stepInProgress?.before ?? { order: this.order, random: this.random.save() };
    return { step: this.step, order: order.slice(), random, baseLearningRate: this.baseLearningRate, runs };
  }

  /** Gives up a step a pause stopped: its tensors freed, the data order and random state as before it. */
  private discardStepInProgress(): void {
    if (!this.stepInProgress) return;
    this.discardDrawnStep(this.stepInProgress);
    disposeStep(this.stepInProgress);
    this.stepInProgress = null;
  }

  /**
   * Puts a snapshot's state into this trainer (same config and runs, possibly another
   * backend): the weights, the optimizer state, the step, the data order and the random
   * state, so training continues as if never interrupted.
   */
  async restore(snapshot: TrainerSnapshot): Promise<void> {
    await restoreRuns(this.runs, snapshot.runs);
    this.step = snapshot.step;
    this.order = snapshot.order.slice();
    this.random.restore(snapshot.random);
    this.baseLearningRate = snapshot.baseLearningRate;
  }

  dispose(): void {
    this.discardStepInProgress();
    for (const run of this.runs) {
      run.student.dispose();
      run.optimizer.dispose();
    }
    this.teacherLogits.dispose();
  }
}
