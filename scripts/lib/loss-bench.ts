// Forward + backward cost of each loss on whichever TF.js backend is active. Shared by
// `npm run bench:loss` in Node (CPU) and in Chromium (WebGPU, WebGL), loaded there
// through the Vite dev server.
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, dkdLoss, kdLoss, kdLossReference } from '../../src/distill/baselines';
import { pcdLoss } from '../../src/distill/pcd';
import { pcdLossReference } from '../../src/distill/pcd-reference';
import { countDispatches, type Dispatches } from './dispatches';

export interface LossBenchConfig {
  batch: number;
  classes: number;
  stages: number;
  /** Timed samples per loss; the median is reported. */
  samples: number;
  /** Calls per sample, issued back to back and synchronised once (as a training loop does). */
  callsPerSample: number;
  warmupCalls: number;
}

export const LOSS_BENCH_DEFAULTS: LossBenchConfig = {
  batch: 128,
  classes: 100,
  stages: 3,
  samples: 9,
  callsPerSample: 5,
  warmupCalls: 3,
};

export interface LossTiming {
  loss: string;
  msPerCall: number;
  /** Every sample's ms per call, so a reader can see the spread. */
  samplesMs: number[];
  /** Launches of one forward + backward call. */
  dispatches: Dispatches;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function benchLosses(config: LossBenchConfig = LOSS_BENCH_DEFAULTS): Promise<LossTiming[]> {
  const { batch, classes, stages } = config;
  const teacher = tf.randomNormal([batch, classes], 0, 3, 'float32', 7) as tf.Tensor2D;
  const student = tf.randomNormal([batch, classes], 0, 1, 'float32', 8) as tf.Tensor2D;
  const labels = Array.from({ length: batch }, (_, i) => (i * 37) % classes);
  const losses: [string, (zs: tf.Tensor2D) => tf.Scalar][] = [
    ['CE', (zs) => crossEntropyLoss(zs, labels)],
    ['KD', (zs) => kdLoss(zs, teacher)],
    ['KD composed (reference)', (zs) => kdLossReference(zs, teacher, 4, false)],
    ['DKD', (zs) => dkdLoss(zs, teacher, labels)],
    [`PCD (S=${stages})`, (zs) => pcdLoss(zs, teacher, { stages }).loss],
    [`PCD scheduled (stage ${stages})`, (zs) => pcdLoss(zs, teacher, { stages, activeStage: stages }).loss],
    ['PCD ranking off', (zs) => pcdLoss(zs, teacher, { stages, ranking: false }).loss],
    ['PCD standardized', (zs) => pcdLoss(zs, teacher, { stages, standardizeLogits: true }).loss],
    ['PCD composed (reference)', (zs) => pcdLossReference(zs, teacher, { stages }).loss],
  ];
  const valueAndGrad = (lossOf: (zs: tf.Tensor2D) => tf.Scalar) => tf.valueAndGrad(lossOf);
  const run = async (lossOf: (zs: tf.Tensor2D) => tf.Scalar, calls: number) => {
    const step = valueAndGrad(lossOf);
    let last: tf.Tensor[] = [];
    for (let i = 0; i < calls; i++) {
      tf.dispose(last);
      const { value, grad } = step(student);
      last = [value, grad];
    }
    await last[1].data(); // waits for every queued kernel
    tf.dispose(last);
  };
  const timings: LossTiming[] = [];
  try {
    for (const [name, lossOf] of losses) {
      await run(lossOf, config.warmupCalls);
      const samplesMs: number[] = [];
      for (let s = 0; s < config.samples; s++) {
        const start = performance.now();
        await run(lossOf, config.callsPerSample);
        samplesMs.push((performance.now() - start) / config.callsPerSample);
      }
      const dispatches = await countDispatches(() => {
        const { value, grad } = valueAndGrad(lossOf)(student);
        return [value, grad];
      });
      timings.push({ loss: name, msPerCall: median(samplesMs), samplesMs, dispatches });
    }
  } finally {
    tf.dispose([teacher, student]);
  }
  return timings;
}

/** One change of what a live slider or a partial batch changes, and what the next call costs. */
export interface LiveChangeTiming {
  change: string;
  /** The first forward + backward call with the new value (a shader compiled per value would show here). */
  firstMs: number;
  /** The next call with the same value. */
  nextMs: number;
}

/**
 * The fused PCD's cost right after a change a run meets while it trains: τ or α moved by a
 * slider, a scheduled phase switching stage, a smaller last batch. Each change is timed on
 * its first call and on the call after it (median of `samples` rounds of fresh values).
 */
export async function benchLiveChanges(config: LossBenchConfig = LOSS_BENCH_DEFAULTS): Promise<LiveChangeTiming[]> {
  const { batch, classes, stages } = config;
  const teacher = tf.randomNormal([batch, classes], 0, 3, 'float32', 7) as tf.Tensor2D;
  const student = tf.randomNormal([batch, classes], 0, 1, 'float32', 8) as tf.Tensor2D;
  const call = async (options: Parameters<typeof pcdLoss>[2], rows = batch) => {
    const [zs, zt] = rows === batch ? [student, teacher] : [student.slice(0, rows), teacher.slice(0, rows)];
    const start = performance.now();
    const { value, grad } = tf.valueAndGrad((s: tf.Tensor2D) => pcdLoss(s, zt as tf.Tensor2D, options).loss)(zs as tf.Tensor2D);
    await grad.data();
    const ms = performance.now() - start;
    tf.dispose([value, grad, ...(rows === batch ? [] : [zs, zt])]);
    return ms;
  };
  // Each round uses values no call has used before, so a per-value compile cannot be cached from an earlier round.
  const changes: [string, (round: number) => [Parameters<typeof pcdLoss>[2], number]][] = [
    ['τ changed', (r) => [{ stages, temperature: 4 + 0.25 * (r + 1) }, batch]],
    ['α changed', (r) => [{ stages, alpha: 1 + 0.125 * (r + 1) }, batch]],
    ['scheduled stage changed', (r) => [{ stages, activeStage: (r % stages) + 1, temperature: 3 + 0.01 * r }, batch]],
    ['batch size changed (last batch)', (r) => [{ stages }, batch - 8 * (r + 1)]],
  ];
  const results: LiveChangeTiming[] = [];
  try {
    for (let i = 0; i < config.warmupCalls; i++) await call({ stages });
    for (const [change, values] of changes) {
      const first: number[] = [];
      const next: number[] = [];
      for (let round = 0; round < Math.min(config.samples, 5); round++) {
        const [options, rows] = values(round);
        first.push(await call(options, rows));
        next.push(await call(options, rows));
      }
      results.push({ change, firstMs: median(first), nextMs: median(next) });
    }
  } finally {
    tf.dispose([teacher, student]);
  }
  return results;
}
