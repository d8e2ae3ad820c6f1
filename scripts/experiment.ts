// npm run experiment -- [--preset ID | --config FILE | --dataset D] [flags…]
// Runs the project's trainer as a fair race per seed (every run from the same initial
// weights on the same batches), evaluating every epoch; prints each seed, then mean ± std
// of the final test accuracy, each run's gain over CE (paired by seed) and the
// low-probability-class metrics. Writes the whole result, curves included, as JSON (and
// the table as markdown beside it): bench-results/experiment-<label>.json, or --out FILE.
// `npm run experiment -- --help` lists the flags; `-- --from FILE.json` remakes the table and
// figure of a stored result, training nothing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ArgumentError, FLAG_HELP, planExperiment } from './lib/experiment-args';
import { describeSetup, RUN_NAME, resultTable, seedNoiseNote } from './lib/experiment-report';
import { runExperiment, type ExperimentResult } from './lib/experiment-run';
import { curvesFigure, passedAt } from './lib/study-figure';

/** The table (markdown) and the figure (SVG) of a result, beside its JSON; returns the table and what passed CE when. */
function writeTables(result: ExperimentResult, out: string): { table: string; passes: string; base: string } {
  const table = resultTable(result);
  // When each distilled run passed CE for good (mean curves): what a preset tells the learner to watch for.
  const passes = result.runs.some((r) => r.id === 'ce')
    ? result.runs
        .filter((r) => r.id !== 'ce')
        .map((r) => {
          const epoch = passedAt(result, r.id, 'ce');
          return `${RUN_NAME(r.id)} ${epoch === null ? 'does not stay above CE' : `is above CE from epoch ${epoch} on`}`;
        })
        .join('; ')
    : '';
  const base = out.replace(/\.json$/, '');
  writeFileSync(
    `${base}.md`,
    `Command: \`${result.command}\` (${result.minutes.toFixed(1)} min on ${result.where}, ${result.date}).\n\n${describeSetup(result)}\n\n${table}\n${result.seeds.length > 1 && result.runs.some((r) => r.id === 'ce') ? `\n${seedNoiseNote(result.seeds.length)}\n` : ''}${passes ? `\nMean test-${result.task === 'detection' ? 'AP' : 'accuracy'} curves: ${passes}.\n` : ''}`,
  );
  writeFileSync(`${base}.svg`, curvesFigure(result));
  return { table, passes, base };
}

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(`npm run experiment -- [flags]\n${FLAG_HELP}`);
  process.exit(0);
}
const fromAt = argv.indexOf('--from');
if (fromAt >= 0) {
  const file = argv[fromAt + 1];
  const { table, base } = writeTables(JSON.parse(readFileSync(file, 'utf8')) as ExperimentResult, file);
  console.log(`${table}\n\nwrote ${base}.md and ${base}.svg`);
  process.exit(0);
}
let plan;
try {
  plan = planExperiment(argv);
} catch (error) {
  if (!(error instanceof ArgumentError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const command = `npm run experiment -- ${argv.join(' ')}`.trim();
console.log(`${command}\n${plan.runs.map((r) => r.id).join(', ')}; seeds ${plan.seeds.join(', ')}`);
const result = await runExperiment(plan, command);
const out = plan.out ?? `bench-results/experiment-${plan.label}.json`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result)}\n`);
const { table, passes, base } = writeTables(result, out);
console.log(
  `\n${describeSetup(result)}\n\n${table}\n${passes ? `\n${passes}\n` : ''}\n(${result.minutes.toFixed(1)} min) wrote ${out}, ${base}.md and ${base}.svg`,
);
