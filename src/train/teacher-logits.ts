// The teacher as a trainer sees it: a model, or logits that came with the dataset (a local
// dataset's logits file), and its logits computed once and kept: for the training subset on
// the device (so a distillation step costs about a CE step), for the test split on the host.
import * as tf from '@tensorflow/tfjs';
import type { Dataset, DatasetSplit } from '../data/dataset';
import { predictLogits, teacherLogitsOf } from '../models/predict';
import type { PrepareProgress } from './reports';

/**
 * The teacher's test logits per dataset, shared by every trainer of it (the seeds of a race
 * evaluate on the same test split): computed once, however many seeds or resets.
 */
const testLogitsKept = new WeakMap<Dataset, { model: tf.LayersModel | null; logits: Float32Array }>();

export class TeacherLogits {
  private training: tf.Tensor2D | null = null;
  /** The cache as rows `offset …` of a tensor several trainers share (a stacked race's seeds); its owner frees it. */
  private shared: { logits: tf.Tensor2D; offset: number } | null = null;
  private test: Float32Array | null = null;

  constructor(
    private readonly model: tf.LayersModel | null,
    private readonly dataset: Dataset,
    private readonly subset: DatasetSplit,
  ) {}

  /** Whether there is a teacher at all (a model, or logits with the dataset): only CE trains without one. */
  get present(): boolean {
    return !!this.model || !!this.dataset.train.teacherLogits;
  }

  /**
   * The subset's logits, computed once in batches of `chunk` (or taken from the dataset's),
   * with progress; `beforeBatch` may throw to give up. Nothing to do with augmentation on
   * (each batch's shifted images are predicted as they come).
   */
  async cacheTraining(
    augmentation: boolean,
    chunk: number,
    onProgress?: (progress: PrepareProgress) => void,
    beforeBatch?: () => void,
  ): Promise<void> {
    if (this.training || this.shared || augmentation) return;
    this.training = await teacherLogitsOf(this.subset, this.dataset, this.model, chunk, onProgress, beforeBatch);
  }

  /** The test split's logits, computed once (or taken from the dataset's). */
  async testLogits(progress?: { chunk: number; onDone: (done: number) => void }): Promise<Float32Array | null> {
    this.test ??= this.dataset.test.teacherLogits ?? null;
    const kept = testLogitsKept.get(this.dataset);
    if (!this.test && kept?.model === this.model) this.test = kept.logits;
    if (this.model && !this.test) {
      this.test = await predictLogits(this.model, this.dataset, this.dataset.test, progress?.chunk, progress?.onDone);
      testLogitsKept.set(this.dataset, { model: this.model, logits: this.test });
    }
    return this.test;
  }

  /** The logits of a batch: rows `indices` of the cache, or the model's prediction on `x` (augmented images; a function: made only then, and freed); null without a teacher. */
  forBatch(indices: number[], x: tf.Tensor | (() => tf.Tensor)): tf.Tensor2D | null {
    if (!this.present) return null;
    if (this.shared) {
      const { logits, offset } = this.shared;
      return tf.tidy(
        () =>
          tf.gather(
            logits,
            tf.tensor1d(
              indices.map((i) => i + offset),
              'int32',
            ),
          ) as tf.Tensor2D,
      );
    }
    if (this.training) return tf.tidy(() => tf.gather(this.training!, tf.tensor1d(indices, 'int32')) as tf.Tensor2D);
    if (x instanceof tf.Tensor) return this.model!.predict(x) as tf.Tensor2D;
    return tf.tidy(() => this.model!.predict(x()) as tf.Tensor2D);
  }

  /** The subset's cached logits `[N, C]`, to share (null without a cache). */
  get cached(): tf.Tensor2D | null {
    return this.shared ? null : this.training;
  }

  /** From now on the cache is rows `offset …` of `logits` (which its owner frees, after this trainer); the own copy is freed. */
  share(logits: tf.Tensor2D, offset: number): void {
    this.training?.dispose();
    this.training = null;
    this.shared = { logits, offset };
  }

  dispose(): void {
    this.training?.dispose();
    this.training = null;
    this.shared = null;
  }
}
