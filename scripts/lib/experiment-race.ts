// One seed of an experiment: every method as a run of one fair race (same initial weights,
// same batches), trained to the end of the budget, then evaluated on the test split. The
// same code runs in Node (MLP students) and in a Chromium page (CNN students).
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/dataset';
import { METHOD_DEFAULTS, type Method } from '../../src/distill/objective';
import type { TrainerConfig } from '../../src/train/config';
import { DistillationTrainer } from '../../src/train/trainer';

export interface ExperimentRow {
  seed: number;
  method: Method;
  testAccuracy: number;
  teacherAgreement: number;
  nonTargetKl: number;
  nonTargetRankCorrelation: number;
  diverged: boolean;
}

export async function raceOneSeed(config: TrainerConfig, methods: Method[], data: Dataset, teacher: tf.LayersModel, seed: number): Promise<ExperimentRow[]> {
  const trainer = new DistillationTrainer({ ...config, seed }, methods.map((m) => ({ id: m, method: METHOD_DEFAULTS[m] })), data, teacher);
  const diverged = new Set<string>();
  try {
    while (!trainer.done) {
      const report = await trainer.trainStep();
      for (const run of report.runs) if (!Number.isFinite(run.loss)) diverged.add(run.id);
    }
    return (await trainer.evaluate()).map((result) => ({
      seed,
      method: result.id as Method,
      testAccuracy: result.testAccuracy,
      teacherAgreement: result.teacherAgreement!,
      nonTargetKl: result.nonTargetKl!,
      nonTargetRankCorrelation: result.nonTargetRankCorrelation!,
      diverged: diverged.has(result.id),
    }));
  } finally {
    trainer.dispose();
  }
}
