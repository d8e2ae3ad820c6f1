import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../../worker/api';
import type { RunSeries } from '../store/session-store';
import { accuracyDomainOf, curvesOf, type CurveSource } from './curves-view';

/** A run's loss series over `steps` steps: loss 2 − step/10, its CE term 1 − step/20. */
const series = (steps: number, offset = 0): RunSeries => ({
  steps: Array.from({ length: steps }, (_, i) => i),
  loss: Array.from({ length: steps }, (_, i) => 2 - i / 10 + offset),
  terms: { ce: Array.from({ length: steps }, (_, i) => 1 - i / 20 + offset) },
  stageLosses: [],
});
const evaluation = (id: string, seed: number, step: number, testAccuracy: number): EvaluationReport =>
  ({
    id,
    seed,
    step,
    testAccuracy,
    trainAccuracy: testAccuracy + 0.1,
    testLoss: 1,
    trainLoss: 1,
    testCount: 1000,
    trainCount: 256,
  }) as EvaluationReport;

function source(seeds: number[]): CurveSource {
  const bySeed = new Map(
    seeds.map((seed, k) => [
      seed,
      {
        series: { ce: series(10, k), kd: series(8, k) },
        evaluations: [evaluation('ce', seed, 5, 0.3 + k / 10), evaluation('kd', seed, 5, 0.4 + k / 10)],
      },
    ]),
  );
  return { seeds, of: (seed) => bySeed.get(seed)! };
}
const name = (id: string) => id.toUpperCase();

describe('the loss-and-accuracy curves, shaped from the live reports', () => {
  it('one seed: each run’s CE per step (x is the step after), test loss dots, test and train-slice accuracy', () => {
    const curves = curvesOf(source([1]), ['ce', 'kd'], { shown: 'ce', eachSeed: false, name });
    expect(curves.loss.map((s) => s.label)).toEqual(['CE · train', 'CE · test', 'KD · train', 'KD · test']);
    expect(curves.loss[0].points.slice(0, 2)).toEqual([
      { x: 1, y: 1 },
      { x: 2, y: 0.95 },
    ]);
    expect(curves.accuracy.map((s) => s.label)).toEqual(['CE · test', 'CE · train slice', 'KD · test', 'KD · train slice']);
    expect(curves.accuracy[0].points).toEqual([{ x: 5, y: 30 }]);
    expect(curves.accuracy[1].points[0].y).toBeCloseTo(40, 10);
    expect(curves.lastStep).toBe(10);
    expect(curves.counts).toEqual({ test: 1000, train: 256 });
    // The run's own objective instead of its CE term.
    expect(curvesOf(source([1]), ['ce'], { shown: 'objective', eachSeed: false, name }).loss[0]).toMatchObject({
      label: 'CE · objective',
      points: expect.arrayContaining([{ x: 1, y: 2 }]),
    });
  });

  it('several seeds: the mean with a band, each seed’s own line on demand, thinned to the points asked', () => {
    const curves = curvesOf(source([1, 2]), ['ce'], { shown: 'ce', eachSeed: false, name, points: 4 });
    const test = curves.accuracy.find((s) => s.id === 'ce-test')!;
    expect(test.label).toBe('CE · test, mean of 2 seeds');
    expect(test.points[0].y).toBeCloseTo(35, 10);
    expect(test.band![0].lo).toBeCloseTo(30, 10);
    expect(test.band![0].hi).toBeCloseTo(40, 10);
    expect(curves.loss[0].points.length).toBeLessThanOrEqual(5); // 4, and the last step
    const withSeeds = curvesOf(source([1, 2]), ['ce'], { shown: 'ce', eachSeed: true, name });
    expect(withSeeds.loss.filter((s) => s.noLegend).map((s) => s.label)).toEqual(['CE · train, seed 1', 'CE · train, seed 2']);
  });

  it('nothing yet: no points, step 0, no counts', () => {
    const empty: CurveSource = { seeds: [1], of: () => ({ series: {}, evaluations: [] }) };
    const curves = curvesOf(empty, ['ce'], { shown: 'ce', eachSeed: false, name });
    expect(curves.loss.every((s) => s.points.length === 0)).toBe(true);
    expect(curves).toMatchObject({ lastStep: 0, counts: null });
  });

  it('the accuracy axis: 0–100, or zoomed to the test curves and their bands, never the train slice', () => {
    const curves = curvesOf(source([1, 2]), ['ce', 'kd'], { shown: 'ce', eachSeed: false, name });
    expect(accuracyDomainOf(curves.accuracy, false)).toEqual([0, 100]);
    // Test values and bands span 30–50 (train slices reach 60): padded by max(1, 8 % of 20).
    expect(accuracyDomainOf(curves.accuracy, true)).toEqual([28, 52]);
  });
});
