// Pure helpers that turn the live reports into what the loss-and-accuracy chart draws: each
// run's train loss per step (thinned), its test loss, test and train-slice accuracy at each
// evaluation; over several seeds each run's mean with its band, and each seed's own line on
// demand.
import { runColour } from '../../config/palette';
import { bandsOver } from '../../config/seed-stats';
import type { EvaluationReport } from '../../worker/api';
import type { RunSeries } from '../store/session-store';
import type { Series } from './plot';
import { thinIndices } from './use-live';

/** The live reports as the chart reads them: the seeds, and each seed's loss series and evaluations. */
export interface CurveSource {
  seeds: readonly number[];
  of(seed: number): { series: Record<string, RunSeries>; evaluations: readonly EvaluationReport[] };
}

export interface CurveOptions {
  /** The loss drawn: cross-entropy on the labels (a term of every method, so runs compare), or each run's own objective. */
  shown: 'ce' | 'objective';
  /** Over several seeds, each seed's own line beside the mean. */
  eachSeed: boolean;
  /** A run's name as the page says it. */
  name: (id: string) => string;
  /** At most this many points of a train-loss line. */
  points?: number;
}

export interface Curves {
  loss: Series[];
  accuracy: Series[];
  /** The step after the latest reported one (0 before any). */
  lastStep: number;
  /** What the evaluations are on: the test samples (the same at every point) and the training slice. */
  counts: { test: number; train: number } | null;
}

export function curvesOf(live: CurveSource, runs: readonly string[], { shown, eachSeed, name, points = 300 }: CurveOptions): Curves {
  const { seeds } = live;
  const several = seeds.length > 1;
  const loss: Series[] = [];
  const accuracy: Series[] = [];
  const ofSeeds = several ? `, mean of ${seeds.length} seeds` : '';
  for (const id of runs) {
    const colour = runColour(id);
    const trainLoss = seeds.map((seed) => {
      const series = live.of(seed).series[id];
      return series
        ? thinIndices(series.steps.length, points).map((i) => ({
            x: series.steps[i] + 1,
            y: shown === 'ce' ? (series.terms.ce?.[i] ?? series.loss[i]) : series.loss[i],
          }))
        : [];
    });
    const evaluations = seeds.map((seed) => live.of(seed).evaluations.filter((e) => e.id === id));
    const over = (pick: (e: EvaluationReport) => number) => evaluations.map((list) => list.map((e) => ({ x: e.step, y: pick(e) })));
    /** One series, or over several seeds their mean with its band. */
    const line = (perSeed: { x: number; y: number }[][], banded: boolean) => {
      if (!several) return { points: perSeed[0] ?? [] };
      const bands = bandsOver(perSeed);
      return { points: bands.map((b) => ({ x: b.x, y: b.mean })), ...(banded ? { band: bands } : {}) };
    };
    loss.push({ id: `${id}-train`, label: `${name(id)} · ${shown === 'ce' ? 'train' : 'objective'}${ofSeeds}`, colour, ...line(trainLoss, true) });
    loss.push({
      id: `${id}-test`,
      label: `${name(id)} · test`,
      colour,
      dotsOnly: true,
      dash: '1 3',
      ...line(
        over((e) => e.testLoss),
        false,
      ),
    });
    accuracy.push({
      id: `${id}-test`,
      label: `${name(id)} · test${ofSeeds}`,
      colour,
      dots: true,
      ...line(
        over((e) => 100 * e.testAccuracy),
        true,
      ),
    });
    accuracy.push({
      id: `${id}-train`,
      label: `${name(id)} · train slice`,
      colour,
      dash: '4 3',
      ...line(
        over((e) => 100 * e.trainAccuracy),
        false,
      ),
    });
    if (several && eachSeed) {
      seeds.forEach((seed, k) => {
        const common = { colour, noLegend: true, width: 0.8, opacity: 0.5 };
        loss.push({ id: `${id}-train-${seed}`, label: `${name(id)} · train, seed ${seed}`, points: trainLoss[k], ...common });
        accuracy.push({
          id: `${id}-test-${seed}`,
          label: `${name(id)} · test, seed ${seed}`,
          points: over((e) => 100 * e.testAccuracy)[k],
          ...common,
        });
      });
    }
  }
  const lastStep = Math.max(0, ...runs.flatMap((id) => seeds.map((seed) => (live.of(seed).series[id]?.steps.at(-1) ?? -1) + 1)));
  const first = seeds.map((seed) => live.of(seed).evaluations[0]).find((e) => e);
  const counts = first ? { test: first.testCount, train: first.trainCount } : null;
  return { loss, accuracy, lastStep, counts };
}

/**
 * The accuracy axis: 0–100 %, or zoomed to the test curves with their seed bands (the train
 * slice's may sit far above), padded by 8 % of their range and at least a point.
 */
export function accuracyDomainOf(accuracy: readonly Series[], zoom: boolean): [number, number] {
  const tested = accuracy.filter((s) => s.id.includes('-test'));
  const values = tested.flatMap((s) => [...s.points.map((p) => p.y), ...(s.band ?? []).flatMap((b) => [b.lo, b.hi])]);
  if (!zoom || values.length < 2) return [0, 100];
  const [lo, hi] = [Math.min(...values), Math.max(...values)];
  const pad = Math.max(1, (hi - lo) * 0.08);
  return [Math.max(0, Math.floor(lo - pad)), Math.min(100, Math.ceil(hi + pad))];
}
