// npm run experiment -- --dataset synthetic100 --methods ce,kd,dkd,pcd --seeds 1,2,3
//   [--student ID] [--subset N] [--epochs N] [--batch N] [--backend webgl|webgpu|cpu]
// Runs the project's trainer as a fair race per seed (every method from the same initial
// weights on the same batches): in Node on the CPU backend for MLP students, and in
// headless Chromium (WebGL unless --backend says otherwise) for CNN students, where
// Node's pure-JS backend would take about half a minute per batch. Prints mean ± std of the
// final test accuracy and of the low-probability-class metrics per method, and writes
// docs/results/<dataset>.{json,csv,md}; docs/results.md gathers every dataset's section.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { DatasetId } from '../src/data/dataset';
import { loadDataset } from '../src/data/load';
import { METHOD_DEFAULTS, type Method } from '../src/distill/objective';
import { loadTeacher } from '../src/models/teacher';
import { DEFAULT_STUDENT, modelSpec, parameterCount } from '../src/models/zoo';
import { serveDirectory } from '../src/test-support/static-server';
import { selectBackend, type BackendName } from '../src/tf/backends';
import { defaultTrainerConfig, parseTrainerConfig } from '../src/train/config';
import type * as Harness from './browser/experiment';
import { withAppPage } from './lib/browser-session';
import { raceOneSeed, type ExperimentRow } from './lib/experiment-race';

const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const dataset = (arg('--dataset') ?? 'synthetic100') as DatasetId;
const methods = (arg('--methods') ?? 'ce,kd,dkd,pcd').split(',') as Method[];
const seeds = (arg('--seeds') ?? '1,2,3').split(',').map(Number);
const student = arg('--student') ?? (dataset === 'mnist' ? 'mnist-mlp' : DEFAULT_STUDENT[dataset]);
for (const m of methods) if (!(m in METHOD_DEFAULTS)) throw new Error(`--methods: "${m}" is not one of ce, kd, dkd, pcd`);
const inBrowser = modelSpec(student).description.startsWith('conv');
const backendOrder = (arg('--backend') ?? (inBrowser ? 'webgl,cpu' : 'cpu')).split(',') as BackendName[];
if (!inBrowser && backendOrder.some((b) => b !== 'cpu')) throw new Error('--backend: MLP students train in Node, on the CPU backend only');

await selectBackend(['cpu']);
const site = await serveDirectory('public');
const data = await loadDataset(dataset, site.url);
const { model: teacher, metadata } = await loadTeacher(dataset, site.url);
const config = parseTrainerConfig({
  ...defaultTrainerConfig(dataset),
  student,
  trainSubset: Number(arg('--subset') ?? (dataset === 'mnist' ? 1000 : 4000)),
  batchSize: Number(arg('--batch') ?? (dataset === 'mnist' ? 64 : 128)),
  budget: { unit: 'epochs', amount: Number(arg('--epochs') ?? 10) },
});
const command = `npm run experiment -- ${process.argv.slice(2).join(' ')}`.trim();

const rows: ExperimentRow[] = [];
const started = performance.now();
let where = 'the CPU backend in Node';
const report = (seed: number, seedRows: ExperimentRow[]) => {
  rows.push(...seedRows);
  const diverged = seedRows.filter((r) => r.diverged).map((r) => r.method);
  if (diverged.length) console.log(`seed ${seed}: non-finite loss in ${diverged.join(', ')} (diverged)`);
  console.log(`seed ${seed}: ${seedRows.map((r) => `${r.method} ${(100 * r.testAccuracy).toFixed(2)}%`).join(', ')}`);
};
if (inBrowser) {
  await withAppPage(async (page) => {
    for (const seed of seeds) {
      const result = await page.evaluate(
        async ([url, order, d, c, m, s]) => {
          const harness: typeof Harness = await import(/* @vite-ignore */ url);
          return harness.raceInBrowser(order, d, c, m, s);
        },
        ['/scripts/browser/experiment.ts', backendOrder, dataset, config, methods, seed] as const,
      );
      where = `the ${result.backend} backend in headless Chromium${result.adapter ? ` (${result.adapter})` : ''}`;
      report(seed, result.rows);
    }
  }, false);
} else {
  for (const seed of seeds) report(seed, await raceOneSeed(config, methods, data, teacher, seed));
}
teacher.dispose();
await site.close();

const stats = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std };
};
const fmt = (values: number[], scale: number, digits: number) => {
  const { mean, std } = stats(values.map((v) => v * scale));
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
};
const table = [
  '| method | test accuracy (%) | top-1 agreement with teacher (%) | non-target KL (teacher ‖ student) | non-target rank correlation |',
  '|---|---|---|---|---|',
  ...methods.map((m) => {
    const of = rows.filter((r) => r.method === m);
    return `| ${m.toUpperCase()} | ${fmt(of.map((r) => r.testAccuracy), 100, 2)} | ${fmt(of.map((r) => r.teacherAgreement), 100, 2)} | ${fmt(of.map((r) => r.nonTargetKl), 1, 3)} | ${fmt(of.map((r) => r.nonTargetRankCorrelation), 1, 3)} |`;
  }),
].join('\n');
// The default student of each dataset keeps the plain name; others get their own files.
const key = student === (dataset === 'mnist' ? 'mnist-mlp' : DEFAULT_STUDENT[dataset]) ? dataset : `${dataset}-${student}`;
const minutes = (performance.now() - started) / 60000;
const section = `## ${dataset}${key === dataset ? '' : `, student ${student}`}

Command: \`${command}\` (${minutes.toFixed(1)} min on ${where}, ${new Date().toISOString().slice(0, 10)}).

Student \`${student}\` (${parameterCount(modelSpec(student))} parameters) distilled from the committed teacher \`${metadata.modelId}\`
(${metadata.parameterCount} parameters, ${(100 * metadata.testAccuracy).toFixed(2)}% test accuracy); ${config.trainSubset} training
samples, ${config.budget.amount} epochs of batch ${config.batchSize}, ${config.optimizer.kind === 'sgd' ? `SGD (momentum ${config.optimizer.momentum}` : '(Adam'}, learning rate ${config.optimizer.learningRate}, cosine),
distillation warm-up over the first ${(100 * config.warmupShare).toFixed(1)}% of steps, method defaults of pcd-spec.md
(KD 0.1·CE + 0.9·KD at τ = 4; DKD α = 1, β = 8, τ = 4; PCD S = 3, τ = 4, α = 1, both passes, adaptive λ,
ranking on). Seeds ${seeds.join(', ')}; mean ± standard deviation over seeds; each seed a fair race (same initial
weights, same batches). Non-target metrics are over the ${data.test.count} test samples, on softmax probabilities
renormalised over the classes other than the label.

${table}
`;
mkdirSync('docs/results', { recursive: true });
writeFileSync(`docs/results/${key}.json`, `${JSON.stringify({ command, config, student, teacher: metadata.modelId, rows }, null, 2)}\n`);
writeFileSync(
  `docs/results/${key}.csv`,
  ['seed,method,testAccuracy,teacherAgreement,nonTargetKl,nonTargetRankCorrelation,diverged', ...rows.map((r) => [r.seed, r.method, r.testAccuracy, r.teacherAgreement, r.nonTargetKl, r.nonTargetRankCorrelation, r.diverged].join(','))].join('\n') + '\n',
);
writeFileSync(`docs/results/${key}.md`, section);
const parts = readdirSync('docs/results')
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => readFileSync(`docs/results/${f}`, 'utf8'));
writeFileSync(
  'docs/results.md',
  `# Results\n\nMade by \`npm run experiment\` (scripts/experiment.ts); each section says the exact command that made it.\nThese are what came out, whichever method won.\n\n${parts.join('\n')}`,
);
console.log(`\n${table}\n\nwrote docs/results/${key}.{json,csv,md} and docs/results.md`);
