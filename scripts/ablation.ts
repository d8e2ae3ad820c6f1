// npm run ablation -- [experiment flags…; default --preset race] [--out FILE.json]
// npm run ablation -- --from FILE.json   (remakes the table from a stored run)
// PCD in miniature: the paper's ablation and sensitivity tables at one budget, as fair
// races (every variant from the same initial weights on the same batches as CE, KD and DKD
// of the same seed). One race holds CE, KD, DKD, PCD and every joint-loss variant (ranking
// and λ on/off, one pass or both, S = 1…5, τ ∈ {2, 4, 8}, α ∈ {0.5, 1, 2}); the scheduled
// modes need a trainer each (the schedule is the trainer's) and see the same batches.
// Prints and writes the table with each variant's difference to CE, KD and DKD, paired by seed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { METHOD_DEFAULTS, type MethodConfigOf } from '../src/distill/methods';
import type { RunSpec } from '../src/train/reports';
import { ArgumentError, planExperiment, type ExperimentPlan } from './lib/experiment-args';
import { describeSetup, formatMeanStd, formatPairedGains, seedNoiseNote } from './lib/experiment-report';
import { runExperiment, type ExperimentResult } from './lib/experiment-run';

type Pcd = MethodConfigOf<'pcd'>;

interface Row {
  group: string;
  id: string;
  label: string;
}

/**
 * The table (.md beside the JSON) from a stored ablation. Rows come from the race that ran
 * them: the joint race, or the schedule's own (an early version of this script named a
 * schedule's run like a one-pass variant, so a row is looked up in its own race).
 */
function writeAblation(file: string): string {
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { command: string; minutes: number; pcd: Pcd; rows: Row[]; results: ExperimentResult[] };
  const { rows, results } = stored;
  const pcd = stored.pcd ?? (results[0].config.method as Pcd);
  const scheduleRace = (row: Row) =>
    row.group === 'schedule' && row.id !== 'pcd' ? results.findIndex((r, i) => i > 0 && r.runs[0].id === row.id) : 0;
  const of = (row: Row) => results[scheduleRace(row)].rows.filter((r) => r.method === row.id);
  const joint = results[0].rows;
  // A row reads as one question (this variant against the three baselines): its differences are one family (Holm).
  const gainsOver = (row: Row, other: string) =>
    of(row).map((r) => r.testAccuracy - joint.find((j) => j.method === other && j.seed === r.seed)!.testAccuracy);
  const rowCells = new Map(
    rows.map((row) => {
      const others = ['ce', 'kd', 'dkd'].filter((other) => !(row.id === other && scheduleRace(row) === 0));
      const cells = formatPairedGains(
        others.map((other) => gainsOver(row, other)),
        100,
        1,
      );
      return [row, new Map(others.map((other, i) => [other, cells[i]]))] as const;
    }),
  );
  const diff = (row: Row, other: string) => rowCells.get(row)!.get(other) ?? '—';
  const header = ['', 'variant', 'test accuracy (%)', '− CE', '− KD', '− DKD', 'non-target rank corr.'];
  const lines = rows.map((row, i) => [
    i === 0 || rows[i - 1].group !== row.group ? `**${row.group}**` : '',
    row.label,
    formatMeanStd(
      of(row).map((r) => r.testAccuracy),
      100,
      1,
    ) + (of(row).some((r) => r.diverged) ? ' (diverged)' : ''),
    diff(row, 'ce'),
    diff(row, 'kd'),
    diff(row, 'dkd'),
    formatMeanStd(
      of(row).map((r) => r.nonTargetRankCorrelation),
      1,
      3,
    ),
  ]);
  const table = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
  writeFileSync(
    file.replace(/\.json$/, '') + '.md',
    `Command: \`${stored.command}\` (${stored.minutes.toFixed(1)} min on ${results[0].where}, ${results[0].date}).\n\n${describeSetup(results[0])} PCD's own options, unless the row says otherwise: S = ${pcd.stages}, τ = ${pcd.temperature}, α = ${pcd.alpha}, ranking ${pcd.ranking ? 'on' : 'off'}, λ ${pcd.adaptive ? 'on' : 'off'}, both passes, joint schedule. Differences are paired by seed (same initial weights, same batches), in points of test accuracy, and each row's differences are one family for the marks (Holm over its comparisons); the scheduled runs are separate races on the same batches.\n\n${table}\n\n${seedNoiseNote(results[0].seeds.length)}\n`,
  );
  return table;
}
const argv = process.argv.slice(2);
const fromAt = argv.indexOf('--from');
if (fromAt >= 0) {
  // Remakes the table from a stored JSON, training nothing.
  console.log(writeAblation(argv[fromAt + 1]));
  process.exit(0);
}
const outAt = argv.indexOf('--out');
const out = outAt >= 0 ? argv.splice(outAt, 2)[1] : 'bench-results/ablation.json';
if (['--methods', '--stages', '--tau', '--alpha', '--ranking', '--lambda', '--passes', '--schedule'].some((f) => argv.includes(f))) {
  console.error('--methods and the PCD flags: the ablation sets the runs itself');
  process.exit(2);
}
let base: ExperimentPlan;
try {
  base = planExperiment(argv.includes('--preset') || argv.includes('--config') ? argv : ['--preset', 'race', ...argv]);
} catch (error) {
  if (!(error instanceof ArgumentError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const pcd: Pcd = base.config.method.method === 'pcd' ? base.config.method : { ...METHOD_DEFAULTS.pcd };
const variant = (id: string, change: Partial<Pcd>): RunSpec => ({ id, method: { ...pcd, ...change } });

const rows: Row[] = [];
const joint: RunSpec[] = [
  { id: 'ce', method: METHOD_DEFAULTS.ce },
  { id: 'kd', method: METHOD_DEFAULTS.kd },
  { id: 'dkd', method: METHOD_DEFAULTS.dkd },
  variant('pcd', {}),
];
const add = (group: string, label: string, run: RunSpec) => {
  if (!joint.some((r) => r.id === run.id)) joint.push(run);
  rows.push({ group, id: run.id, label });
};
for (const id of ['ce', 'kd', 'dkd']) rows.push({ group: 'baselines', id, label: id.toUpperCase() });
add('parts', `PCD as configured (ranking ${pcd.ranking ? 'on' : 'off'}, λ ${pcd.adaptive ? 'on' : 'off'}, both passes, S = ${pcd.stages})`, joint[3]);
add('parts', 'ranking off (groups in class order)', variant('pcd-no-ranking', { ranking: false }));
add('parts', 'λ off (every group weight 1)', variant('pcd-no-lambda', { adaptive: false }));
add('parts', 'ranking and λ off', variant('pcd-no-ranking-no-lambda', { ranking: false, adaptive: false }));
add('parts', 'fine → coarse pass only', variant('pcd-fine-to-coarse', { coarseToFine: false }));
add('parts', 'coarse → fine pass only', variant('pcd-coarse-to-fine', { fineToCoarse: false }));
for (const stages of [1, 2, 3, 4, 5]) add('stages S', `S = ${stages}`, stages === pcd.stages ? joint[3] : variant(`pcd-S${stages}`, { stages }));
for (const temperature of [2, 4, 8])
  add('temperature τ', `τ = ${temperature}`, temperature === pcd.temperature ? joint[3] : variant(`pcd-tau${temperature}`, { temperature }));
for (const alpha of [0.5, 1, 2]) add('weight α', `α = ${alpha}`, alpha === pcd.alpha ? joint[3] : variant(`pcd-alpha${alpha}`, { alpha }));

const schedules = ['bidirectional', 'fine-to-coarse', 'coarse-to-fine'] as const;
const command = `npm run ablation -- ${process.argv.slice(2).join(' ')}`.trim();
const started = performance.now();
console.log(`${command}\njoint race: ${joint.map((r) => r.id).join(', ')}`);
const results: ExperimentResult[] = [
  await runExperiment({ ...base, config: { ...base.config, method: pcd, schedule: { kind: 'joint' } }, runs: joint, evalEvery: Infinity }, command),
];
rows.push({ group: 'schedule', id: 'pcd', label: 'joint (the paper: every stage at every step)' });
for (const kind of schedules) {
  console.log(`\nschedule ${kind}`);
  // Its own id: 'pcd-fine-to-coarse' is already the one-pass variant of the joint race.
  const id = `pcd-schedule-${kind}`;
  const result = await runExperiment(
    { ...base, config: { ...base.config, method: pcd, schedule: { kind } }, runs: [{ id, method: pcd }], evalEvery: Infinity },
    command,
  );
  results.push(result);
  rows.push({
    group: 'schedule',
    id,
    label:
      kind === 'bidirectional' ? 'bidirectional: S … 1, then 1 … S' : kind === 'fine-to-coarse' ? 'fine → coarse: S … 1' : 'coarse → fine: 1 … S',
  });
}
const minutes = (performance.now() - started) / 60000;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ command, minutes, pcd, rows, results })}\n`);
const table = writeAblation(out);
console.log(`\n${table}\n\n(${minutes.toFixed(1)} min) wrote ${out} and its .md`);
