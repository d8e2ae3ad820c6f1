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
