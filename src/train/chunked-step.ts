// A training step, whole or cut so that a pause can stop it: the batch cut into chunks of
// bounded work, each chunk's gradient summed, one update at the end. The chunk size follows
// the measured pace (the page) or is pinned (tests that compare steps bit for bit).
import * as tf from '@tensorflow/tfjs';
import { trainingObjective } from '../distill/objective';
import { TrainingStopped, type PrepareProgress, type RunStepReport, type StepReport } from './reports';
import { readTogether, type TrainedRun } from './trainer-state';
import { setLearningRate } from '../tf/optimizer-internals';

/**
 * The stretch of work aimed at between two checks for a pause, in ms: a stoppable step's
 * units (one run's forward and backward on one chunk of the batch) are sized toward it, in
 * powers of two, from each unit's measured time; gradients are summed before one update.
 */
export const STOPPABLE_UNIT_MS = 150;

/**
 * How a stoppable step (`DistillationTrainer.trainStepUnlessStopped`) is cut into chunks.
 * `paced` (the page): from the measured time of its units, so the cut depends on the wall
 * clock and on how loaded the machine is; float rounding then differs with it. `whole`:
 * never cut (tests that compare steps bit for bit pin this). A number: chunks of exactly
 * that many samples.
 */
export type ChunkPolicy = 'paced' | 'whole' | number;

/** The largest power of two ≤ x (x ≥ 1). */
const powerOfTwoBelow = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));

/** The chunk size that makes a unit of `samples` samples, measured at `ms`, take about {@link STOPPABLE_UNIT_MS}. */
const chunkFor = (samples: number, ms: number) => Math.max(8, powerOfTwoBelow((samples * STOPPABLE_UNIT_MS) / ms));

/** One run's numbers of a step, as tensors until the step's single read. */
export interface StepEntry {
  id: string;
  loss: tf.Scalar;
  terms: Record<string, tf.Scalar>;
  stageLosses?: tf.Tensor;
}

/** A step under way: its batch, schedule values, the units done and their summed gradients. */
/** A step's batch as host data and its schedule values, drawn for a stack to train (it makes the tensors). */
export interface DrawnStep {
  /** The data order and random state before the step drew its batch (a discarded step puts them back). */
  before: { random: { state: number; spareNormal: number | null }; order: number[] };
  count: number;
  /** Rows of the training subset, in batch order. */
  indices: number[];
  /** `[count, …features]`, augmented where augmentation is on. */
  features: Float32Array;
  labels: Int32Array;
  activeStage: number | null;
  warm: number;
  learningRate: number;
}

export interface StepInProgress {
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

/** A run's training objective on some samples of the step's batch. */
export type StepObjective = (
  run: TrainedRun,
  input: tf.Tensor,
  labels: tf.Tensor2D,
  teacher: tf.Tensor2D | null,
) => ReturnType<typeof trainingObjective>;

/** Frees a step's tensors: its batch, the numbers not yet read and the gradient sums. */
export function disposeStep(step: StepInProgress): void {
  tf.dispose([step.x, step.oneHot, ...(step.teacherLogits ? [step.teacherLogits] : [])]);
  for (const e of step.pending) tf.dispose([e.loss, ...Object.values(e.terms), ...(e.stageLosses ? [e.stageLosses] : [])]);
  for (const sums of step.sums) tf.dispose(Object.values(sums));
}

/**
 * The chunk size of stoppable steps and how it follows their pace. Sizes are powers of two,
 * so that shapes repeat (WebGL and WebGPU compile a program per shape), and a unit of a size
 * not seen before is not timed: its time is mostly compiling.
 */
export class ChunkPacer {
  /** Samples per gradient chunk of a stoppable step (Infinity: whole batches). */
  chunk = Infinity;
  /** Whether the pace sets the chunks (off once {@link fix} pinned them). */
  private adaptive = true;
  /** Chunk sizes a unit has run with. */
  private readonly timedSizes = new Set<number>();

  constructor(policy: ChunkPolicy) {
    if (policy !== 'paced') this.fix(policy === 'whole' ? Infinity : policy);
  }

  /** Chunks of exactly `samples` from now on (Infinity: never split); the pace no longer sets them. */
  fix(samples: number): void {
    if (!(samples >= 1)) throw new Error(`chunks of ${samples} samples: expected at least 1`);
    this.chunk = samples;
    this.adaptive = false;
  }

  /** After the warm-up's timed pass of a whole batch of `count`: the first chunk size; returns it when the warm-up should compile it. */
  afterWarmUp(count: number, ms: number): number | null {
    if (this.adaptive) this.chunk = ms > 1.5 * STOPPABLE_UNIT_MS ? chunkFor(count, ms) : Infinity;
    if (this.chunk >= count) return null;
    this.timedSizes.add(this.chunk);
    return this.chunk;
  }

  /** After a step that went whole, `unitMs` per run: a slow one splits the next steps. */
  afterWholeStep(batch: number, unitMs: number): void {
    if (this.adaptive && unitMs > 1.5 * STOPPABLE_UNIT_MS) this.chunk = chunkFor(batch, unitMs);
  }

  /** After a unit of `n` samples of `step` took `ms`: the next units' size, smaller or larger toward the target. */
  afterUnit(step: StepInProgress, n: number, ms: number): void {
    if (!this.adaptive) return;
    if (this.timedSizes.has(n)) {
      if (ms > 1.5 * STOPPABLE_UNIT_MS) step.chunk = chunkFor(n, ms);
      else if (ms < 0.7 * STOPPABLE_UNIT_MS && n === step.chunk) step.chunk = Math.min(step.count, step.chunk * 2);
    }
    this.timedSizes.add(n);
    this.chunk = step.chunk >= step.count ? Infinity : step.chunk;
  }
}

/** The step as one batch: each run's update applied at once (`minimize`), its numbers kept for the report. */
export function runWholeStep(step: StepInProgress, runs: readonly TrainedRun[], objective: StepObjective): void {
  for (const run of runs) {
    setLearningRate(run.optimizer, step.learningRate);
    let kept: Omit<StepEntry, 'id' | 'loss'> = { terms: {} };
    const loss = run.optimizer.minimize(() => {
      const result = objective(run, step.x, step.oneHot, step.teacherLogits);
      // Kept past minimize's tidy so the report can read them after the update.
      kept = {
        terms: Object.fromEntries(Object.entries(result.terms).map(([name, t]) => [name, tf.keep(t)])),
        stageLosses: result.pcd ? tf.keep(result.pcd.stageLosses) : undefined,
      };
      return result.loss;
    }, true)!;
    step.pending.push({ id: run.id, loss, ...kept });
  }
}

/** `into + value`, freeing both (the first value is kept as it is). */
function accumulate<T extends tf.Tensor>(into: T | undefined, value: T): T {
  if (!into) return value;
  const sum = tf.add(into, value) as T;
  tf.dispose([into, value]);
  return sum;
}

/**
 * The units of a split step from where it stands, run after run: for each chunk, the
 * gradient of the chunk's share of the batch mean (its mean × its size / batch), added to
 * the run's sums; the losses, terms and stage losses summed the same way. Waits for each
 * unit to finish (a one-number read), lets `pacer` resize the next chunks from its time
 * (only when `stop` is given: a step nobody can stop is not paced), then asks `stop`, which
 * ends the call with {@link TrainingStopped} (`label` names the step); the step keeps what
 * was done and the next call goes on from there.
 */
export async function runChunkedStep(
  step: StepInProgress,
  runs: readonly TrainedRun[],
  objective: StepObjective,
  pacer: ChunkPacer,
  label: string,
  stop?: () => boolean | Promise<boolean>,
): Promise<void> {
  if (!step.pending.length) for (const run of runs) step.pending.push({ id: run.id, loss: tf.scalar(0), terms: {} });
  while (step.run < runs.length) {
    const started = performance.now();
    const run = runs[step.run];
    const entry = step.pending[step.run];
    const sums = step.sums[step.run];
    const n = Math.min(step.chunk, step.count - step.offset);
    const share = n / step.count;
    const input = tf.slice(step.x, step.offset, n);
    const labels = tf.slice(step.oneHot, step.offset, n);
    const teacher = step.teacherLogits ? tf.slice(step.teacherLogits, step.offset, n) : null;
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
      for (const [name, term] of Object.entries(kept.terms)) entry.terms[name] = accumulate(entry.terms[name], term);
      if (kept.stageLosses) entry.stageLosses = accumulate(entry.stageLosses, kept.stageLosses);
      for (const [name, gradient] of Object.entries(grads)) sums[name] = accumulate(sums[name], gradient);
      entry.loss = accumulate(entry.loss, value);
    } finally {
      tf.dispose([input, labels, ...(teacher ? [teacher] : [])]);
    }
    step.offset += n;
    if (step.offset >= step.count) {
      step.run++;
      step.offset = 0;
    }
    // The unit is finished when its loss can be read: only then is its time, and the pause check, honest.
    await entry.loss.data();
    if (stop) pacer.afterUnit(step, n, performance.now() - started);
    if (stop && step.run < runs.length && (await stop())) throw new TrainingStopped(label);
  }
}

/** A finished step's report: every run's numbers in one read-back (on a GPU each read waits for the queue to drain). */
export async function readStepReport(
  step: StepInProgress,
  seed: number,
  at: Pick<StepReport, 'step' | 'epoch' | 'activeStage'>,
): Promise<StepReport> {
  const values = await readTogether(step.pending.flatMap((e) => [e.loss, ...Object.values(e.terms), ...(e.stageLosses ? [e.stageLosses] : [])]));
  const runs: RunStepReport[] = step.pending.map((e) => {
    const loss = values.shift()![0];
    const terms = Object.fromEntries(Object.keys(e.terms).map((name) => [name, values.shift()![0]]));
    return { id: e.id, seed, loss, terms, ...(e.stageLosses ? { stageLosses: Array.from(values.shift()!) } : {}) };
  });
  return { ...at, warm: step.warm, learningRate: step.learningRate, runs };
}

/**
 * One forward and backward pass of every run on the first `batch` of the subset, with
 * nothing applied: it compiles the backend's kernels (shaders on WebGPU and WebGL, seconds
 * on a software GPU) before Play instead of in its first step. No weight, optimizer state
 * or random number is touched, so training is exactly what it would have been. The first
 * run's pass again, compiled, sizes the first stoppable steps' chunks (`pacer`), and the
 * chunk's shape is compiled too.
 */
export async function warmUpRuns(
  runs: readonly TrainedRun[],
  batch: { features: Float32Array; labels: Int32Array },
  featureShape: readonly number[],
  pacer: ChunkPacer,
  { teacherFor, onProgress }: { teacherFor: (n: number, x: tf.Tensor) => tf.Tensor2D | null; onProgress?: (progress: PrepareProgress) => void },
): Promise<void> {
  const count = batch.labels.length;
  const rowSize = featureShape.reduce((a, b) => a * b, 1);
  /** One run's forward and backward on the first `n` samples of the batch, finished (nothing applied). */
  const pass = async (run: TrainedRun, n = count) => {
    const values = tf.tidy(() => {
      const x = tf.tensor(batch.features.subarray(0, n * rowSize), [n, ...featureShape]);
      const teacherLogits = teacherFor(n, x);
      const { value, grads } = tf.variableGrads(
        () => {
          const logits = run.student.apply(x, { training: true }) as tf.Tensor2D;
          return trainingObjective(run.method, logits, teacherLogits, batch.labels.subarray(0, n), { warm: 1 }).loss;
        },
        run.student.trainableWeights.map((w) => w.read() as tf.Variable),
      );
      return [value, ...Object.values(grads)];
    });
    await values[0].data();
    tf.dispose(values);
  };
  for (const [i, run] of runs.entries()) {
    onProgress?.({ what: 'compiling the students’ kernels', done: i, total: runs.length });
    await pass(run);
  }
  const started = performance.now();
  await pass(runs[0]);
  const chunk = pacer.afterWarmUp(count, performance.now() - started);
  // Compiles the chunk's shape for every run now (GPU programs are per shape), not in the units a pause waits on.
  if (chunk !== null) for (const run of runs) await pass(run, chunk);
  onProgress?.({ what: 'compiling the students’ kernels', done: runs.length, total: runs.length });
}
