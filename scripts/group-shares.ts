// npm run groups [-- --preset paper --seeds 1,2,3 --samples 1000 --steps 0,16,53,80,160,320,640 --out docs/results/group-shares.json]
// Which of PCD's groups holds the loss, over many test samples and at several points of
// training: the preset's PCD run is trained (Node, WASM backend) and at each step given, its
// logits and the teacher's on the first `samples` test samples go through the fused kernel's
// host loops; for stages 2 and 3 it prints each group's mean D_G (largest gaps first), its
// share of the stage's loss, its mean λ and KL, and how often it holds the most loss of its
// stage. Chapter 4 of the lesson teaches what this measures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runsOf } from '../src/config/page-config';
import { PRESETS } from '../src/config/presets';
import { featureSize, firstSamples } from '../src/data/dataset';
import { builtInDataset, loadDataset } from '../src/data/load';
import type { PcdOptions } from '../src/distill/pcd';
import { groupCount, groupSlot, stageWeights } from '../src/kernels/pcd-attrs';
import { pcdHost } from '../src/kernels/pcd-host';
import { loadTeacher } from '../src/models/teacher';
import { serveDirectory } from '../src/test-support/static-server';
import { selectBackend } from '../src/tf/backends';
import { predictLogits } from '../src/models/predict';
import { DistillationTrainer } from '../src/train/trainer';

const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const preset = PRESETS.find((p) => p.id === arg('--preset', 'paper'));
if (!preset) throw new Error(`--preset: one of ${PRESETS.map((p) => p.id).join(', ')}`);
const run = runsOf(preset.page).find((r) => r.method.method === 'pcd');
if (!run) throw new Error(`--preset ${preset.id} has no PCD run`);
if (run.method.method !== 'pcd') throw new Error('unreachable');
const method: PcdOptions = { ...run.method, activeStage: null };
const seeds = arg('--seeds', '1,2,3').split(',').map(Number);
const samples = Number(arg('--samples', '1000'));
const steps = arg('--steps', '0,16,53,80,160,320,640').split(',').map(Number);
const out = arg('--out', 'bench-results/group-shares.json');

interface Row {
  seed: number;
  step: number;
  stage: number;
  /** Per group, largest gaps first. */
  meanLoss: number[];
  share: number[];
  meanLambda: number[];
  meanKl: number[];
  /** Share of samples in which the group holds the most loss of its stage. */
  mostLoss: number[];
}

await selectBackend(['wasm', 'cpu']);
const site = await serveDirectory('public');
const rows: Row[] = [];
try {
  const { config } = preset.page;
  const data = await loadDataset(builtInDataset(config.dataset), site.url);
  const { model: teacher } = await loadTeacher(builtInDataset(config.dataset), site.url, fetch, data);
  const test = firstSamples(data.test, samples, featureSize(data));
  const n = test.count;
  const classes = data.classNames.length;
  const zt = await predictLogits(teacher, data, test);
  const groups = groupCount(method.stages);
  for (const seed of seeds) {
    const trainer = new DistillationTrainer({ ...config, seed }, [run], data, teacher);
    await trainer.prepare();
    try {
      for (;;) {
        const step = trainer.currentStep;
        if (steps.includes(step)) {
          const zs = await predictLogits(trainer.students()[0].model, data, test);
          const r = pcdHost(zs, zt, n, classes, {
            stages: method.stages,
            temperature: method.temperature,
            alpha: 1,
            adaptive: method.adaptive,
            ranking: method.ranking,
            standardize: method.standardizeLogits,
            stageWeights: stageWeights(method),
            diagnostics: true,
          });
          for (let k = 2; k <= method.stages; k++) {
            const row: Row = {
              seed,
              step,
              stage: k,
              meanLoss: Array(k).fill(0),
              share: [],
              meanLambda: Array(k).fill(0),
              meanKl: Array(k).fill(0),
              mostLoss: Array(k).fill(0),
            };
            for (let b = 0; b < n; b++) {
              let most = 0;
              for (let g = 0; g < k; g++) {
                const d = r.groupLosses[b * groups + groupSlot(k, g)];
                const lambda = r.lambdas[b * groups + groupSlot(k, g)];
                row.meanLoss[g] += d / n;
                row.meanLambda[g] += lambda / n;
                row.meanKl[g] += (lambda > 0 ? d / (lambda * method.temperature ** 2) : 0) / n;
                if (d > r.groupLosses[b * groups + groupSlot(k, most)]) most = g;
              }
              row.mostLoss[most] += 1 / n;
            }
            const total = row.meanLoss.reduce((a, b) => a + b, 0);
            row.share = row.meanLoss.map((d) => d / total);
            rows.push(row);
          }
          const three = rows.at(-1)!;
          const pc = (xs: number[]) => xs.map((x) => `${(100 * x).toFixed(0)}%`).join(' / ');
          console.log(
            `seed ${seed} step ${step}: stage ${three.stage} share of the loss ${pc(three.share)}; holds the most in ${pc(three.mostLoss)} of samples; mean λ ${three.meanLambda.map((x) => x.toFixed(3)).join(' / ')}`,
          );
        }
        if (trainer.done || step >= Math.max(...steps)) break;
        await trainer.trainStep();
      }
    } finally {
      trainer.dispose();
    }
  }
} finally {
  await site.close();
}

// Mean over seeds, per step and stage, as a table (largest gaps first).
const table: string[] = [
  `| step | stage | share of the stage's loss | holds the most loss in (of samples) | mean λ | mean KL |`,
  '|---|---|---|---|---|---|',
];
for (const step of steps) {
  for (let k = 2; k <= method.stages; k++) {
    const these = rows.filter((r) => r.step === step && r.stage === k);
    if (!these.length) continue;
    const mean = (pick: (r: Row) => number[]) => pick(these[0]).map((_, g) => these.reduce((s, r) => s + pick(r)[g], 0) / these.length);
    const pc = (xs: number[]) => xs.map((x) => `${(100 * x).toFixed(0)}%`).join(' / ');
    table.push(
      `| ${step} | ${k} | ${pc(mean((r) => r.share))} | ${pc(mean((r) => r.mostLoss))} | ${mean((r) => r.meanLambda)
        .map((x) => x.toFixed(3))
        .join(' / ')} | ${mean((r) => r.meanKl)
        .map((x) => x.toFixed(3))
        .join(' / ')} |`,
    );
  }
}
console.log(
  `\n${preset.name}: PCD, S = ${method.stages}, τ = ${method.temperature}; ${samples} test samples, seeds ${seeds.join(', ')}; groups largest gaps first\n\n${table.join('\n')}`,
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ command: `npm run groups -- ${process.argv.slice(2).join(' ')}`.trim(), preset: preset.id, samples, seeds, steps, rows }, null, 1)}\n`,
);
writeFileSync(out.replace(/\.json$/, '.md'), `${table.join('\n')}\n`);
console.log(`\nwrote ${out} and ${out.replace(/\.json$/, '.md')}`);
