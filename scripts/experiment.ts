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
import { describeSetup, resultTable } from './lib/experiment-report';
import { runExperiment } from './lib/experiment-run';

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
const out = plan.out ?? `bench-results/experiment-${plan.label}.json`;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result)}\n`);
writeFileSync(
  out.replace(/\.json$/, '') + '.md',
  `Command: \`${command}\` (${result.minutes.toFixed(1)} min on ${result.where}, ${result.date}).\n\n${describeSetup(result)}\n\n${table}\n`,
);
console.log(`\n${describeSetup(result)}\n\n${table}\n\n(${result.minutes.toFixed(1)} min) wrote ${out}`);
