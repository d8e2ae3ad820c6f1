import * as tf from '@tensorflow/tfjs';
import { randomShift } from '../data/augment';
import { featureSize, firstSamples, type Dataset, type DatasetSplit } from '../data/dataset';
import { SeededRandom } from '../data/random';
import { trainingObjective, type MethodConfig } from '../distill/objective';
import { labelsOneHot } from '../distill/logits';
import { pcdLoss, readPcdDiagnostics } from '../distill/pcd';
import { modelSpec } from '../models/zoo';
import type { TrainerConfig } from './config';
import { activeStageAt, schedulePhases, type SchedulePhase } from './schedule';
import { evaluationMetrics, type EvaluationMetrics } from './metrics';
import { gatherRows, predictLogits } from './supervised';

/** One student in a session; several train side by side on the same batches. */
export interface RunSpec {
  id: string;
  method: MethodConfig;
}

export interface RunStepReport {
  id: string;
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
}

/** How far a trainer's preparation is (see {@link DistillationTrainer.prepare}). */
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

/**
 * The stretch of work aimed at between two checks for a pause, in ms: a stoppable step's
 * units (one run's forward and backward on one chunk of the batch) are sized toward it, in
 * powers of two, from each unit's measured time; gradients are summed before one update.
 */
export const STOPPABLE_UNIT_MS = 150;

/**
 * How a stoppable step ({@link DistillationTrainer.trainStepUnlessStopped}) is cut into
 * chunks. `paced` (the page): from the measured time of its units, so the cut depends on
 * the wall clock and on how loaded the machine is; float rounding then differs with it.
 * `whole`: never cut (tests that compare steps bit for bit pin this). A number: chunks of
 * exactly that many samples.
 */
export type ChunkPolicy = 'paced' | 'whole' | number;

/** The largest power of two ≤ x (x ≥ 1). */
const powerOfTwoBelow = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));

/** Samples per teacher batch while preparing: small enough for progress about every second on a software GPU. */
const PREPARE_CHUNK = 256;

/** Plain-data copy of a tensor: survives the backend it came from. */
export interface SavedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Everything a trainer needs to go on from a step, as plain arrays: each run's weights
 * and optimizer state, the data order and the random state. Restoring it on another
 * backend (after a lost WebGPU device) continues the same run.
 */
export interface TrainerSnapshot {
  step: number;
  order: number[];
  random: { state: number; spareNormal: number | null };
  baseLearningRate: number;
  runs: { id: string; method: MethodConfig; weights: SavedTensor[]; optimizer: SavedTensor[] }[];
}

const ADAM_POWER = 'adam-power:';

/** Adam's running products β1^t and β2^t, which getWeights() leaves out. */
function adamPowers(optimizer: tf.Optimizer): { name: string; tensor: tf.Tensor }[] {
  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  if (!(optimizer instanceof tf.AdamOptimizer) || !adam.accBeta1 || !adam.accBeta2) return [];
  return [
    { name: `${ADAM_POWER}beta1`, tensor: adam.accBeta1 },
    { name: `${ADAM_POWER}beta2`, tensor: adam.accBeta2 },
  ];
}

/** Plain copies of tensors, read back together (one concat, one read: on a GPU each read waits for the queue). */
async function saveTensors(tensors: { name: string; tensor: tf.Tensor }[]): Promise<SavedTensor[]> {
  if (!tensors.length) return [];
  const flat = tf.tidy(() => tf.concat(tensors.map(({ tensor }) => tf.reshape(tf.cast(tensor, 'float32'), [-1]))));
  const all = (await flat.data()) as Float32Array;
  flat.dispose();
  let offset = 0;
  return tensors.map(({ name, tensor }) => ({ name, shape: tensor.shape.slice(), values: all.slice(offset, (offset += tensor.size)) }));
}

/** A student in the TF.js Layers format (see {@link DistillationTrainer.exportStudent}). */
export interface StudentExport {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** One run's numbers of a step, as tensors until the step's single read. */
interface StepEntry {
  id: string;
  loss: tf.Scalar;
  terms: Record<string, tf.Scalar>;
  stageLosses?: tf.Tensor;
}

/** A step under way (see DistillationTrainer.trainStepUnlessStopped). */
interface PartialStep {
  /** The data order and random state before the step drew its batch (a discarded step puts them back). */
  before: { random: { state: number; spareNormal: number | null }; order: number[] };
  count: number;
  chunk: number;
  x: tf.Tensor;
  oneHot: tf.Tensor2D;
  teacherLogits: tf.Tensor2D | null;
  activeStage: number | null;
  warm: number;
  learningRate: number;
  /** Where the step stands: the run under way (runs go one after the other) and its next sample. */
  run: number;
  offset: number;
  pending: StepEntry[];
  /** Each run's gradients summed over the units done. */
  sums: Record<string, tf.Tensor>[];
}

interface Run extends RunSpec {
  student: tf.LayersModel;
  optimizer: tf.Optimizer;
}

/**
 * One training loop for every method, with no DOM and no worker code: the browser's
 * worker and Node's tools drive the same class. Every run starts from the same initial
 * weights (the same builder and seed) and sees the same batches in the same order, one
 * step of each run per trainer step: a fair race.
 *
 * With augmentation off, the teacher's logits for the whole training subset are
 * computed once and kept on the device, so a distillation step costs about a CE step.
 */
/** The values of several small tensors with one read-back (one concat), in order. */
async function readTogether(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  if (tensors.length === 0) return [];
  const flat = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))));
  const all = (await flat.data()) as Float32Array;
  flat.dispose();
  let offset = 0;
  return tensors.map((t) => all.subarray(offset, (offset += t.size)));
}

export class DistillationTrainer {
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  private readonly subset: DatasetSplit;
  private readonly rowSize: number;
  private readonly random: SeededRandom;
  private readonly phases: SchedulePhase[];
  private readonly runs: Run[];
  private teacherCache: tf.Tensor2D | null = null;
  /** TF.js's tensors and bytes right after the last step (`npm run soak` watches them). */
  restingMemory: { numTensors: number; numBytes: number } | null = null;
  private teacherTestLogits: Float32Array | null = null;
  private order: number[] = [];
  private step = 0;
  private baseLearningRate: number;

  constructor(
    readonly config: TrainerConfig,
    runs: RunSpec[],
    private readonly dataset: Dataset,
    private readonly teacher: tf.LayersModel | null,
    chunks: ChunkPolicy = 'paced',
  ) {
    if (chunks !== 'paced') this.splitStepsInto(chunks === 'whole' ? Infinity : chunks);
    if (runs.length === 0) throw new Error('runs is empty: a session trains at least one student');
    if (new Set(runs.map((r) => r.id)).size !== runs.length) throw new Error('runs: every run needs its own id');
    if (!teacher && !dataset.train.teacherLogits && runs.some((r) => r.method.method !== 'ce')) throw new Error('teacher is missing: only CE trains without one');
    this.baseLearningRate = config.optimizer.learningRate;
    this.rowSize = featureSize(dataset);
    this.random = new SeededRandom(config.seed);
    this.subset = this.trainingSubset();
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

  /** A seeded random subset of `trainSubset` training samples. */
  private trainingSubset(): DatasetSplit {
    const { train } = this.dataset;
    const count = Math.min(this.config.trainSubset, train.count);
    if (count === train.count) return train;
    const picked = this.random.shuffle(Array.from({ length: train.count }, (_, i) => i)).slice(0, count);
    return { ...gatherRows(train, picked, this.rowSize), count };
  }

  private batchTensor(features: Float32Array, count: number): tf.Tensor {
    return tf.tensor(features, [count, ...this.dataset.featureShape]);
  }

  /** A teacher model, or a teacher given as logits with the dataset (a local dataset's logits file). */
  private get hasTeacher(): boolean {
    return !!this.teacher || !!this.dataset.train.teacherLogits;
  }

  /** The teacher's logits for the whole subset, computed once in batches (or taken from the dataset's logits). */
  private async ensureTeacherCache(onProgress?: (progress: PrepareProgress) => void, stop: () => boolean = () => false): Promise<void> {
    if (this.teacherCache || this.config.augmentation) return;
    if (this.subset.teacherLogits) {
      this.teacherCache = tf.tensor2d(this.subset.teacherLogits, [this.subset.count, this.dataset.classNames.length]);
      return;
    }
    if (!this.teacher) return;
    const parts: tf.Tensor[] = [];
    const what = `teacher logits for the ${this.subset.count.toLocaleString('en')} training samples`;
    try {
      for (let start = 0; start < this.subset.count; start += PREPARE_CHUNK) {
        if (stop()) throw new PreparationStopped();
        const count = Math.min(PREPARE_CHUNK, this.subset.count - start);
        const features = this.subset.features.subarray(start * this.rowSize, (start + count) * this.rowSize);
        const part = tf.tidy(() => this.teacher!.predict(this.batchTensor(features, count)) as tf.Tensor);
        parts.push(part);
        if (onProgress) {
          await part.data(); // finished, so the progress is real (a small read)
          onProgress({ what, done: start + count, total: this.subset.count });
        }
      }
      this.teacherCache = tf.concat(parts) as tf.Tensor2D;
    } finally {
      tf.dispose(parts);
    }
  }

  /**
   * The work a first step or evaluation would otherwise do unannounced: the teacher's
   * logits for the training subset (the cache) and for the test split. Reports progress
   * after each chunk, so the page can show what it is waiting for.
   */
  async prepare(onProgress?: (progress: PrepareProgress) => void, stop: () => boolean = () => false, { testLogits = true }: PrepareOptions = {}): Promise<void> {
    await this.ensureTeacherCache(onProgress, stop);
    await this.warmUp(onProgress);
    this.teacherTestLogits ??= this.dataset.test.teacherLogits ?? null;
    if (testLogits && this.teacher && !this.teacherTestLogits) {
      const { test } = this.dataset;
      const what = `teacher logits for the ${test.count.toLocaleString('en')} test samples`;
      this.teacherTestLogits = await predictLogits(this.teacher, this.dataset, test, PREPARE_CHUNK, (done) => {
        if (stop()) throw new PreparationStopped();
        onProgress?.({ what, done, total: test.count });
      });
    }
  }

  /**
   * One forward and backward pass of every run on the first batch of the subset, with
   * nothing applied: it compiles the backend's kernels (shaders on WebGPU and WebGL, seconds
   * on a software GPU) before Play instead of in its first step. No weight, optimizer state
   * or random number is touched, so training is exactly what it would have been.
   */
  private async warmUp(onProgress?: (progress: PrepareProgress) => void): Promise<void> {
    const count = Math.min(this.config.batchSize, this.subset.count);
    const indices = Array.from({ length: count }, (_, i) => i);
    const batch = gatherRows(this.subset, indices, this.rowSize);
    /** One run's forward and backward on the first `n` samples of the first batch, finished (nothing applied). */
    const pass = async (run: Run, n = count) => {
      const values = tf.tidy(() => {
        const x = this.batchTensor(batch.features.subarray(0, n * this.rowSize), n);
        const teacherLogits = !this.hasTeacher ? null : this.teacherCache ? tf.gather(this.teacherCache, tf.tensor1d(indices.slice(0, n), 'int32')) : (this.teacher!.predict(x) as tf.Tensor);
        const { value, grads } = tf.variableGrads(() => {
          const logits = run.student.apply(x, { training: true }) as tf.Tensor2D;
          return trainingObjective(run.method, logits, teacherLogits as tf.Tensor2D | null, batch.labels.subarray(0, n), { warm: 1 }).loss;
        }, run.student.trainableWeights.map((w) => w.read() as tf.Variable));
        return [value, ...Object.values(grads)];
      });
      await values[0].data();
      tf.dispose(values);
    };
    for (const [i, run] of this.runs.entries()) {
      onProgress?.({ what: 'compiling the students’ kernels', done: i, total: this.runs.length });
      await pass(run);
    }
    // The first run's pass again, compiled now: its time sizes the first stoppable steps' chunks,
    // so even the first step a pause meets is split when a whole batch would take long.
    const started = performance.now();
    await pass(this.runs[0]);
    const ms = performance.now() - started;
    if (this.adaptChunks) this.chunk = ms > 1.5 * STOPPABLE_UNIT_MS ? Math.max(8, powerOfTwoBelow((count * STOPPABLE_UNIT_MS) / ms)) : Infinity;
    if (this.chunk < count) {
      // Compiles the chunk's shape for every run now (GPU programs are per shape), not in the units a pause waits on.
      for (const run of this.runs) await pass(run, this.chunk);
      this.timedSizes.add(this.chunk);
    }
    onProgress?.({ what: 'compiling the students’ kernels', done: this.runs.length, total: this.runs.length });
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

  /** The runs as they are now (methods included, after any live change). */
  runSpecs(): RunSpec[] {
    return this.runs.map(({ id, method }) => ({ id, method }));
  }

  /** Changes the base learning rate, τ or α from the next step on; weights and optimizer state stay. */
  adjust(change: { learningRate?: number; temperature?: number; alpha?: number }): void {
    this.discardPartial(); // a step half done with the old values starts again with the new ones
    if (change.learningRate !== undefined) this.baseLearningRate = change.learningRate;
    for (const run of this.runs) {
      const method = { ...run.method };
      if (change.temperature !== undefined && 'temperature' in method) method.temperature = change.temperature;
      if (change.alpha !== undefined && (method.method === 'pcd' || method.method === 'dkd')) method.alpha = change.alpha;
      run.method = method;
    }
  }

  learningRateAt(step: number): number {
    const base = this.baseLearningRate;
    return this.config.learningRateSchedule === 'cosine' ? (base * (1 + Math.cos((Math.PI * step) / this.totalSteps))) / 2 : base;
  }

  warmAt(step: number): number {
    const warmupSteps = this.config.warmupShare * this.totalSteps;
    return warmupSteps <= 0 ? 1 : Math.min(step / warmupSteps, 1);
  }

  /** Samples per gradient chunk of a stoppable step (the batch size until steps are found slow). */
  private chunk = Infinity;

  /** Chunk sizes a unit has run with (the first unit of a size compiles its programs, so it is not timed). */
  private timedSizes = new Set<number>();

  /** Whether stoppable steps size their chunks from their pace (off once {@link splitStepsInto} fixed them). */
  private adaptChunks = true;

  /** Splits stoppable steps into chunks of exactly `samples` from now on (Infinity: never); the pace no longer sets them. */
  splitStepsInto(samples: number): void {
    if (!(samples >= 1)) throw new Error(`chunks of ${samples} samples: expected at least 1`);
    this.chunk = samples;
    this.adaptChunks = false;
  }

  /** A split step a pause stopped: its batch, the units done and their summed gradients; the next step call goes on from there. */
  private partial: PartialStep | null = null;

  /** One step of every run on the same batch (a step a pause stopped is finished first). */
  async trainStep(): Promise<StepReport> {
    return this.step_();
  }

  /**
   * One step that a pause can stop between units of bounded work: when steps are slow (a
   * large batch on a software GPU), the batch is split into chunks sized so that one run's
   * forward and backward on a chunk takes about {@link STOPPABLE_UNIT_MS}, each chunk's
   * gradient (of its share of the batch mean) is summed, and each run's optimizer applies the
   * sum once: the same update as the whole batch, since every loss is a batch mean of
   * per-sample terms (docs/spec.md, Notation), up to float rounding. `stop()` is awaited after
   * every unit (it may let the host's events in); when it says stop, nothing has been applied
   * and it throws {@link TrainingStopped}; the next step call goes on from the next unit.
   */
  async trainStepUnlessStopped(stop: () => boolean | Promise<boolean>): Promise<StepReport> {
    const started = performance.now();
    const whole = !this.partial && this.chunk >= Math.min(this.config.batchSize, this.subset.count);
    const report = await this.step_(stop);
    // A step that went whole and was slow: split the next ones (a split step sizes its chunks as it goes).
    const unitMs = (performance.now() - started) / this.runs.length;
    if (whole && this.adaptChunks && unitMs > 1.5 * STOPPABLE_UNIT_MS) this.chunk = Math.max(8, powerOfTwoBelow((Math.min(this.config.batchSize, this.subset.count) * STOPPABLE_UNIT_MS) / unitMs));
    return report;
  }

  /** The batch of the next step, its tensors and schedule values; the data order and random state as they were before it. */
  private beginStep(chunk: number): PartialStep {
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
    // The labels' one-hot matrix once per step, for every run's CE (and DKD).
    const oneHot = labelsOneHot(batch.labels, indices.length, this.dataset.classNames.length);
    const x = this.batchTensor(features, indices.length);
    const teacherLogits = !this.hasTeacher
      ? null
      : this.teacherCache
        ? tf.tidy(() => tf.gather(this.teacherCache!, tf.tensor1d(indices, 'int32')) as tf.Tensor2D)
        : (this.teacher!.predict(x) as tf.Tensor2D);
    return {
      before,
      count: indices.length,
      chunk: Math.min(chunk, indices.length),
      x,
      oneHot,
      teacherLogits,
      activeStage: activeStageAt(this.phases, this.step, this.totalSteps),
      warm: this.warmAt(this.step),
      learningRate: this.learningRateAt(this.step),
      run: 0,
      offset: 0,
      pending: [],
      sums: this.runs.map(() => ({})),
    };
  }

  private disposeStep(p: PartialStep): void {
    tf.dispose([p.x, p.oneHot, ...(p.teacherLogits ? [p.teacherLogits] : [])]);
    for (const e of p.pending) tf.dispose([e.loss, ...Object.values(e.terms), ...(e.stageLosses ? [e.stageLosses] : [])]);
    for (const sums of p.sums) tf.dispose(Object.values(sums));
  }

  private async step_(stop?: () => boolean | Promise<boolean>): Promise<StepReport> {
    if (this.done) throw new Error(`the budget of ${this.totalSteps} steps is spent`);
    await this.ensureTeacherCache();
    const p = this.partial ?? this.beginStep(stop ? this.chunk : Infinity);
    // A step that was not split goes whole; a split one, run by run, in chunks sized as it goes.
    this.partial = null;
    const objective = (run: Run, input: tf.Tensor, labels: tf.Tensor2D, teacher: tf.Tensor2D | null) => {
      const logits = run.student.apply(input, { training: true }) as tf.Tensor2D;
      return trainingObjective(run.method, logits, teacher, labels, { warm: p.warm, activeStage: run.method.method === 'pcd' ? p.activeStage : null });
    };
    let stopped = false;
    try {
      if (p.chunk >= p.count) {
        for (const run of this.runs) {
          (run.optimizer as unknown as { learningRate: number }).learningRate = p.learningRate;
          let kept: Omit<StepEntry, 'id' | 'loss'> = { terms: {} };
          const loss = run.optimizer.minimize(() => {
            const result = objective(run, p.x, p.oneHot, p.teacherLogits);
            // Kept past minimize's tidy so the report can read them after the update.
            kept = {
              terms: Object.fromEntries(Object.entries(result.terms).map(([name, t]) => [name, tf.keep(t)])),
              stageLosses: result.pcd ? tf.keep(result.pcd.stageLosses) : undefined,
            };
            return result.loss;
          }, true)!;
          p.pending.push({ id: run.id, loss, ...kept });
        }
      } else {
        try {
          await this.chunkedStep(p, objective, stop);
        } catch (error) {
          if (error instanceof TrainingStopped) {
            stopped = true;
            this.partial = p;
          }
          throw error;
        }
        for (const [i, run] of this.runs.entries()) {
          (run.optimizer as unknown as { learningRate: number }).learningRate = p.learningRate;
          run.optimizer.applyGradients(p.sums[i]);
        }
      }
      // Every run's numbers in one read-back: on a GPU each read waits for the queue to drain.
      const values = await readTogether(p.pending.flatMap((e) => [e.loss, ...Object.values(e.terms), ...(e.stageLosses ? [e.stageLosses] : [])]));
      const runs: RunStepReport[] = p.pending.map((e) => {
        const loss = values.shift()![0];
        const terms = Object.fromEntries(Object.keys(e.terms).map((name) => [name, values.shift()![0]]));
        return { id: e.id, loss, terms, ...(e.stageLosses ? { stageLosses: Array.from(values.shift()!) } : {}) };
      });
      const report: StepReport = {
        step: this.step,
        epoch: Math.floor(this.step / this.stepsPerEpoch) + 1,
        activeStage: this.runs.some((r) => r.method.method === 'pcd') ? p.activeStage : null,
        warm: p.warm,
        learningRate: p.learningRate,
        runs,
      };
      this.step++;
      return report;
    } finally {
      if (!stopped) {
        this.disposeStep(p);
        // What stays alive between steps: flat over a long run unless something leaks.
        const { numTensors, numBytes } = tf.memory();
        this.restingMemory = { numTensors, numBytes };
      }
    }
  }

  /**
   * The units of a split step from where it stands, run after run: for each chunk, the
   * gradient of the chunk's share of the batch mean (its mean × its size / batch), added to
   * the run's sums; the losses, terms and stage losses summed the same way. Waits for each
   * unit to finish (a one-number read), resizes the next chunks from its time (toward
   * {@link STOPPABLE_UNIT_MS}), then asks `stop`.
   */
  private async chunkedStep(
    p: PartialStep,
    objective: (run: Run, input: tf.Tensor, labels: tf.Tensor2D, teacher: tf.Tensor2D | null) => ReturnType<typeof trainingObjective>,
    stop?: () => boolean | Promise<boolean>,
  ): Promise<void> {
    const add = <T extends tf.Tensor>(into: T | undefined, value: T): T => {
      if (!into) return value;
      const sum = tf.add(into, value) as T;
      tf.dispose([into, value]);
      return sum;
    };
    if (!p.pending.length) for (const run of this.runs) p.pending.push({ id: run.id, loss: tf.scalar(0), terms: {} });
    while (p.run < this.runs.length) {
      const started = performance.now();
      const run = this.runs[p.run];
      const entry = p.pending[p.run];
      const sums = p.sums[p.run];
      const n = Math.min(p.chunk, p.count - p.offset);
      const share = n / p.count;
      const input = tf.slice(p.x, p.offset, n);
      const labels = tf.slice(p.oneHot, p.offset, n);
      const teacher = p.teacherLogits ? tf.slice(p.teacherLogits, p.offset, n) : null;
      try {
        let kept: { terms: Record<string, tf.Scalar>; stageLosses?: tf.Tensor } = { terms: {} };
        const { value, grads } = tf.variableGrads(
          () => {
            const result = objective(run, input, labels, teacher);
            // The chunk's terms and stage losses at its share of the batch mean, kept past the forward pass's tidy.
            kept = {
              terms: Object.fromEntries(Object.entries(result.terms).map(([name, t]) => [name, tf.keep(tf.mul(t, share))])),
              stageLosses: result.pcd ? tf.keep(tf.mul(result.pcd.stageLosses, share)) : undefined,
            };
            return tf.mul(result.loss, share) as tf.Scalar;
          },
          run.student.trainableWeights.map((w) => w.read() as tf.Variable),
        );
        for (const [name, term] of Object.entries(kept.terms)) entry.terms[name] = add(entry.terms[name], term);
        if (kept.stageLosses) entry.stageLosses = add(entry.stageLosses, kept.stageLosses);
        for (const [name, gradient] of Object.entries(grads)) sums[name] = add(sums[name], gradient);
        entry.loss = add(entry.loss, value);
      } finally {
        tf.dispose([input, labels, ...(teacher ? [teacher] : [])]);
      }
      p.offset += n;
      if (p.offset >= p.count) {
        p.run++;
        p.offset = 0;
      }
      // The unit is finished when its loss can be read: only then is its time, and the pause check, honest.
      await entry.loss.data();
      if (stop && this.adaptChunks) {
        // Sizes are powers of two, so that shapes repeat (WebGL and WebGPU compile a program per
        // shape), and a unit of a size not seen before is not timed: its time is mostly compiling.
        const ms = performance.now() - started;
        if (this.timedSizes.has(n)) {
          if (ms > 1.5 * STOPPABLE_UNIT_MS) p.chunk = Math.max(8, powerOfTwoBelow((n * STOPPABLE_UNIT_MS) / ms));
          else if (ms < 0.7 * STOPPABLE_UNIT_MS && n === p.chunk) p.chunk = Math.min(p.count, p.chunk * 2);
        }
        this.timedSizes.add(n);
        this.chunk = p.chunk >= p.count ? Infinity : p.chunk;
      }
      if (stop && p.run < this.runs.length && (await stop())) throw new TrainingStopped(`step ${this.step}`);
    }
  }

  /**
   * Every run's metrics on the test split (accuracy, per-class accuracy, confusion, and
   * agreement with the teacher on the low-probability classes). The teacher's test
   * logits are computed once per session. `teacherMetrics: false` skips the agreement
   * metrics (null then), the costly part on the host, for a quick accuracy-and-loss point.
   * `stop`, checked after every batch, gives it up with {@link TrainingStopped} (a pause).
   * `testLimit` evaluates on the first that many test samples only (and on as many training
   * samples): the session's evaluations during training, which must not stall the steps.
   */
  async evaluate({
    teacherMetrics = true,
    testLimit = Infinity,
    stop,
    onProgress,
  }: { teacherMetrics?: boolean; testLimit?: number; stop?: () => boolean | Promise<boolean>; onProgress?: (done: number, total: number) => void } = {}): Promise<
    ({ id: string; step: number; trainAccuracy: number; trainLoss: number; testCount: number } & EvaluationMetrics)[]
  > {
    const { classNames } = this.dataset;
    this.teacherTestLogits ??= this.dataset.test.teacherLogits ?? null;
    if (this.teacher && !this.teacherTestLogits) this.teacherTestLogits = await predictLogits(this.teacher, this.dataset, this.dataset.test);
    const full = this.dataset.test;
    const testCount = Math.min(full.count, testLimit);
    const test = firstSamples(full, testCount, this.rowSize);
    const teacherTest = this.teacherTestLogits && testCount < full.count ? this.teacherTestLogits.subarray(0, testCount * classNames.length) : this.teacherTestLogits;
    // Train metrics on a fixed slice of the training subset (at most 2,000 samples).
    const trainSlice = firstSamples(this.subset, Math.min(2000, testLimit), this.rowSize);
    const results = [];
    // Samples predicted so far, over every run's test and train slices (for a progress line).
    const total = this.runs.length * (test.count + trainSlice.count);
    let before = 0;
    for (const run of this.runs) {
      // Stoppable: checked after every batch of 250 samples (TrainingStopped; nothing is kept, it runs again on resume).
      const check = (offset: number) => async (done: number) => {
        onProgress?.(offset + done, total);
        if (stop && (await stop())) throw new TrainingStopped('evaluation');
      };
      const logits = await predictLogits(run.student, this.dataset, test, stop ? 250 : 500, check(before));
      before += test.count;
      const trainLogits = await predictLogits(run.student, this.dataset, trainSlice, stop ? 250 : 500, check(before));
      before += trainSlice.count;
      const train = evaluationMetrics(trainLogits, null, trainSlice.labels, classNames.length);
      results.push({
        id: run.id,
        step: this.step,
        trainAccuracy: train.testAccuracy,
        trainLoss: train.testLoss,
        testCount,
        ...evaluationMetrics(logits, teacherMetrics ? teacherTest : null, test.labels, classNames.length),
      });
    }
    return results;
  }

  /**
   * What the charts show for a fixed probe batch (the first `count` test samples): the
   * teacher's and each student's probabilities, per-class logit gaps |zt − zs|, and for
   * PCD runs every class's rank and group at every stage with each group's weighted loss
   * and λ, from one PCD evaluation on the probe batch. Plain arrays, row-major.
   */
  async probeSnapshot(count = 8): Promise<ProbeSnapshot> {
    const { test, classNames } = this.dataset;
    const classes = classNames.length;
    const n = Math.min(count, test.count);
    const probe = firstSamples(test, n, this.rowSize);
    const teacherLogits = this.teacher ? await predictLogits(this.teacher, this.dataset, probe) : (probe.teacherLogits ?? null);
    const softmax = (logits: Float32Array) => {
      const out = new Float32Array(logits.length);
      for (let i = 0; i < n; i++) {
        const row = logits.subarray(i * classes, (i + 1) * classes);
        const max = Math.max(...row);
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += out[i * classes + c] = Math.exp(row[c] - max);
        for (let c = 0; c < classes; c++) out[i * classes + c] /= sum;
      }
      return out;
    };
    const runs: ProbeSnapshot['runs'] = [];
    for (const run of this.runs) {
      const studentLogits = await predictLogits(run.student, this.dataset, probe);
      const entry: ProbeSnapshot['runs'][number] = { id: run.id, probabilities: softmax(studentLogits) };
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
      runs.push(entry);
    }
    return { step: this.step, count: n, classes, labels: Array.from(probe.labels), teacherProbabilities: teacherLogits ? softmax(teacherLogits) : null, runs };
  }

  /**
   * A run's student in the TF.js Layers format, as plain data: `model.json`'s topology and
   * weight specs, and the weights file's bytes (what `tf.loadLayersModel` reads back).
   */
  async exportStudent(id: string): Promise<StudentExport> {
    const run = this.runs.find((r) => r.id === id);
    if (!run) throw new Error(`run = "${id}" is invalid: expected one of ${this.runs.map((r) => r.id).join(', ')}`);
    let saved: tf.io.ModelArtifacts | null = null;
    await run.student.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const artifacts = saved as unknown as tf.io.ModelArtifacts;
    return {
      modelTopology: artifacts.modelTopology as object,
      weightSpecs: artifacts.weightSpecs!,
      weightData: tf.io.CompositeArrayBuffer.join(artifacts.weightData!),
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy ?? null,
    };
  }

  /** A copy of the whole training state in plain arrays (see {@link TrainerSnapshot}). */
  async snapshot(): Promise<TrainerSnapshot> {
    // Every run's weights and optimizer state in one read.
    const parts: { weights: { name: string; tensor: tf.Tensor }[]; optimizer: { name: string; tensor: tf.Tensor }[]; counter?: tf.Tensor }[] = [];
    for (const run of this.runs) {
      // getWeights() = [the iteration count (a new scalar), ...the optimizer's own variables].
      const slots = await run.optimizer.getWeights();
      parts.push({ weights: run.student.weights.map((w) => ({ name: w.name, tensor: w.read() })), optimizer: [...slots, ...adamPowers(run.optimizer)], counter: slots[0]?.tensor });
    }
    let saved: SavedTensor[];
    try {
      saved = await saveTensors(parts.flatMap((p) => [...p.weights, ...p.optimizer]));
    } finally {
      tf.dispose(parts.flatMap((p) => (p.counter ? [p.counter] : [])));
    }
    const runs: TrainerSnapshot['runs'] = this.runs.map((run, i) => ({
      id: run.id,
      method: run.method,
      weights: saved.splice(0, parts[i].weights.length),
      optimizer: saved.splice(0, parts[i].optimizer.length),
    }));
    // A step under way has drawn its batch but applied nothing: the snapshot is of before it.
    const { order, random } = this.partial?.before ?? { order: this.order, random: this.random.save() };
    return { step: this.step, order: order.slice(), random, baseLearningRate: this.baseLearningRate, runs };
  }

  /** Gives up a step a pause stopped: its tensors freed, the data order and random state as before it. */
  private discardPartial(): void {
    if (!this.partial) return;
    this.random.restore(this.partial.before.random);
    this.order = this.partial.before.order;
    this.disposeStep(this.partial);
    this.partial = null;
  }

  /**
   * Puts a snapshot's state into this trainer (same config and runs, possibly another
   * backend): the weights, the optimizer state, the step, the data order and the random
   * state, so training continues as if never interrupted.
   */
  async restore(snapshot: TrainerSnapshot): Promise<void> {
    const ids = this.runs.map((r) => r.id).join(',');
    if (snapshot.runs.map((r) => r.id).join(',') !== ids) throw new Error(`snapshot runs ${snapshot.runs.map((r) => r.id)} do not match ${ids}`);
    for (const [i, run] of this.runs.entries()) {
      const saved = snapshot.runs[i];
      const weights = saved.weights.map((w) => tf.tensor(w.values, w.shape));
      run.student.setWeights(weights);
      tf.dispose(weights);
      if (saved.optimizer.length) {
        // Iteration count first, then the slots in the order getWeights gave them.
        const powers = saved.optimizer.filter((w) => w.name.startsWith(ADAM_POWER));
        const named = saved.optimizer.filter((w) => !powers.includes(w)).map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
        await run.optimizer.setWeights(named);
        tf.dispose(named.map((n) => n.tensor)); // the new variables keep their own reference
        // setWeights recomputes β^t with pow; the running product differs in the last bit.
        for (const { name, tensor } of adamPowers(run.optimizer)) {
          const value = powers.find((p) => p.name === name);
          if (value) (tensor as tf.Variable).assign(tf.tensor(value.values, value.shape));
        }
      }
      run.method = saved.method;
    }
    this.step = snapshot.step;
    this.order = snapshot.order.slice();
    this.random.restore(snapshot.random);
    this.baseLearningRate = snapshot.baseLearningRate;
  }

  dispose(): void {
    this.discardPartial();
    for (const run of this.runs) {
      run.student.dispose();
      run.optimizer.dispose();
    }
    this.teacherCache?.dispose();
    this.teacherCache = null;
  }
}
