// Tables of an experiment's results: mean ± standard deviation over seeds, and each run's
// gain over CE paired by seed (same initial weights, same batches).
import { smallestDistributionFreeP } from '../../src/config/statistics';
import { beyondNoise, inFamily, MIN_SEEDS_TESTED, seedVerdict, VERDICT_ALPHA } from '../../src/config/verdict';

export { MIN_SEEDS_TESTED };
import type { ExperimentRow } from './experiment-race';
import type { ExperimentResult } from './experiment-run';

export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std };
}

export function formatMeanStd(values: number[], scale = 1, digits = 2): string {
  const { mean, std } = meanStd(values.map((v) => v * scale));
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}

/**
 * Paired gains of several runs (one family: a table's comparisons), each as mean ± std, marked
 * " \\*" when beyond seed noise, either way: a paired t-test over at least
 * {@link MIN_SEEDS_TESTED} seeds (same initial weights and batches per seed) gives p < 0.05 after
 * Holm's adjustment over the family (config/verdict.ts). With fewer seeds nothing is marked.
 */
export function formatPairedGains(family: readonly number[][], scale = 1, digits = 2): string[] {
  const verdicts = inFamily(family.map((gains) => seedVerdict('a', 'b', gains)));
  return family.map((gains, i) => `${formatMeanStd(gains, scale, digits)}${beyondNoise(verdicts[i]) ? ' \\*' : ''}`);
}

/** One paired gain as a family of its own (see {@link formatPairedGains}). */
export const formatPairedGain = (gains: number[], scale = 1, digits = 2) => formatPairedGains([gains], scale, digits)[0];

/** The line under a table of `seeds` seeds whose paired differences {@link formatPairedGains} marks. */
export function seedNoiseNote(seeds: number): string {
  if (seeds < MIN_SEEDS_TESTED)
    return `No difference is tested for noise: ${seeds} seed${seeds === 1 ? '' : 's'} give${seeds === 1 ? 's' : ''} a paired t-test ${seeds === 1 ? 'nothing to test' : 'one degree of freedom'}; run ${MIN_SEEDS_TESTED} or more.`;
  const assumption =
    smallestDistributionFreeP(seeds) >= VERDICT_ALPHA
      ? ` It assumes the seeds' differences roughly normal: with ${seeds} seeds no distribution-free test (sign, permutation) can go below p = ${smallestDistributionFreeP(seeds).toFixed(2)}.`
      : '';
  return `\\* beyond seed noise: a paired t-test over the ${seeds} seeds (same initial weights and batches in each) gives p < 0.05, Holm-adjusted over the column's comparisons. Unmarked differences are within noise: with ${seeds} seeds only large, steady ones pass.${assumption}`;
}

/** Per seed, `run`'s test accuracy minus the `baseline` run's; empty if either is missing. */
export function pairedGain(rows: ExperimentRow[], run: string, baseline: string): number[] {
  const gains: number[] = [];
  for (const row of rows.filter((r) => r.method === run)) {
    const base = rows.find((r) => r.method === baseline && r.seed === row.seed);
    if (base) gains.push(row.testAccuracy - base.testAccuracy);
  }
  return gains;
}

export const RUN_NAME = (id: string) => (['ce', 'kd', 'dkd', 'pcd'].includes(id) ? id.toUpperCase() : id);

/** Each run's gain over CE as its table cell ("—" for CE), the column one family (Holm). */
function gainColumn(result: Pick<ExperimentResult, 'rows' | 'runs'>, hasCe: boolean): Map<string, string> {
  if (!hasCe) return new Map();
  const others = result.runs.map((r) => r.id).filter((id) => id !== 'ce');
  const cells = formatPairedGains(
    others.map((id) => pairedGain(result.rows, id, 'ce')),
    100,
  );
  return new Map([['ce', '—'], ...others.map((id, i) => [id, cells[i]] as [string, string])]);
}

/** The markdown table of an experiment: one row per run. */
export function resultTable(result: Pick<ExperimentResult, 'rows' | 'runs' | 'task'>): string {
  const hasCe = result.runs.some((r) => r.id === 'ce');
  if (result.task === 'detection') return detectionTable(result, hasCe);
  const header = [
    'run',
    'test accuracy (%)',
    ...(hasCe ? ['gain over CE (points)'] : []),
    'top-1 agreement with teacher (%)',
    'non-target KL',
    'non-target rank correlation',
  ];
  const gains = gainColumn(result, hasCe);
  const lines = result.runs.map(({ id }) => {
    const of = result.rows.filter((r) => r.method === id);
    const diverged = of.filter((r) => r.diverged).length;
    return [
      `${RUN_NAME(id)}${diverged ? ` (${diverged} diverged)` : ''}`,
      formatMeanStd(
        of.map((r) => r.testAccuracy),
        100,
      ),
      ...(hasCe ? [gains.get(id)!] : []),
      formatMeanStd(
        of.map((r) => r.teacherAgreement),
        100,
      ),
      formatMeanStd(
        of.map((r) => r.nonTargetKl),
        1,
        3,
      ),
      formatMeanStd(
        of.map((r) => r.nonTargetRankCorrelation),
        1,
        3,
      ),
    ];
  });
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}

/** A detection race's table: COCO AP@[.5:.95] with the gain over CE (paired by seed), AP@.5 and AP@.75, in points. */
function detectionTable(result: Pick<ExperimentResult, 'rows' | 'runs'>, hasCe: boolean): string {
  const header = ['run', 'AP@[.5:.95]', ...(hasCe ? ['gain over CE (points)'] : []), 'AP@.5', 'AP@.75'];
  const gains = gainColumn(result, hasCe);
  const lines = result.runs.map(({ id }) => {
    const of = result.rows.filter((r) => r.method === id);
    const diverged = of.filter((r) => r.diverged).length;
    return [
      `${RUN_NAME(id)}${diverged ? ` (${diverged} diverged)` : ''}`,
      formatMeanStd(
        of.map((r) => r.testAccuracy),
        100,
      ),
      ...(hasCe ? [gains.get(id)!] : []),
      formatMeanStd(
        of.map((r) => r.detection?.[1] ?? NaN),
        100,
      ),
      formatMeanStd(
        of.map((r) => r.detection?.[2] ?? NaN),
        100,
      ),
    ];
  });
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}

/** One sentence of what was trained, for the heading of a table. */
export function describeSetup(result: ExperimentResult, { budget = true }: { budget?: boolean } = {}): string {
  const { config } = result;
  const optimizer = config.optimizer.kind === 'sgd' ? `SGD (momentum ${config.optimizer.momentum})` : 'Adam';
  return (
    `Student \`${result.student.id}\` (${result.student.parameters.toLocaleString('en')} parameters) and teacher \`${result.teacher.id}\` ` +
    (result.teacher.parameters
      ? `(${result.teacher.parameters.toLocaleString('en')} parameters, ${(100 * result.teacher.testAccuracy).toFixed(2)}${result.task === 'detection' ? ' test AP' : '% test accuracy'}) `
      : `(given as logits, ${(100 * result.teacher.testAccuracy).toFixed(2)}% test accuracy) `) +
    `on ${result.dataset ?? config.dataset}; ` +
    `${config.trainSubset.toLocaleString('en')} training ${result.task === 'detection' ? 'scenes' : 'samples'}, ` +
    (budget
      ? `${config.budget.amount} ${config.budget.unit} of batch ${config.batchSize} (${result.steps.toLocaleString('en')} steps), `
      : `batch ${config.batchSize}, `) +
    `${optimizer} at learning rate ${config.optimizer.learningRate} (${config.learningRateSchedule}), ` +
    `warm-up ${(100 * config.warmupShare).toFixed(1)}% of the steps; seeds ${result.seeds.join(', ')}, each a fair race.`
  );
}
