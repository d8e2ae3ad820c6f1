// npm run bench [-- --steps N] [--where node,chromium] [--backends webgpu,webgl]: steps/s and samples/s of CE, KD, DKD and PCD training steps,
// and of the four raced side by side (the race preset's step),
// on both datasets, in headless Chromium on every backend it can get (WebGPU, WebGL) and in
// Node (CPU), with the PCD / KD and cached-distillation / CE step-time ratios; writes
// bench-results/trainer.json. A benchmark: it prints figures and asserts nothing.
// Students: the defaults (a small CNN for MNIST in the browser; in Node, where TF.js needs
// about half a minute per CNN batch, the MNIST MLP).
import { mkdirSync, writeFileSync } from 'node:fs';
import type { DatasetId } from '../src/data/dataset';
import { loadDataset } from '../src/data/load';
import { loadTeacher } from '../src/models/teacher';
import { DEFAULT_STUDENT } from '../src/models/zoo';
import { serveDirectory } from '../src/test-support/static-server';
import { selectBackend } from '../src/tf/backends';
import type * as Harness from './browser/bench';
import { withAppPage } from './lib/browser-session';
import { benchTrainerSteps, type TrainerTiming } from './lib/trainer-bench';

const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(process.argv[stepsArg + 1]) : 9;
const listArg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return (i >= 0 ? process.argv[i + 1] : fallback).split(',');
};
const where = listArg('--where', 'node,chromium');
const backends = listArg('--backends', 'webgpu,webgl') as ('webgpu' | 'webgl')[];
const BATCH: Record<DatasetId, number> = { mnist: 64, synthetic100: 128 };

interface Result {
  where: string;
  backend: string;
  adapter: string | null;
  dataset: DatasetId;
  student: string;
  timings: TrainerTiming[];
  error?: string;
}
const results: Result[] = [];

function print(r: Result): void {
  const head = `${r.where} ${r.backend}${r.adapter ? ` (${r.adapter})` : ''}, ${r.dataset}, student ${r.student}, batch ${BATCH[r.dataset]}`;
  if (r.error) {
    console.log(`${head}: not measured: ${r.error}`);
    return;
  }
  const ms = Object.fromEntries(r.timings.map((t) => [t.method, t.msPerStep]));
  console.log(head);
  for (const t of r.timings) {
    const programs = t.dispatches.programs === null ? '' : `, ${t.dispatches.programs} GPU programs`;
    console.log(
      `  ${t.method.padEnd(4)} ${t.msPerStep.toFixed(1).padStart(8)} ms/step ${(1000 / t.msPerStep).toFixed(2).padStart(8)} steps/s ${((BATCH[r.dataset] * 1000) / t.msPerStep).toFixed(0).padStart(7)} samples/s   ${t.dispatches.kernels} kernels${programs} per step`,
    );
  }
  console.log(
    `  PCD/KD ${(ms.pcd / ms.kd).toFixed(2)}×   cached KD/CE ${(ms.kd / ms.ce).toFixed(2)}×   cached PCD/CE ${(ms.pcd / ms.ce).toFixed(2)}×   race of four: ${(1000 / ms.race).toFixed(2)} steps/s`,
  );
}

console.log(`median of ${steps} steps after 3 warm-up steps; teacher logits cached (augmentation off)`);
await selectBackend(['cpu']);
const site = await serveDirectory('public');
for (const dataset of where.includes('node') ? (['synthetic100', 'mnist'] as const) : []) {
  const student = dataset === 'mnist' ? 'mnist-mlp' : DEFAULT_STUDENT[dataset];
  const data = await loadDataset(dataset, site.url);
  const { model } = await loadTeacher(dataset, site.url);
  results.push({
    where: 'Node',
    backend: 'cpu',
    adapter: null,
    dataset,
    student,
    timings: await benchTrainerSteps(data, model, student, steps, BATCH[dataset]),
  });
  model.dispose();
  print(results.at(-1)!);
}
await site.close();

if (where.includes('chromium'))
  await withAppPage(async (page) => {
    for (const backend of backends) {
      for (const dataset of ['synthetic100', 'mnist'] as const) {
        const student = DEFAULT_STUDENT[dataset];
        try {
          const r = await page.evaluate(
            async ([url, b, d, s, n, batch]) => {
              const harness: typeof Harness = await import(/* @vite-ignore */ url);
              return harness.benchTrainerInBrowser(b, d, s, n, batch);
            },
            ['/scripts/browser/bench.ts', backend, dataset, student, steps, BATCH[dataset]] as const,
          );
          results.push({ where: 'Chromium', ...r, dataset, student });
        } catch (error) {
          results.push({ where: 'Chromium', backend, adapter: null, dataset, student, timings: [], error: (error as Error).message.split('\n')[0] });
        }
        print(results.at(-1)!);
      }
    }
  }, false);

mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/trainer.json', JSON.stringify({ steps, date: new Date().toISOString(), results }, null, 2));
console.log('wrote bench-results/trainer.json');
