// Who won a race, in numbers a reader sees without a chart: each run's test accuracy at the
// latest evaluation that every run has, its gain over CE (same initial weights, same
// batches), the teacher's accuracy and the steps taken. Pure, for the summary card and the
// metrics export.
import type { EvaluationReport } from '../train/session-reports';

export interface SummaryRow {
  id: string;
  testAccuracy: number;
  /** Points of test accuracy above CE at the same step; null without a CE run. */
  gainOverCe: number | null;
  /** Points below the teacher. */
  gapToTeacher: number | null;
}

export interface RaceSummary {
  /** The step of the evaluation summarised. */
  step: number;
  totalSteps: number;
  /** True when that evaluation is the one at the end of the budget. */
  final: boolean;
  teacherAccuracy: number | null;
  /** Best first. */
  rows: SummaryRow[];
  /** Test samples the summarised evaluation used (bounded during training). */
  testCount: number;
}

export function raceSummary(
  evaluations: readonly EvaluationReport[],
  runs: readonly string[],
  totalSteps: number,
  teacherAccuracy: number | null,
): RaceSummary | null {
  if (!runs.length) return null;
  // The latest step at which every run was evaluated.
  const steps = new Map<number, Map<string, EvaluationReport>>();
  for (const e of evaluations) {
    if (!runs.includes(e.id)) continue;
    let at = steps.get(e.step);
    if (!at) steps.set(e.step, (at = new Map()));
    at.set(e.id, e);
  }
  const complete = [...steps.entries()].filter(([, at]) => at.size === runs.length).sort((a, b) => b[0] - a[0]);
  if (!complete.length) return null;
  const [step, at] = complete[0];
  const ce = at.get('ce')?.testAccuracy ?? null;
  const rows = runs
    .map((id) => {
      const accuracy = at.get(id)!.testAccuracy;
      return {
        id,
        testAccuracy: accuracy,
        gainOverCe: ce === null || id === 'ce' ? null : 100 * (accuracy - ce),
        gapToTeacher: teacherAccuracy === null ? null : 100 * (teacherAccuracy - accuracy),
      };
    })
    .sort((a, b) => b.testAccuracy - a.testAccuracy);
  const testCount = Math.min(...[...at.values()].map((e) => e.testCount));
  return { step, totalSteps, final: step >= totalSteps, teacherAccuracy, rows, testCount };
}

/** An accuracy in [0, 1] as a percentage with one decimal: 0.573 → 57.3%. */
export const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
/** Points with their sign: +7.4, −3.0. */
export const signedPoints = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;

/** One plain sentence of the summary, e.g. for a screen reader or a caption. */
export function summarySentence(summary: RaceSummary, label: (id: string) => string = (id) => id.toUpperCase()): string {
  const when = summary.final
    ? `After all ${summary.totalSteps.toLocaleString('en')} steps`
    : `At step ${summary.step.toLocaleString('en')} of ${summary.totalSteps.toLocaleString('en')}`;
  const [best, ...rest] = summary.rows;
  const lead = rest.length
    ? `${label(best.id)} ${summary.final ? 'won' : 'leads'} with ${percent(best.testAccuracy)}`
    : `${label(best.id)} has ${percent(best.testAccuracy)}`;
  const others = rest.map((r) => `${label(r.id)} ${percent(r.testAccuracy)}`).join(', ');
  const ce = summary.rows.find((r) => r.id === 'ce');
  const gains = ce
    ? summary.rows
        .filter((r) => r.gainOverCe !== null)
        .map((r) => `${label(r.id)} ${signedPoints(r.gainOverCe!)}`)
        .join(', ')
    : '';
  return (
    `${when}: ${lead}${others ? `; ${others}` : ''}.` +
    (gains ? ` Over CE (no teacher): ${gains} points.` : '') +
    (summary.teacherAccuracy !== null ? ` The teacher has ${percent(summary.teacherAccuracy)}.` : '')
  );
}
