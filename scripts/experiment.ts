// npm run experiment -- --dataset synthetic100 --methods ce,kd,dkd,pcd --seeds 1,2,3
//   [--student ID] [--subset N] [--epochs N] [--batch N]
// Runs the project's trainer in Node (CPU backend; MLP students) as a fair race per seed:
// every method from the same initial weights on the same batches. Prints mean ± std of the
// final test accuracy and of the low-probability-class metrics per method, and writes
// docs/results/<dataset>.{json,csv,md}; docs/results.md gathers every dataset's section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { DatasetId } from '../src/data/dataset';
import { loadDataset } from '../src/data/load';
import { METHOD_DEFAULTS, type Method } from '../src/distill/objective';
import { loadTeacher } from '../src/models/teacher';
import { DEFAULT_STUDENT, modelSpec, parameterCount } from '../src/models/zoo';
import { serveDirectory } from '../src/test-support/static-server';
import { selectBackend } from '../src/tf/backends';
import { defaultTrainerConfig, parseTrainerConfig } from '../src/train/config';
import { DistillationTrainer } from '../src/train/trainer';

const arg = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const dataset = (arg('--dataset') ?? 'synthetic100') as DatasetId;
const methods = (arg('--methods') ?? 'ce,kd,dkd,pcd').split(',') as Method[];
const seeds = (arg('--seeds') ?? '1,2,3').split(',').map(Number);
const student = arg('--student') ?? (dataset === 'mnist' ? 'mnist-mlp' : DEFAULT_STUDENT[dataset]);
for (const m of methods) if (!(m in METHOD_DEFAULTS)) throw new Error(`--methods: "${m}" is not one of ce, kd, dkd, pcd`);
if (modelSpec(student).description.startsWith('conv')) {
  throw new Error(`--student ${student} is a CNN: this runner trains in Node, where TF.js needs about half a minute per CNN batch; pick an MLP student`);
}

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

type Row = { seed: number; method: Method; testAccuracy: number; teacherAgreement: number; nonTargetKl: number; nonTargetRankCorrelation: number };
const rows: Row[] = [];
const started = performance.now();
for (const seed of seeds) {
  const trainer = new DistillationTrainer({ ...config, seed }, methods.map((m) => ({ id: m, method: METHOD_DEFAULTS[m] })), data, teacher);
  const diverged = new Set<string>();
  while (!trainer.done) {
    const report = await trainer.trainStep();
    for (const run of report.runs) if (!Number.isFinite(run.loss)) diverged.add(run.id);
  }
  if (diverged.size) console.log(`seed ${seed}: non-finite loss in ${[...diverged].join(', ')} (diverged)`);
  for (const result of await trainer.evaluate()) {
    rows.push({
      seed,
      method: result.id as Method,
      testAccuracy: result.testAccuracy,
      teacherAgreement: result.teacherAgreement!,
      nonTargetKl: result.nonTargetKl!,
      nonTargetRankCorrelation: result.nonTargetRankCorrelation!,
    });
  }
  trainer.dispose();
  console.log(`seed ${seed}: ${rows.filter((r) => r.seed === seed).map((r) => `${r.method} ${(100 * r.testAccuracy).toFixed(2)}%`).join(', ')}`);
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
const minutes = (performance.now() - started) / 60000;
const section = `## ${dataset}

Command: \`${command}\` (${minutes.toFixed(1)} min on the CPU backend in Node, ${new Date().toISOString().slice(0, 10)}).

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
writeFileSync(`docs/results/${dataset}.json`, `${JSON.stringify({ command, config, student, teacher: metadata.modelId, rows }, null, 2)}\n`);
writeFileSync(
  `docs/results/${dataset}.csv`,
  ['seed,method,testAccuracy,teacherAgreement,nonTargetKl,nonTargetRankCorrelation', ...rows.map((r) => [r.seed, r.method, r.testAccuracy, r.teacherAgreement, r.nonTargetKl, r.nonTargetRankCorrelation].join(','))].join('\n') + '\n',
);
writeFileSync(`docs/results/${dataset}.md`, section);
const parts = (['mnist', 'synthetic100'] as const).filter((d) => existsSync(`docs/results/${d}.md`)).map((d) => readFileSync(`docs/results/${d}.md`, 'utf8'));
writeFileSync(
  'docs/results.md',
  `# Results\n\nMade by \`npm run experiment\` (scripts/experiment.ts); each section says the exact command that made it.\nThese are what came out, whichever method won.\n\n${parts.join('\n')}`,
);
console.log(`\n${table}\n\nwrote docs/results/${dataset}.{json,csv,md} and docs/results.md`);
