// npm run study -- --vary FLAG=v1,v2,… [experiment flags…] [--out FILE.json]
// One experiment (scripts/experiment.ts, same flags) per value of one flag, e.g. the
// budget study `--vary epochs=5,10,20,40,80` (each budget a complete run with its own
// learning-rate schedule and warm-up, not a cut of one long run) or a learning-rate sweep
// `--vary lr=0.002,0.005,0.01`. Writes the JSON, then the table (.md) and the figure (.svg)
// beside it from that JSON (scripts/figure.ts does the same for a stored JSON).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ArgumentError, planExperiment, type Flag } from './lib/experiment-args';
import { runExperiment, type ExperimentResult } from './lib/experiment-run';
import { renderStudy, type Study } from './lib/study-render';

const argv = process.argv.slice(2);
const fail = (message: string) => {
  console.error(message);
  process.exit(2);
};
const varyAt = argv.indexOf('--vary');
const vary = varyAt >= 0 ? argv.splice(varyAt, 2)[1] : undefined;
const match = vary?.match(/^([a-z-]+)=(.+)$/);
if (!match) fail(`--vary ${vary ?? '(missing)'} is invalid: expected FLAG=v1,v2,… such as epochs=5,10,20 or lr=0.002,0.01`);
const [, name, list] = match!;
const flag = `--${name}` as Flag;
if (argv.includes(flag)) fail(`${flag}: it is the varied flag (--vary ${vary})`);
const values = list.split(',');
const outAt = argv.indexOf('--out');
const out = outAt >= 0 ? argv.splice(outAt, 2)[1] : `bench-results/study-${name}.json`;
const command = `npm run study -- ${process.argv.slice(2).join(' ')}`;
// Every value is checked before the first one trains.
const plans = values.map((value) => {
  try {
    return planExperiment([...argv, flag, value]);
  } catch (error) {
    if (error instanceof ArgumentError) fail(error.message);
    throw error;
  }
});
const results: ExperimentResult[] = [];
const started = performance.now();
for (const [i, plan] of plans.entries()) {
  console.log(`\n${flag} ${values[i]}`);
  results.push(await runExperiment(plan!, command));
}
const study: Study = { command, minutes: (performance.now() - started) / 60000, vary: { flag: name, values }, results };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(study)}\n`);
const written = renderStudy(study, out);
console.log(`\n${written.table}\n\nwrote ${out}, ${written.files.join(', ')}`);
