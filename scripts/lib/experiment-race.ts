// One seed of an experiment: every run of one fair race (same initial weights, same
// batches), trained to the end of the budget and evaluated on the test split every
// `evalEvery` epochs and at the end. The same code runs in Node (MLP students) and in a
// Chromium page (CNN students).
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/dataset';
import type { TrainerConfig } from '../../src/train/config';
import { DistillationTrainer } from '../../src/train/trainer';
import type { RunSpec } from '../../src/train/reports';

export interface ExperimentRow {
  seed: number;
  /** The run's id (the method's name for the page's runs; a variant's name in the ablation). */
  method: string;
  testAccuracy: number;
  teacherAgreement: number;
  nonTargetKl: number;
  nonTargetRankCorrelation: number;
  diverged: boolean;
  steps: number;
}

/** A run's test metrics at one evaluation. */
export interface CurvePoint {
  step: number;
  epoch: number;
  testAccuracy: number;
  testLoss: number;
  trainAccuracy: number;
  trainLoss: number;
}

export interface SeedResult {
  rows: ExperimentRow[];
  curves: Record<string, CurvePoint[]>;
}

export async function raceOneSeed(
  config: TrainerConfig,
  runs: RunSpec[],
  data: Dataset,
  teacher: tf.LayersModel,
  seed: number,
  evalEvery = 1,
): Promise<SeedResult> {
  const trainer = new DistillationTrainer({ ...config, seed }, runs, data, teacher);
  const diverged = new Set<string>();
  const curves: Record<string, CurvePoint[]> = Object.fromEntries(runs.map((r) => [r.id, []]));
  const every = evalEvery * trainer.stepsPerEpoch;
  try {
    for (;;) {
      if (!trainer.done) {
        const report = await trainer.trainStep();
        for (const run of report.runs) if (!Number.isFinite(run.loss)) diverged.add(run.id);
      }
      const step = trainer.currentStep;
      if (step % every !== 0 && !trainer.done) continue;
      const results = await trainer.evaluate({ teacherMetrics: trainer.done });
      for (const r of results) {
        curves[r.id].push({
          step,
          epoch: step / trainer.stepsPerEpoch,
          testAccuracy: r.testAccuracy,
          testLoss: r.testLoss,
          trainAccuracy: r.trainAccuracy,
          trainLoss: r.trainLoss,
        });
      }
      if (!trainer.done) continue;
      const rows = results.map((result) => ({
        seed,
        method: result.id,
        testAccuracy: result.testAccuracy,
        teacherAgreement: result.teacherAgreement!,
        nonTargetKl: result.nonTargetKl!,
        nonTargetRankCorrelation: result.nonTargetRankCorrelation!,
        diverged: diverged.has(result.id),
        steps: trainer.totalSteps,
      }));
      return { rows, curves };
    }
  } finally {
    trainer.dispose();
  }
}
