import { describe, expect, it } from 'vitest';
import type { ProbeSnapshot, StepReport } from '../../worker/api';
import type { EvaluationReport } from '../../worker/api';
import {
  appendEvaluations,
  appendProbe,
  appendSteps,
  CONFUSIONS_KEPT,
  draftErrors,
  emptyLive,
  EVALUATIONS_LIMIT,
  HISTORY_LIMIT,
  SERIES_LIMIT,
  useSession,
} from './session-store';
import { PRESETS } from '../../config/presets';
import { applyReports } from './report-flush';
import { StepRate } from './step-rate';

const step = (i: number): StepReport => ({
  step: i,
  epoch: 1,
  activeStage: null,
  warm: 1,
  learningRate: 0.01,
  runs: [{ id: 'pcd', seed: 1, loss: i, terms: { ce: i, pcd: 2 * i }, stageLosses: [i, i, i] }],
});
const probe = (i: number, seed = 1) => ({ step: i, seed }) as ProbeSnapshot;

describe('the store helpers', () => {
  it('names every invalid field of a draft, and none of a preset', () => {
    for (const preset of PRESETS) expect(draftErrors(preset.page, null)).toEqual({});
    const bad = structuredClone(PRESETS[0].page);
    bad.config.batchSize = 0;
    (bad.config.method as { temperature: number }).temperature = Number.NaN;
    expect(Object.keys(draftErrors(bad, null)).sort()).toEqual(['batchSize', 'method.temperature']);
  });

  it('halves a loss series that outgrows its limit, keeping the newest point and every field aligned', () => {
    const live = emptyLive();
    appendSteps(
      live,
      Array.from({ length: SERIES_LIMIT + 1 }, (_, i) => step(i)),
    );
    const series = live.series.pcd;
    expect(series.steps.length).toBeLessThanOrEqual(SERIES_LIMIT / 2 + 1);
    expect(series.steps.at(-1)).toBe(SERIES_LIMIT);
    expect(series.loss).toEqual(series.steps);
    expect(series.terms.pcd).toEqual(series.steps.map((s) => 2 * s));
    expect(series.stageLosses.map((l) => l[0])).toEqual(series.steps);
  });

  it('keeps a bounded probe history that still spans the run from its start', () => {
    const live = emptyLive();
    for (let i = 0; i < 1000; i++) appendProbe(live, probe(i));
    expect(live.probes.length).toBeLessThanOrEqual(HISTORY_LIMIT);
    expect(live.probes[0].step).toBe(0);
    expect(live.probes.at(-1)!.step).toBe(999);
    const steps = live.probes.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    appendProbe(live, probe(999));
    expect(live.probes.filter((p) => p.step === 999)).toHaveLength(1);
  });
});

describe('evaluations kept by the page', () => {
  it('keeps every evaluation but only the newest confusion matrices of each run, so memory levels off', () => {
    const live = emptyLive();
    const evaluation = (id: string, step: number) =>
      ({
        id,
        seed: 1,
        step,
        testAccuracy: step / 100,
        confusion: new Int32Array(100 * 100),
        perClassAccuracy: Array(100).fill(0.5),
      }) as unknown as EvaluationReport;
    for (let step = 1; step <= 50; step++) appendEvaluations(live, [evaluation('ce', step), evaluation('pcd', step)]);
    expect(live.evaluations).toHaveLength(100);
    const kept = live.evaluations.filter((e) => e.confusion.length > 0);
    expect(kept.map((e) => [e.id, e.step])).toEqual([
      ['ce', 49],
      ['pcd', 49],
      ['ce', 50],
      ['pcd', 50],
    ]);
    expect(kept).toHaveLength(2 * CONFUSIONS_KEPT);
    expect(live.evaluations.filter((e) => e.perClassAccuracy.length > 0)).toEqual(kept);
    expect(live.evaluations.map((e) => e.testAccuracy)).toEqual(Array.from({ length: 50 }, (_, i) => [(i + 1) / 100, (i + 1) / 100]).flat());
  });

  it('halves a run’s older evaluations past the limit, keeping its first and newest, so a run of any length levels off', () => {
    const live = emptyLive();
    const evaluation = (id: string, step: number) =>
      ({ id, seed: 1, step, testAccuracy: 0.5, confusion: new Int32Array(0), perClassAccuracy: [] }) as unknown as EvaluationReport;
    for (let step = 0; step < 3 * EVALUATIONS_LIMIT; step++) appendEvaluations(live, [evaluation('ce', step), evaluation('kd', step)]);
    for (const id of ['ce', 'kd']) {
      const own = live.evaluations.filter((e) => e.id === id);
      expect(own.length).toBeLessThanOrEqual(EVALUATIONS_LIMIT);
      expect(own.length).toBeGreaterThan(EVALUATIONS_LIMIT / 2);
      expect(own[0].step).toBe(0);
      expect(own.at(-1)!.step).toBe(3 * EVALUATIONS_LIMIT - 1);
      expect(own.map((e) => e.step)).toEqual([...own.map((e) => e.step)].sort((a, b) => a - b));
    }
  });
});

describe('a race on several seeds in the page', () => {
  it('keeps every seed apart; series and evaluations are the followed seed’s, probes of another seed are left out', () => {
    const live = emptyLive([3, 4]);
    expect(live.seeds).toEqual([3, 4]);
    const report = step(0);
    report.runs = [
      { ...report.runs[0], seed: 3, loss: 1 },
      { ...report.runs[0], seed: 4, loss: 2 },
    ];
    appendSteps(live, [report]);
    const evaluation = (seed: number, testAccuracy: number) =>
      ({ id: 'pcd', seed, step: 1, testAccuracy, confusion: new Int32Array(0), perClassAccuracy: [] }) as unknown as EvaluationReport;
    appendEvaluations(live, [evaluation(3, 0.5), evaluation(4, 0.7)]);
    expect(live.series.pcd.loss).toEqual([1]);
    expect(live.evaluations.map((e) => e.testAccuracy)).toEqual([0.5]);
    expect(live.allEvaluations().map((e) => e.testAccuracy)).toEqual([0.5, 0.7]);
    live.seed = 4;
    expect(live.series.pcd.loss).toEqual([2]);
    expect(live.evaluations.map((e) => e.testAccuracy)).toEqual([0.7]);
    appendProbe(live, probe(5, 3));
    expect(live.probes).toEqual([]);
    appendProbe(live, probe(5, 4));
    expect(live.probes.map((p) => p.seed)).toEqual([4]);
  });
});

describe('what the charts subscribe to', () => {
  it('publishes a new frame for every flush, and a new evaluations frame only when evaluations came', () => {
    const store = useSession.getState;
    const live = emptyLive([1]);
    store().sessionApplied({ page: PRESETS[0].page, info: { runs: [] } } as never, live, 'pcd');
    const first = store().frame;
    const firstEvaluations = store().evaluationsFrame;
    expect(first.live).toBe(live);
    const rate = new StepRate();
    applyReports([{ state: 'running', steps: [step(0)], evaluations: [] }], rate);
    expect(store().frame).not.toBe(first);
    expect(store().frame.live.series.pcd.loss).toEqual([0]);
    expect(store().evaluationsFrame).toBe(firstEvaluations);
    const evaluation = {
      id: 'pcd',
      seed: 1,
      step: 1,
      testAccuracy: 0.5,
      confusion: new Int32Array(0),
      perClassAccuracy: [],
    } as unknown as EvaluationReport;
    applyReports([{ state: 'running', steps: [step(1)], evaluations: [evaluation] }], rate);
    expect(store().evaluationsFrame).not.toBe(firstEvaluations);
    expect(store().evaluationsFrame.live.evaluations).toHaveLength(1);
    // A probe: the charts redraw, the evaluation charts do not; another seed followed: both, and the history slider lets go.
    const beforeProbe = store().evaluationsFrame;
    store().showSnapshot(0);
    store().liveChanged();
    expect(store().evaluationsFrame).toBe(beforeProbe);
    expect(store().historyIndex).toBe(0);
    store().liveChanged(true);
    expect(store().evaluationsFrame).not.toBe(beforeProbe);
    expect(store().historyIndex).toBeNull();
  });
});
