// npm run experiment -- [--preset ID | --config FILE | --dataset D] [flags…]
// Runs the project's trainer as a fair race per seed (every run from the same initial
// weights on the same batches), evaluating every epoch; prints each seed, then mean ± std
// of the final test accuracy, each run's gain over CE (paired by seed) and the
// low-probability-class metrics. Writes the whole result, curves included, as JSON (and
// the table as markdown beside it): bench-results/experiment-<label>.json, or --out FILE.
// `npm run experiment -- --help` lists the flags.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ArgumentError, FLAG_HELP, planExperiment } from './lib/experiment-args';
import { describeSetup, RUN_NAME, resultTable } from './lib/experiment-report';
import { runExperiment } from './lib/experiment-run';
import { curvesFigure, passedAt } from './lib/study-figure';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(`npm run experiment -- [flags]\n${FLAG_HELP}`);
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
const out = plan.out ?? `bench-results/experiment-${plan.label}.json`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result)}\n`);
const base = out.replace(/\.json$/, '');
writeFileSync(
  `${base}.md`,
  `Command: \`${command}\` (${result.minutes.toFixed(1)} min on ${result.where}, ${result.date}).\n\n${describeSetup(result)}\n\n${table}\n${passes ? `\nMean test-accuracy curves: ${passes}.\n` : ''}`,
);
writeFileSync(`${base}.svg`, curvesFigure(result));
console.log(
  `\n${describeSetup(result)}\n\n${table}\n${passes ? `\n${passes}\n` : ''}\n(${result.minutes.toFixed(1)} min) wrote ${out}, ${base}.md and ${base}.svg`,
);
