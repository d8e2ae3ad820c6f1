// Who is ahead in a race, in numbers a reader sees without a chart: each run's test accuracy
// at the latest evaluation that every run of every seed has, its gain over CE (same initial
// weights, same batches), the teacher's accuracy and the steps taken, and whether the
// differences are beyond noise: with one seed, McNemar's exact test on the two trained
// students' per-sample results (about them, not the methods); with several, the paired t-test
// on the per-seed differences (config/verdict.ts). The leader is picked after the fact, so its
// comparisons are adjusted as part of every pair of runs (Holm); the gains over CE, a
// baseline named before, as a family of their own. A run "won" only when it is ahead of every
// other beyond noise. Pure, for the summary card, the lesson's cue and the metrics export.
import type { EvaluationReport } from '../train/session-reports';
import { seedBand, type SeedBand } from './seed-stats';
import { beyondNoise, inFamily, pairVerdict, seedVerdict, verdictSentence, type Verdict } from './verdict';

export { isSeedVerdict, verdictSentence, type Verdict } from './verdict';

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
  /** Test samples the summarised evaluation used: the curves' during training, the whole split at the end. */
  testCount: number;
  /** True when that is the whole test split, evaluated besides the curves' part (the end, Evaluate now). */
  onWhole: boolean;
  /**
   * The best run against each other run (best first in each): over seeds with several, else
   * sample by sample; empty with one seed when the evaluations carry no per-sample results (an
   * older export, or AP). Holm-adjusted over every pair of runs (the leader was picked from them).
   */
  verdicts: Verdict[];
  /** Each run against CE, the same way, Holm-adjusted over these comparisons; empty without CE. */
  overCe: Verdict[];
  /** At the end: the runs still improving (see {@link stillLearning}); empty before the end. */
  stillLearning: StillLearning[];
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
  const [step, atStep] = complete[0];
  // At the end (and Evaluate now) every run has the whole test split besides the curves' part: the summary reads that.
  const onWhole = [...atStep.values()].every((e) => e.whole);
  const at = onWhole ? new Map([...atStep].map(([k, e]) => [k, { ...e, ...e.whole! }])) : atStep;
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
  // One seed: sample by sample, only where every run has its per-sample results on the same test samples.
  const correct = (id: string) => at.get(key(id, seeds[0]))?.correct;
  const paired = seeds.length > 1 || rows.every((r) => correct(r.id)?.length === testCount && testCount > 0);
  const compare = (a: string, b: string): Verdict =>
    seeds.length > 1 ? seedVerdict(a, b, differences(a, b)) : pairVerdict(a, correct(a)!, b, correct(b)!);
  let verdicts: Verdict[] = [];
  let overCe: Verdict[] = [];
  if (paired) {
    // Every pair (the earlier row, higher mean, first): the leader's comparisons are some of them.
    const pairs = inFamily(rows.flatMap((r, i) => rows.slice(i + 1).map((o) => compare(r.id, o.id))));
    verdicts = pairs.filter((v) => v.a === best);
    overCe = hasCe ? inFamily(rows.filter((r) => r.id !== 'ce').map((r) => compare(r.id, 'ce'))) : [];
  }
  const final = step >= totalSteps;
  const learning = final ? stillLearning(evaluations, runs, totalSteps) : [];
  return { step, totalSteps, final, teacherAccuracy, seeds, rows, testCount, onWhole, verdicts, overCe, stillLearning: learning };
}

/** A rise of a run's test curve over the last quarter of the budget (the mean of its seeds, points). */
export interface StillLearning {
  id: string;
  fromStep: number;
  rise: number;
}

/** A run still improving at the end: its curve rose by at least this many points over the last quarter of the budget. */
export const STILL_LEARNING_POINTS = 1;

/**
 * The runs whose test curve (the same test samples at every point) rose by at least
 * {@link STILL_LEARNING_POINTS} points from the last evaluation at or before three quarters
 * of the budget to the end, over the mean of every seed: students still learning when the
 * budget ran out, whose order a longer budget may change. Empty without both evaluations.
 */
export function stillLearning(evaluations: readonly EvaluationReport[], runs: readonly string[], totalSteps: number): StillLearning[] {
  const seeds = new Set(evaluations.map((e) => e.seed)).size;
  const meanAt = (id: string, step: number) => {
    const at = evaluations.filter((e) => e.id === id && e.step === step);
    return at.length === seeds ? at.reduce((sum, e) => sum + e.testAccuracy, 0) / seeds : null;
  };
  const earlier = [...new Set(evaluations.map((e) => e.step))]
    .filter((step) => step <= 0.75 * totalSteps && runs.every((id) => meanAt(id, step) !== null))
    .sort((a, b) => b - a)[0];
  if (earlier === undefined) return [];
  return runs
    .map((id) => {
      const [from, to] = [meanAt(id, earlier), meanAt(id, totalSteps)];
      return { id, fromStep: earlier, rise: from === null || to === null ? 0 : 100 * (to - from) };
    })
    .filter((r) => r.rise >= STILL_LEARNING_POINTS)
    .sort((a, b) => b.rise - a.rise);
}

/** "Still learning at the end: …" for a summary with such runs, else ''. */
export function stillLearningSentence(summary: RaceSummary, label: (id: string) => string = (id) => id.toUpperCase()): string {
  const runs = summary.stillLearning;
  if (!runs.length) return '';
  return (
    `Still learning at the end: ${runs.map((r) => `${label(r.id)} +${r.rise.toFixed(1)}`).join(', ')} points since step ` +
    `${runs[0].fromStep.toLocaleString('en')} (the last quarter of the budget); a longer budget may change the verdict.`
  );
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

/** A fraction as printed beside it, in points (one decimal, as `percent` and the AP print it). */
const printed = (x: number) => Number((100 * x).toFixed(1));

/**
 * The points between two fractions as a reader computes them from the printed numbers
 * (66.2 − 57.7 = +8.5), so a difference never disagrees with the numbers beside it.
 */
export const printedDifference = (a: number, b: number) => signedPoints(printed(a) - printed(b));

/**
 * The lead in words, as far as the evidence goes: "PCD won with 64.3%" only when PCD is
 * ahead of every other run beyond noise; "KD and DKD tie with 98.9%"; "KD is ahead with
 * 98.9%, within noise of DKD"; without per-sample results, "KD has the most, 98.9%".
 */
function leadClause(summary: RaceSummary, label: (id: string) => string, value: (x: number) => string): string {
  const [best, ...rest] = summary.rows;
  if (!rest.length) return `${label(best.id)} has ${value(best.testAccuracy)}`;
  if (!summary.verdicts.length || summary.verdicts.some((v) => v.kind === 'untested'))
    return `${label(best.id)} has the most, ${value(best.testAccuracy)}`;
  const tied = summary.verdicts.filter((v) => v.kind === 'tie').map((v) => v.b);
  if (tied.length) return `${[best.id, ...tied].map(label).join(' and ')} tie with ${value(best.testAccuracy)}`;
  const close = summary.verdicts.filter((v) => v.kind === 'within-noise').map((v) => v.b);
  if (close.length) return `${label(best.id)} is ahead with ${value(best.testAccuracy)}, within noise of ${close.map(label).join(' and ')}`;
  // One seed: the students it trained, not the methods, are what is compared.
  const onThisSeed = summary.seeds.length === 1 ? ' on this seed' : '';
  return `${label(best.id)} ${summary.final ? 'won' : 'leads'}${onThisSeed} with ${value(best.testAccuracy)}, ahead of every other run beyond noise`;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** One plain sentence of the summary, e.g. for a screen reader or a caption. */
export function summarySentence(
  summary: RaceSummary,
  label: (id: string) => string = (id) => id.toUpperCase(),
  metric: Metric = metricOf('classification'),
  { stillLearning: sayStillLearning = true }: { stillLearning?: boolean } = {},
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
  const evidence = rival && best ? ` ${capitalise(verdictSentence(rival, label))}.` : '';
  const ce = summary.rows.find((r) => r.id === 'ce');
  const noise = (id: string) => {
    const v = summary.overCe.find((x) => x.a === id);
    return !v ? '' : beyondNoise(v) ? '' : v.kind === 'tie' ? ' (a tie)' : v.kind === 'untested' ? ' (not tested)' : ' (within noise)';
  };
  const gains = ce
    ? summary.rows
        .filter((r) => r.gainOverCe !== null)
        .map((r) => `${label(r.id)} ${printedDifference(r.testAccuracy, ce.testAccuracy)}${noise(r.id)}`)
        .join(', ')
    : '';
  return (
    `${when}: ${lead}${others ? `; ${others}` : ''}.` +
    evidence +
    (gains ? ` Over CE (no teacher): ${gains} points.` : '') +
    (summary.teacherAccuracy !== null ? ` The teacher has ${metric.value(summary.teacherAccuracy)}.` : '') +
    (sayStillLearning && summary.stillLearning.length ? ` ${stillLearningSentence(summary, label)}` : '')
  );
}
