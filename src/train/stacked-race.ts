// Every run of every seed of a race of MLP students, trained as one computation (src/stacked/):
// each seed's trainer draws its batch as it would alone, the stack trains all the runs on
// them at once, and each trainer counts the step. The runs' own models hold the stack's
// weights again whenever something reads them (evaluation, probe, export, snapshot).
import * as tf from '@tensorflow/tfjs';
import { denseLayers, StackedMlp, type StackOptimizer } from '../stacked/stacked-mlp';
import { numberTensors, runNumbers, stackedObjective, type StackedObjective } from '../stacked/stacked-objective';
import { labelsOneHot } from '../distill/logits';
import type { DrawnStep } from './chunked-step';
import type { TrainerConfig } from './config';
import type { RunStepReport, StepReport } from './reports';
import type { DistillationTrainer } from './trainer';
import { readTogether, type SavedTensor, type TrainerSnapshot } from './trainer-state';

/** Whether a race of this student trains stacked: an MLP (dense layers, ReLU or none), on either optimizer. */
export function stackable(model: tf.LayersModel): boolean {
  return denseLayers(model) !== null;
}

/** The backends whose tensors live in host memory. */
const HOST_BACKENDS = new Set(['cpu', 'wasm']);

/** Arrays end to end, in one array of the first one's type. */
function concatenated<T extends Float32Array | Int32Array>(parts: T[]): T {
  const out = new (parts[0].constructor as new (length: number) => T)(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export class StackedRace {
  private stack: StackedMlp | null = null;
  /** The runs' models are behind the stack's weights. */
  private stale = false;
  private readonly optimizer: StackOptimizer;
  /** The seeds' teacher caches end to end, with where each begins (undefined: not looked at yet; null: some seed has none). */
  private teacherCaches: { logits: tf.Tensor2D; offsets: number[]; host?: Float32Array } | null | undefined = undefined;

  constructor(
    private readonly trainers: readonly DistillationTrainer[],
    config: TrainerConfig,
  ) {
    const o = config.optimizer;
    this.optimizer =
      o.kind === 'adam' ? { kind: 'adam', learningRate: o.learningRate } : { kind: 'sgd', learningRate: o.learningRate, momentum: o.momentum };
  }

  /** Every run of every seed in the stack's order: a method's runs side by side, seed after seed (run j of seed k at j·S + k). */
  private get runs() {
    const perSeed = this.trainers[0].trainedRuns.length;
    return Array.from({ length: perSeed }, (_, j) => this.trainers.map((t) => t.trainedRuns[j])).flat();
  }

  /** TF.js's tensors and bytes right after the last step, its numbers freed (`npm run soak` watches them). */
  restingMemory: { numTensors: number; numBytes: number } | null = null;

  /** One step of every run of every seed, from each seed's own batch. */
  async step(): Promise<StepReport> {
    const report = await this.stepOnce();
    const { numTensors, numBytes } = tf.memory();
    this.restingMemory = { numTensors, numBytes };
    return report;
  }

  private async stepOnce(): Promise<StepReport> {
    const stack = (this.stack ??= await StackedMlp.build(
      this.runs.map((r) => r.student),
      this.runs.map((r) => r.optimizer),
      this.optimizer,
    ));
    if (!stack) throw new Error('these students cannot be stacked (not an MLP of one architecture)');
    const steps: DrawnStep[] = [];
    let numbers: Pick<StackedObjective, 'ce' | 'results'> | null = null;
    let total: tf.Scalar | null = null;
    try {
      for (const trainer of this.trainers) steps.push(await trainer.drawStep());
      const first = steps[0];
      const methods = this.trainers[0].trainedRuns.map((r) => r.method);
      const seeds = steps.length;
      const { count } = first;
      const { classNames, featureShape } = this.trainers[0].dataset;
      const classes = classNames.length;
      total = tf.tidy(() => {
        // Every seed's batch in one tensor, its labels in one one-hot: a few uploads whatever the seeds.
        const xs = tf.tensor(concatenated(steps.map((s) => s.features)), [seeds, count, ...featureShape]);
        // Each method's runs read their seeds' batches: the seeds' stack once per method.
        // (a concat, not a tile: the WASM backend's Tile is a slow loop, its Concat a memory copy)
        const x = methods.length === 1 ? xs : tf.concat(methods.map(() => xs));
        const oneHot = tf.reshape(labelsOneHot(concatenated(steps.map((s) => s.labels)), seeds * count, classes), [
          seeds,
          count,
          classes,
        ]) as tf.Tensor3D;
        const rows = this.teacherRows(steps);
        const teacher = rows ? (tf.reshape(rows, [seeds, count, classes]) as tf.Tensor3D) : null;
        return stack.step(() => {
          const out = stackedObjective(stack.forward(x), teacher, oneHot, methods, { warm: first.warm, activeStage: first.activeStage });
          numbers = out;
          return out.total;
        }, first.learningRate);
      });
      this.stale = true;
      // Every run's numbers in one read-back, then each in its place (seed by seed, run by run, as the loop reports them).
      const { results } = numbers!;
      const perMethod = runNumbers(results, await readTogether(numberTensors(numbers!)));
      const reports: RunStepReport[][] = this.trainers.map((trainer, k) =>
        perMethod.map((n, j) => ({
          id: trainer.trainedRuns[j].id,
          seed: trainer.config.seed,
          loss: n.loss[k],
          terms: Object.fromEntries(Object.entries(n.terms).map(([name, v]) => [name, v[k]])),
          ...(n.stageLosses ? { stageLosses: n.stageLosses[k] } : {}),
        })),
      );
      const at = this.trainers.map((trainer, k) => trainer.completeStep(steps[k]));
      steps.length = 0;
      return { ...at[0], runs: reports.flat() };
    } finally {
      // A step that failed applied nothing: each seed's data order and random state go back.
      for (const [k, step] of steps.entries()) this.trainers[k].discardDrawnStep(step);
      tf.dispose([...(total ? [total] : []), ...(numbers ? numberTensors(numbers) : [])]);
    }
  }

  /**
   * Every seed's batch's teacher logits `[S·B, C]`: one gather from the seeds' caches put end to
   * end (built at the first step; each trainer then reads its cache there, so it is not held
   * twice), or each seed's own where there is no cache (augmentation on: each batch predicted).
   */
  private teacherRows(steps: DrawnStep[]): tf.Tensor2D | null {
    if (this.teacherCaches === undefined) {
      const caches = this.trainers.map((t) => t.teacherLogits.cached);
      this.teacherCaches = null;
      if (caches.every((c) => c)) {
        const logits = tf.keep(tf.concat(caches as tf.Tensor2D[])); // built inside the step's tidy, kept past it
        const offsets = caches.map((_, k) => caches.slice(0, k).reduce((n, c) => n + c!.shape[0], 0));
        this.teacherCaches = { logits, offsets };
        this.trainers.forEach((t, k) => t.teacherLogits.share(logits, offsets[k]));
      }
    }
    if (this.teacherCaches) {
      const { logits, offsets } = this.teacherCaches;
      const indices = steps.flatMap((s, k) => s.indices.map((i) => i + offsets[k]));
      if (!HOST_BACKENDS.has(tf.getBackend())) return tf.gather(logits, tf.tensor1d(indices, 'int32'));
      // On the CPU and WASM backends the rows are copied on the host and uploaded (a memory
      // copy there): the WASM backend's gather is a slow element-by-element loop.
      const host = (this.teacherCaches.host ??= logits.dataSync() as Float32Array);
      const classes = logits.shape[1];
      const rows = new Float32Array(indices.length * classes);
      indices.forEach((row, i) => rows.set(host.subarray(row * classes, (row + 1) * classes), i * classes));
      return tf.tensor2d(rows, [indices.length, classes]);
    }
    // Without a cache the teacher predicts each seed's (augmented) batch.
    const perSeed = this.trainers.map((trainer, k) =>
      trainer.teacherLogits.forBatch(steps[k].indices, () => tf.tensor(steps[k].features, [steps[k].count, ...trainer.dataset.featureShape])),
    );
    return perSeed.every((t) => t) ? tf.concat(perSeed as tf.Tensor2D[]) : null;
  }

  /** The stack's weights into the runs' own models (evaluation, probes and export read those). */
  syncModels(): void {
    if (!this.stack || !this.stale) return;
    this.stack.writeBack(this.runs.map((r) => r.student));
    this.stale = false;
  }

  /** Each seed's runs' state (weights and optimizer) as a snapshot holds it, in one read-back; null before the stack trained. */
  async saveRuns(): Promise<TrainerSnapshot['runs'][] | null> {
    if (!this.stack) return null;
    this.syncModels();
    const runs = this.runs;
    const optimizer = this.stack.optimizerState();
    const weights = runs.flatMap((r) => r.student.weights);
    const values = await readTogether([...weights.map((w) => w.read()), ...optimizer.tensors]);
    const slots = values.slice(weights.length);
    let w = 0;
    const saved = runs.map((run, r) => ({
      id: run.id,
      method: run.method,
      weights: run.student.weights.map((weight): SavedTensor => ({
        name: weight.name,
        shape: weight.shape.slice() as number[],
        values: values[w++].slice(),
      })),
      optimizer: optimizer.forRun(r, slots),
    }));
    // Back from the stack's order (run j of seed k at j·S + k) to each seed's runs.
    const seeds = this.trainers.length;
    return this.trainers.map((trainer, k) => trainer.trainedRuns.map((_, j) => saved[j * seeds + k]));
  }

  /** The runs were restored (weights and optimizers): the stack is built again from them at the next step. */
  invalidate(): void {
    this.stack?.dispose();
    this.stack = null;
    this.stale = false;
  }

  dispose(): void {
    this.invalidate();
    this.teacherCaches?.logits.dispose();
    this.teacherCaches = null;
  }
}
