// A study's table and figure, made from its JSON (never by hand).
import { writeFileSync } from 'node:fs';
import { studyFigure } from './study-figure';
import { describeSetup, formatMeanStd, formatPairedGains, pairedGain, RUN_NAME, seedNoiseNote } from './experiment-report';
import type { ExperimentResult } from './experiment-run';

export interface Study {
  command: string;
  minutes: number;
  /** The varied flag (without its dashes) and its values, one experiment each. */
  vary: { flag: string; values: string[] };
  results: ExperimentResult[];
}

/** One row per value: each run's test accuracy and its gain over CE, mean ± std over seeds. */
export function studyTable(study: Study): string {
  const runs = study.results[0].runs.map((r) => r.id);
  const gainRuns = runs.includes('ce') ? runs.filter((r) => r !== 'ce') : [];
  const header = [study.vary.flag, 'steps', ...runs.map((r) => `${RUN_NAME(r)} (%)`), ...gainRuns.map((r) => `${RUN_NAME(r)} − CE`)];
  const lines = study.results.map((result, i) => [
    study.vary.values[i],
    result.steps.toLocaleString('en'),
    ...runs.map((id) =>
      formatMeanStd(
        result.rows.filter((r) => r.method === id).map((r) => r.testAccuracy),
        100,
        1,
      ),
    ),
    ...formatPairedGains(
      gainRuns.map((id) => pairedGain(result.rows, id, 'ce')),
      100,
      1,
    ),
  ]);
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}

/** Writes `<base>.md` and `<base>.svg` next to the study's JSON file. */
export function renderStudy(study: Study, jsonPath: string): { table: string; files: string[] } {
  const base = jsonPath.replace(/\.json$/, '');
  const table = studyTable(study);
  const first = study.results[0];
  const budgetVaries = study.vary.flag === 'epochs' || study.vary.flag === 'steps';
  const setup = describeSetup(first, { budget: !budgetVaries });
  const note = budgetVaries
    ? ' Each row is a complete run of that many epochs.'
    : ` Each row sets ${study.vary.flag} as it says; the rest is as above.`;
  writeFileSync(
    `${base}.md`,
    `Command: \`${study.command}\` (${study.minutes.toFixed(1)} min on ${first.where}, ${first.date}).\n\n${setup}${note}\n\n${table}\n${study.results[0].seeds.length > 1 ? `\n${seedNoiseNote(study.results[0].seeds.length)}\n` : ''}`,
  );
  writeFileSync(`${base}.svg`, studyFigure(study));
  return { table, files: [`${base}.md`, `${base}.svg`] };
}
