// npm run bench [-- --steps N] [--where node,chromium] [--backends webgpu,webgl] [--node-backends wasm,cpu] [--datasets synthetic100,mnist] [--no-pytorch]: steps/s and samples/s of CE, KD, DKD and PCD training steps,
// of the four raced side by side one run after the other (the race preset's step before stacking),
// and of the race on 1 and 5 seeds as one stacked computation and on 5 seeds looped,
// on both datasets, in headless Chromium on every backend it can get (WebGPU, WebGL) and in
// Node (WASM, CPU), with the PCD / KD and cached-distillation / CE step-time ratios; writes
// bench-results/trainer-node.json and trainer-chromium.json (npm run perf:doc -- --take trainer-node,trainer-chromium
// puts them in docs/perf.md). A benchmark: it prints figures and asserts nothing.
// In Node, where a Python with torch is present, PyTorch's step for the same student, batch
// and methods on one CPU thread (scripts/bench-pytorch.py), timed alternately with the
// project's, and the ratio.
// Students: the defaults (a small CNN for MNIST; on Node's pure-JS CPU backend, whose conv
// gradients are naive loops taking seconds a batch, the MNIST MLP).
import type { DatasetId } from '../src/data/dataset';
import { loadDataset } from '../src/data/load';
import { loadTeacher } from '../src/models/teacher';
import { DEFAULT_STUDENT } from '../src/models/zoo';
import { serveDirectory } from '../src/test-support/static-server';
import { selectBackend } from '../src/tf/backends';
import type * as Harness from './browser/bench';
import { writeBenchRecord } from './lib/bench-record';
import { withAppPage } from './lib/browser-session';
import { PyTorchBench } from './lib/pytorch-bench';
import { benchTrainerSteps, type TrainerTiming } from './lib/trainer-bench';

const stepsArg = process.argv.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(process.argv[stepsArg + 1]) : 9;
const listArg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return (i >= 0 ? process.argv[i + 1] : fallback).split(',');
};
const where = listArg('--where', 'node,chromium');
const backends = listArg('--backends', 'webgpu,webgl') as ('webgpu' | 'webgl')[];
const datasets = listArg('--datasets', 'synthetic100,mnist') as DatasetId[];
const nodeBackends = listArg('--node-backends', 'wasm,cpu') as ('cpu' | 'wasm')[];
const pytorch = process.argv.includes('--no-pytorch') || !where.includes('node') ? null : PyTorchBench.start();
if (typeof pytorch === 'string') console.log(`PyTorch not measured: ${pytorch}`);
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
    const beside = t.pytorch
      ? `   PyTorch ${t.pytorch.msPerStep.toFixed(1)} ms, ${(t.msPerStep / t.pytorch.msPerStep).toFixed(2)}× PyTorch's step`
      : '';
    console.log(
      `  ${t.method.padEnd(16)} ${t.msPerStep.toFixed(1).padStart(8)} ms/step ${(1000 / t.msPerStep).toFixed(2).padStart(8)} steps/s ${((BATCH[r.dataset] * 1000) / t.msPerStep).toFixed(0).padStart(7)} samples/s   ${t.dispatches.kernels} kernels${programs} per step${beside}`,
    );
  }
  console.log(
    `  PCD/KD ${(ms.pcd / ms.kd).toFixed(2)}×   cached KD/CE ${(ms.kd / ms.ce).toFixed(2)}×   cached PCD/CE ${(ms.pcd / ms.ce).toFixed(2)}×   race of four: ${(1000 / ms.race).toFixed(2)} steps/s`,
  );
  // The seeds issue's targets: against the race of four one run after the other (`race`), and one PCD run's launches.
  const one = r.timings.find((t) => t.method === 'pcd')!.dispatches;
  const launches = (d: { kernels: number; programs: number | null }) => d.programs ?? d.kernels;
  for (const t of r.timings.filter((x) => x.method.startsWith('race ×'))) {
    console.log(
      `  ${t.method} (${t.engine}): ${(t.msPerStep / ms.race).toFixed(2)}× the race's step time, ${(launches(t.dispatches) / launches(one)).toFixed(2)}× one PCD run's ${one.programs === null ? 'kernels' : 'GPU programs'}`,
    );
  }
}

console.log(`median of ${steps} steps after 3 warm-up steps; teacher logits cached (augmentation off)`);
const site = await serveDirectory('public');
for (const [backend, dataset] of where.includes('node') ? nodeBackends.flatMap((b) => datasets.map((d) => [b, d] as const)) : []) {
  await selectBackend([backend]);
  const student = dataset === 'mnist' && backend === 'cpu' ? 'mnist-mlp' : DEFAULT_STUDENT[dataset];
  const data = await loadDataset(dataset, site.url);
  const { model } = await loadTeacher(dataset, site.url);
  results.push({
    where: 'Node',
    backend,
    adapter: null,
    dataset,
    student,
    timings: await benchTrainerSteps(data, model, student, steps, BATCH[dataset], pytorch instanceof PyTorchBench ? pytorch : undefined),
  });
  model.dispose();
  print(results.at(-1)!);
  if (pytorch instanceof PyTorchBench) console.log(`  (PyTorch: ${pytorch.description}, alternating with the project's steps)`);
}
await site.close();
if (pytorch instanceof PyTorchBench) pytorch.close();

if (where.includes('chromium'))
  await withAppPage(async (page) => {
    for (const backend of backends) {
      for (const dataset of datasets) {
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

const pytorchDescription = pytorch instanceof PyTorchBench ? pytorch.description : null;
// One record per place measured (Node with PyTorch beside it, Chromium), so either can be measured again alone.
for (const [name, place] of [
  ['trainer-node', 'Node'],
  ['trainer-chromium', 'Chromium'],
] as const) {
  const here = results.filter((r) => r.where === place);
  if (here.length)
    console.log(
      `wrote ${writeBenchRecord(name, 'bench', { steps, batch: BATCH, pytorch: place === 'Node' ? pytorchDescription : null, results: here })}`,
    );
}
