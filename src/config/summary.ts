// Who is ahead in a race, in numbers a reader sees without a chart: each run's test accuracy
// at the latest evaluation that every run of every seed has, its gain over CE (same initial
// weights, same batches), the teacher's accuracy and the steps taken, and whether the
// differences are beyond noise: with one seed, McNemar's exact test on the runs' per-sample
// results; with several, a paired t-test on the per-seed differences (config/verdict.ts). A
// run "won" only when it is ahead of every other beyond noise. Pure, for the summary card,
// the lesson's cue and the metrics export.
import type { EvaluationReport } from '../train/session-reports';
import { seedBand, type SeedBand } from './seed-stats';
import { pairSentence, pairVerdict, seedSentence, seedVerdict, type PairVerdict, type SeedVerdict, beyondNoise } from './verdict';

export interface SummaryRow {
  id: string;
  /** Over several seeds, the mean of theirs. */
  testAccuracy: number;
  /** Points of test accuracy above CE at the same step (paired by seed, then averaged); null without a CE run. */
  gainOverCe: number | null;
  /** Points below the teacher. */
  gapToTeacher: number | null;
  /** Each seed's test accuracy, in the order of `RaceSummary.seeds`. */
  seedAccuracies: number[];
  /** The mean and spread of `seedAccuracies` (see config/seed-stats.ts). */
  band: SeedBand;
}

/** One seed: sample by sample (McNemar). Several: seed by seed (paired t-test). */
export type Verdict = PairVerdict | SeedVerdict;

export const isSeedVerdict = (v: Verdict): v is SeedVerdict => 'seeds' in v;

export function verdictSentence(v: Verdict, label?: (id: string) => string): string {
  return isSeedVerdict(v) ? seedSentence(v, label) : pairSentence(v, label);
}

export interface RaceSummary {
  /** The step of the evaluation summarised. */
  step: number;
  totalSteps: number;
  /** True when that evaluation is the one at the end of the budget. */
  final: boolean;
  teacherAccuracy: number | null;
  /** The seeds summarised, ascending. */
  seeds: number[];
  /** Best (highest mean) first. */
  rows: SummaryRow[];
  /** Test samples the summarised evaluation used (bounded during training). */
  testCount: number;
  /**
   * The best run against each other run (best first in each): over seeds with several, else
   * sample by sample; empty with one seed when the evaluations carry no per-sample results (an older export).
   */
  verdicts: Verdict[];
  /** Each run against CE, the same way; empty without CE. */
  overCe: Verdict[];
}

export function raceSummary(
  evaluations: readonly EvaluationReport[],
  runs: readonly string[],
  totalSteps: number,
  teacherAccuracy: number | null,
): RaceSummary | null {
  if (!runs.length) return null;
  const seeds = [...new Set(evaluations.map((e) => e.seed))].sort((a, b) => a - b);
  // The latest step at which every run of every seed was evaluated.
  const steps = new Map<number, Map<string, EvaluationReport>>();
  const key = (id: string, seed: number) => `${id}@${seed}`;
  for (const e of evaluations) {
    if (!runs.includes(e.id)) continue;
    let at = steps.get(e.step);
    if (!at) steps.set(e.step, (at = new Map()));
    at.set(key(e.id, e.seed), e);
  }
  const complete = [...steps.entries()].filter(([, at]) => at.size === runs.length * seeds.length).sort((a, b) => b[0] - a[0]);
  if (!complete.length) return null;
  const [step, at] = complete[0];
  const accuracies = (id: string) => seeds.map((seed) => at.get(key(id, seed))!.testAccuracy);
  const hasCe = runs.includes('ce');
  /** Points of a − b, seed by seed. */
  const differences = (a: string, b: string) => {
    const [x, y] = [accuracies(a), accuracies(b)];
    return x.map((v, k) => 100 * (v - y[k]));
  };
  const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const rows = runs
    .map((id): SummaryRow => {
      const seedAccuracies = accuracies(id);
      const band = seedBand(seedAccuracies);
      return {
        id,
        testAccuracy: band.mean,
        gainOverCe: !hasCe || id === 'ce' ? null : mean(differences(id, 'ce')),
        gapToTeacher: teacherAccuracy === null ? null : 100 * (teacherAccuracy - band.mean),
        seedAccuracies,
        band,
      };
    })
    .sort((a, b) => b.testAccuracy - a.testAccuracy);
  const testCount = Math.min(...[...at.values()].map((e) => e.testCount));
  const best = rows[0].id;
  let verdicts: Verdict[];
  let overCe: Verdict[];
  if (seeds.length > 1) {
    verdicts = rows.slice(1).map((r) => seedVerdict(best, r.id, differences(best, r.id)));
    overCe = hasCe ? rows.filter((r) => r.id !== 'ce').map((r) => seedVerdict(r.id, 'ce', differences(r.id, 'ce'))) : [];
  } else {
    // Sample by sample only where every run has its per-sample results on the same test samples.
    const correct = (id: string) => at.get(key(id, seeds[0]))?.correct;
    const paired = rows.every((r) => correct(r.id)?.length === testCount && testCount > 0);
    verdicts = paired ? rows.slice(1).map((r) => pairVerdict(best, correct(best)!, r.id, correct(r.id)!)) : [];
    overCe = paired && hasCe ? rows.filter((r) => r.id !== 'ce').map((r) => pairVerdict(r.id, correct(r.id)!, 'ce', correct('ce')!)) : [];
  }
  return { step, totalSteps, final: step >= totalSteps, teacherAccuracy, seeds, rows, testCount, verdicts, overCe };
}

/** An accuracy in [0, 1] as a percentage with one decimal: 0.573 → 57.3%. */
export const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
/** What a race is scored on: test accuracy (classification), or COCO AP@[.5:.95] (detection, the digit scenes). */
export interface Metric {
  /** As a column or axis names it: "accuracy", "AP". */
  name: string;
  /** In a sentence: "test accuracy", "test AP (COCO AP@[.5:.95])". */
  long: string;
  /** A value in [0, 1] as the page writes it: "57.3%", "AP 31.2". */
  value: (x: number) => string;
  /** What the test split holds: "samples", "scenes". */
  samples: string;
}

export function metricOf(task: 'classification' | 'detection' | undefined): Metric {
  return task === 'detection'
    ? { name: 'AP', long: 'test AP (COCO AP@[.5:.95] × 100)', value: (x) => `AP ${(100 * x).toFixed(1)}`, samples: 'scenes' }
    : { name: 'accuracy', long: 'test accuracy', value: percent, samples: 'samples' };
}

/** Points with their sign: +7.4, −3.0. */
export const signedPoints = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;

/**
 * The lead in words, as far as the evidence goes: "PCD won with 64.3%" only when PCD is
 * ahead of every other run beyond noise; "KD and DKD tie with 98.9%"; "KD is ahead with
 * 98.9%, within noise of DKD"; without per-sample results, "KD has the most, 98.9%".
 */
function leadClause(summary: RaceSummary, label: (id: string) => string, value: (x: number) => string): string {
  const [best, ...rest] = summary.rows;
  if (!rest.length) return `${label(best.id)} has ${value(best.testAccuracy)}`;
  if (!summary.verdicts.length) return `${label(best.id)} has the most, ${value(best.testAccuracy)}`;
  const tied = summary.verdicts.filter((v) => v.kind === 'tie').map((v) => v.b);
  if (tied.length) return `${[best.id, ...tied].map(label).join(' and ')} tie with ${value(best.testAccuracy)}`;
  const close = summary.verdicts.filter((v) => v.kind === 'within-noise').map((v) => v.b);
  if (close.length) return `${label(best.id)} is ahead with ${value(best.testAccuracy)}, within noise of ${close.map(label).join(' and ')}`;
  return `${label(best.id)} ${summary.final ? 'won' : 'leads'} with ${value(best.testAccuracy)}, ahead of every other run beyond noise`;
}

/** One plain sentence of the summary, e.g. for a screen reader or a caption. */
export function summarySentence(
  summary: RaceSummary,
  label: (id: string) => string = (id) => id.toUpperCase(),
  metric: Metric = metricOf('classification'),
): string {
  const over = summary.seeds.length > 1 ? `, mean of ${summary.seeds.length} seeds` : '';
  const when =
    (summary.final
      ? `After all ${summary.totalSteps.toLocaleString('en')} steps`
      : `At step ${summary.step.toLocaleString('en')} of ${summary.totalSteps.toLocaleString('en')}`) + over;
  const [best, ...rest] = summary.rows;
  const lead = leadClause(summary, label, metric.value);
  const tiedWithBest = new Set(summary.verdicts.filter((v) => v.kind === 'tie').map((v) => v.b));
  const others = rest
    .filter((r) => !tiedWithBest.has(r.id))
    .map((r) => `${label(r.id)} ${metric.value(r.testAccuracy)}`)
    .join(', ');
  // The closest rival, sample by sample or seed by seed (the evidence behind the lead's words).
  const rival = summary.verdicts[0];
  const evidence = rival && best ? ` ${verdictSentence(rival, label)}.` : '';
  const ce = summary.rows.find((r) => r.id === 'ce');
  const noise = (id: string) => {
    const v = summary.overCe.find((x) => x.a === id);
    return !v ? '' : beyondNoise(v) ? '' : v.kind === 'tie' ? ' (a tie)' : ' (within noise)';
  };
  const gains = ce
    ? summary.rows
        .filter((r) => r.gainOverCe !== null)
        .map((r) => `${label(r.id)} ${signedPoints(r.gainOverCe!)}${noise(r.id)}`)
        .join(', ')
    : '';
  return (
    `${when}: ${lead}${others ? `; ${others}` : ''}.` +
    evidence +
    (gains ? ` Over CE (no teacher): ${gains} points.` : '') +
    (summary.teacherAccuracy !== null ? ` The teacher has ${metric.value(summary.teacherAccuracy)}.` : '')
  );
}
