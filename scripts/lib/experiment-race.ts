// The seeds of an experiment: for each seed every run of one fair race (same initial weights,
// same batches), trained to the end of the budget and evaluated on the test split every
// `evalEvery` epochs and at the end; consecutive seeds train together, as in the page. The same code runs in Node (MLP students) and in a
// Chromium page (CNN students).
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/dataset';
import type { TrainerConfig } from '../../src/train/config';
import { SeedSet } from '../../src/train/seed-set';
import type { LiveChange } from '../../src/train/live-change';
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
  /** A detection race's row (then `testAccuracy` is AP@[.5:.95]): COCOeval's twelve numbers on the test scenes. */
  detection?: number[];
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

/** One seed's race (see {@link raceSeeds}). */
export async function raceOneSeed(
  config: TrainerConfig,
  runs: RunSpec[],
  data: Dataset,
  teacher: tf.LayersModel,
  seed: number,
  evalEvery = 1,
): Promise<SeedResult> {
  return (await raceSeeds(config, runs, data, teacher, [seed], evalEvery)).get(seed)!;
}

/** `seeds` cut into runs of consecutive seeds (3, 4, 5, 9 → [3, 4, 5], [9]): each run of them trains as one race. */
export function consecutiveBlocks(seeds: readonly number[]): number[][] {
  const blocks: number[][] = [];
  for (const seed of seeds) {
    const last = blocks.at(-1);
    if (last && seed === last.at(-1)! + 1) last.push(seed);
    else blocks.push([seed]);
  }
  return blocks;
}

/**
 * The races of several seeds, consecutive seeds together as the page trains them (one
 * `SeedSet`: every run of every seed in one stacked computation on the WASM backend and on
 * GPUs), each seed's numbers as its own race gives them.
 */
export async function raceSeeds(
  config: TrainerConfig,
  runs: RunSpec[],
  data: Dataset,
  teacher: tf.LayersModel | null,
  seeds: readonly number[],
  evalEvery = 1,
  onSeed?: (seed: number, result: SeedResult) => void,
  /** Called with each block's trained set before it is freed (the reproduction export reads its students). */
  onTrained?: (set: SeedSet, results: Map<number, SeedResult>) => Promise<void>,
  /** Changes made while a page's run trained (a reproduction bundle's), each applied before its step, as the page did. */
  liveChanges: readonly { fromStep: number; change: LiveChange }[] = [],
): Promise<Map<number, SeedResult>> {
  const out = new Map<number, SeedResult>();
  for (const block of consecutiveBlocks(seeds)) {
    const set = new SeedSet({ ...config, seed: block[0], seeds: block.length }, runs, data, teacher);
    const diverged = new Set<string>();
    const key = (id: string, seed: number) => `${id}@${seed}`;
    const curves = new Map(block.map((seed) => [seed, Object.fromEntries(runs.map((r) => [r.id, [] as CurvePoint[]]))]));
    const every = evalEvery * set.stepsPerEpoch;
    try {
      for (;;) {
        if (!set.done) {
          for (const live of liveChanges) if (live.fromStep === set.currentStep) set.adjust(live.change);
          const report = await set.trainStep();
          for (const run of report.runs) if (!Number.isFinite(run.loss)) diverged.add(key(run.id, run.seed));
        }
        const step = set.currentStep;
        if (step % every !== 0 && !set.done) continue;
        const results = await set.evaluate({ teacherMetrics: set.done });
        for (const r of results) {
          curves.get(r.seed)![r.id].push({
            step,
            epoch: step / set.stepsPerEpoch,
            testAccuracy: r.testAccuracy,
            testLoss: r.testLoss,
            trainAccuracy: r.trainAccuracy,
            trainLoss: r.trainLoss,
          });
        }
        if (!set.done) continue;
        for (const seed of block) {
          const rows = results
            .filter((r) => r.seed === seed)
            .map((result) => ({
              seed,
              method: result.id,
              testAccuracy: result.testAccuracy,
              teacherAgreement: result.teacherAgreement!,
              nonTargetKl: result.nonTargetKl!,
              nonTargetRankCorrelation: result.nonTargetRankCorrelation!,
              diverged: diverged.has(key(result.id, seed)),
              steps: set.totalSteps,
            }));
          out.set(seed, { rows, curves: curves.get(seed)! });
          onSeed?.(seed, out.get(seed)!);
        }
        await onTrained?.(set, out);
        break;
      }
    } finally {
      set.dispose();
    }
  }
  return out;
}
