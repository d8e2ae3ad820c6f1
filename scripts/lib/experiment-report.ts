// Tables of an experiment's results: mean ± standard deviation over seeds, and each run's
// gain over CE paired by seed (same initial weights, same batches).
import { beyondNoise, seedVerdict } from '../../src/config/verdict';
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

/** The fewest seeds whose paired differences the tables test (two give a t-test one degree of freedom). */
export const MIN_SEEDS_TESTED = 3;

/**
 * Paired gains as mean ± std, marked " \\*" when they are beyond seed noise, either way: a
 * paired t-test over at least {@link MIN_SEEDS_TESTED} seeds (same initial weights and batches
 * per seed) gives p < 0.05 (config/verdict.ts). With fewer seeds nothing is marked.
 */
export function formatPairedGain(gains: number[], scale = 1, digits = 2): string {
  const beyond = gains.length >= MIN_SEEDS_TESTED && beyondNoise(seedVerdict('a', 'b', gains));
  return `${formatMeanStd(gains, scale, digits)}${beyond ? ' \\*' : ''}`;
}

/** The line under a table of `seeds` seeds whose paired differences {@link formatPairedGain} marks. */
export function seedNoiseNote(seeds: number): string {
  if (seeds < MIN_SEEDS_TESTED)
    return `No difference is tested for noise: ${seeds} seed${seeds === 1 ? '' : 's'} give${seeds === 1 ? 's' : ''} a paired t-test ${seeds === 1 ? 'nothing to test' : 'one degree of freedom'}; run ${MIN_SEEDS_TESTED} or more.`;
  return `\\* beyond seed noise: a paired t-test over the ${seeds} seeds (same initial weights and batches in each) gives p < 0.05. Unmarked differences are within noise: with ${seeds} seeds only large, steady ones pass.`;
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
  const lines = result.runs.map(({ id }) => {
    const of = result.rows.filter((r) => r.method === id);
    const diverged = of.filter((r) => r.diverged).length;
    return [
      `${RUN_NAME(id)}${diverged ? ` (${diverged} diverged)` : ''}`,
      formatMeanStd(
        of.map((r) => r.testAccuracy),
        100,
      ),
      ...(hasCe ? [id === 'ce' ? '—' : formatPairedGain(pairedGain(result.rows, id, 'ce'), 100)] : []),
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
  const lines = result.runs.map(({ id }) => {
    const of = result.rows.filter((r) => r.method === id);
    const diverged = of.filter((r) => r.diverged).length;
    return [
      `${RUN_NAME(id)}${diverged ? ` (${diverged} diverged)` : ''}`,
      formatMeanStd(
        of.map((r) => r.testAccuracy),
        100,
      ),
      ...(hasCe ? [id === 'ce' ? '—' : formatPairedGain(pairedGain(result.rows, id, 'ce'), 100)] : []),
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
