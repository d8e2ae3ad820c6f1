// The runner's detection races (`npm run experiment -- --preset scenes`): the page's own
// detection race (src/detect/race.ts) in Node on the WASM backend, consecutive seeds together
// as the page trains them, COCO AP on the 1,000 test scenes every `evalEvery` epochs and at
// the end. Rows carry AP@[.5:.95] as `testAccuracy` (the statistics are the classification
// runner's) and COCOeval's twelve numbers.
import type * as tf from '@tensorflow/tfjs';
import { DetectionRace } from '../../src/detect/race';
import { scenesTask } from '../../src/detect/task';
import type { SceneDataset } from '../../src/detect/scenes-file';
import type { TrainerConfig } from '../../src/train/config';
import type { RunSpec } from '../../src/train/reports';
import { consecutiveBlocks, type CurvePoint, type SeedResult } from './experiment-race';

/** The digit scenes and, when a run distils, the detection teacher, as the page loads them. */
export async function loadScenesTask(
  siteUrl: string,
  needsTeacher: boolean,
): Promise<{ dataset: SceneDataset; teacher: tf.LayersModel | null; teacherAp: number | null }> {
  const loaded = await scenesTask.load(siteUrl, fetch, needsTeacher);
  return { dataset: loaded.dataset, teacher: loaded.teacher, teacherAp: loaded.teacherTestAccuracy };
}

/** Every seed's detection race (see the file's comment); `onSeed` as each block ends. */
export async function raceDetectionSeeds(
  config: TrainerConfig,
  runs: RunSpec[],
  data: SceneDataset,
  teacher: tf.LayersModel | null,
  seeds: readonly number[],
  evalEvery: number,
  onSeed: (seed: number, result: SeedResult) => void,
  log: (line: string) => void,
  /** Called with each block's trained race before it is freed (the reproduction export reads its students). */
  onTrained?: (race: DetectionRace, results: Map<number, SeedResult>) => Promise<void>,
): Promise<void> {
  for (const block of consecutiveBlocks(seeds)) {
    const race = new DetectionRace({ ...config, seed: block[0], seeds: block.length }, runs, data, teacher);
    const curves = new Map(block.map((seed) => [seed, Object.fromEntries(runs.map((r) => [r.id, [] as CurvePoint[]]))]));
    const diverged = new Set<string>();
    const every = evalEvery * race.stepsPerEpoch;
    const started = performance.now();
    try {
      await race.prepare();
      for (;;) {
        const report = await race.trainStep();
        for (const run of report.runs) if (!Number.isFinite(run.loss)) diverged.add(`${run.id}@${run.seed}`);
        if (race.currentStep % every !== 0 && !race.done) continue;
        const results = await race.evaluate();
        for (const r of results)
          curves.get(r.seed)![r.id].push({
            step: race.currentStep,
            epoch: race.currentStep / race.stepsPerEpoch,
            testAccuracy: r.testAccuracy,
            testLoss: r.testLoss,
            trainAccuracy: r.trainAccuracy,
            trainLoss: r.trainLoss,
          });
        const seconds = (performance.now() - started) / 1000;
        log(
          `seeds ${block.join(', ')}, step ${race.currentStep} of ${race.totalSteps} (${seconds.toFixed(0)} s): ` +
            results.map((r) => `${r.id}@${r.seed} AP ${(100 * r.testAccuracy).toFixed(1)}`).join(', '),
        );
        if (!race.done) continue;
        const done = new Map<number, SeedResult>();
        for (const seed of block) {
          done.set(seed, {
            rows: results
              .filter((r) => r.seed === seed)
              .map((r) => ({
                seed,
                method: r.id,
                testAccuracy: r.testAccuracy,
                teacherAgreement: NaN,
                nonTargetKl: NaN,
                nonTargetRankCorrelation: NaN,
                diverged: diverged.has(`${r.id}@${seed}`),
                steps: race.totalSteps,
                detection: r.detection.stats,
              })),
            curves: curves.get(seed)!,
          });
          onSeed(seed, done.get(seed)!);
        }
        await onTrained?.(race, done);
        break;
      }
    } finally {
      race.dispose();
    }
  }
}
