// Runs an experiment plan (scripts/lib/experiment-args.ts) seed by seed: in Node on the
// WASM backend (CPU if it cannot start; `--backend wasm` or `cpu` to choose), MLP and CNN
// students alike (the WASM backend's conv gradients are src/tf/wasm-conv.ts's); in headless
// Chromium for CNN students when `--backend` names a GPU backend (webgl, webgpu). Shared by
// `npm run experiment`, the budget study and the ablation.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInDataset, loadDataset } from '../../src/data/load';
import { reproductionFiles } from '../../src/reproduce/bundle';
import { catalogEntry, isConvolutional } from '../../src/models/catalog';
import { loadTeacher } from '../../src/models/teacher';
import { serveDirectory } from '../../src/test-support/static-server';
import { selectBackend, type BackendName } from '../../src/tf/backends';
import { MAX_SEEDS, type TrainerConfig } from '../../src/train/config';
import type { RunSpec } from '../../src/train/reports';
import type * as Harness from '../browser/experiment';
import { withAppPage } from './browser-session';
import type { ExperimentPlan } from './experiment-args';
import type { SeedSet } from '../../src/train/seed-set';
import type { Method } from '../../src/distill/methods';
import { raceSeeds, type CurvePoint, type ExperimentRow, type SeedResult } from './experiment-race';
import { loadScenesTask, raceDetectionSeeds } from './experiment-detection';
import { detectionReproductionFiles } from '../../src/reproduce/detection-bundle';

/** A detection race (the digit scenes) in Node: the page's race, COCO AP per seed. */
async function runDetectionExperiment(
  plan: ExperimentPlan,
  command: string,
  log: (line: string) => void,
  started: number,
): Promise<ExperimentResult> {
  const { config, runs, seeds, evalEvery } = plan;
  if (plan.backends?.some((b) => b !== 'wasm' && b !== 'cpu'))
    throw new Error(`--backend ${plan.backends.join(',')}: detection races train in Node (wasm or cpu)`);
  if (plan.exportPytorch && seeds.some((s, i) => i > 0 && s !== seeds[i - 1] + 1))
    throw new Error(`--export-pytorch: the seeds must follow each other (${seeds.join(', ')}), as one race trains them`);
  if (plan.liveChanges.length) throw new Error('--config: a detection bundle with live changes cannot be replayed');
  const node = await selectBackend((plan.backends as BackendName[] | null) ?? ['wasm', 'cpu']);
  const site = await serveDirectory('public');
  const { dataset, teacher, teacherAp } = await loadScenesTask(
    site.url,
    runs.some((r) => r.method.method !== 'ce'),
  );
  const results: { seed: number; result: SeedResult }[] = [];
  try {
    await raceDetectionSeeds(
      config,
      runs,
      dataset,
      teacher,
      seeds,
      evalEvery,
      (seed, result) => {
        results.push({ seed, result });
        log(`seed ${seed}: ${result.rows.map((r) => `${r.method} AP ${(100 * r.testAccuracy).toFixed(2)}`).join(', ')}`);
      },
      log,
      plan.exportPytorch
        ? async (race, done) => {
            const exportTo = plan.exportPytorch!;
            const files = await detectionReproductionFiles({
              config: { ...config, seed: seeds[0], seeds: seeds.length },
              compare: runs.map((r) => r.id as Method).filter((m) => m !== config.method.method),
              runs,
              data: dataset,
              teacher,
              students: (seed) => race.students(seed),
              evaluations: [...done].flatMap(([seed, result]) =>
                Object.entries(result.curves).flatMap(([run, points]) =>
                  points.map((p) => ({ seed, run, step: p.step, testCount: dataset.test.count, testAccuracy: p.testAccuracy, testLoss: p.testLoss })),
                ),
              ),
              backend: node.backend,
              createdBy: command,
              script: readFileSync(new URL('../../src/reproduce/reproduce.py', import.meta.url), 'utf8'),
            });
            mkdirSync(exportTo, { recursive: true });
            for (const [name, bytes] of files) writeFileSync(join(exportTo, name), bytes);
            log(`wrote the race to ${exportTo}/ (${files.size} files): python3 ${join(exportTo, 'reproduce.py')} trains it again in PyTorch`);
          }
        : undefined,
    );
  } finally {
    teacher?.dispose();
    await site.close();
  }
  const teacherEntry = catalogEntry('scenes-grid-teacher', null)!;
  return {
    label: plan.label,
    task: 'detection',
    dataset: `the digit scenes (${dataset.train.count.toLocaleString('en')} training and ${dataset.test.count.toLocaleString('en')} test scenes)`,
    command,
    date: new Date().toISOString().slice(0, 10),
    minutes: (performance.now() - started) / 60000,
    where: `the ${node.backend === 'wasm' ? 'WASM' : 'CPU'} backend in Node`,
    config: configOfSeeds(config, seeds),
    runs,
    seeds,
    steps: results[0]?.result.rows[0]?.steps ?? 0,
    student: { id: config.student, parameters: catalogEntry(config.student, null)!.parameters },
    teacher: { id: teacherEntry.id, parameters: teacherEntry.parameters, testAccuracy: teacherAp ?? NaN },
    rows: results.flatMap((r) => r.result.rows),
    curves: results.flatMap(({ seed, result }) => Object.entries(result.curves).map(([run, points]) => ({ seed, run, points }))),
  };
}

/**
 * The configuration as the result's seeds trained it: `seed` the first of them, `seeds` their
 * count where they follow each other (as one race trains them); else 1, and `seeds` of the
 * result lists them.
 */
export function configOfSeeds(config: TrainerConfig, seeds: readonly number[]): TrainerConfig {
  const consecutive = seeds.every((s, i) => i === 0 || s === seeds[i - 1] + 1);
  return { ...config, seed: seeds[0], seeds: consecutive && seeds.length <= MAX_SEEDS ? seeds.length : 1 };
}

export interface ExperimentResult {
  label: string;
  /** `detection` (the digit scenes): `testAccuracy` is COCO AP@[.5:.95], the teacher's too. */
  task?: 'detection';
  /** One's own data: its name and split (absent for a built-in dataset). */
  dataset?: string;
  command: string;
  date: string;
  minutes: number;
  where: string;
  config: TrainerConfig;
  runs: RunSpec[];
  seeds: number[];
  steps: number;
  student: { id: string; parameters: number };
  teacher: { id: string; parameters: number; testAccuracy: number };
  rows: ExperimentRow[];
  curves: { seed: number; run: string; points: CurvePoint[] }[];
}

export async function runExperiment(plan: ExperimentPlan, command: string, log: (line: string) => void = console.log): Promise<ExperimentResult> {
  const { config, runs, seeds, evalEvery } = plan;
  const facts = plan.local?.facts ?? null;
  const unknown = plan.backends?.filter((b) => !['wasm', 'cpu', 'webgl', 'webgpu'].includes(b)) ?? [];
  if (unknown.length) throw new Error(`--backend ${unknown.join(',')}: expected wasm, cpu (Node) or webgl, webgpu (Chromium)`);
  const gpu = plan.backends?.filter((b) => b === 'webgl' || b === 'webgpu') ?? [];
  const inBrowser = gpu.length > 0;
  if (inBrowser && !isConvolutional(config.student, facts))
    throw new Error(`--backend ${gpu.join(',')}: MLP students train in Node (--backend wasm or cpu); a GPU backend is for CNN students`);
  if (inBrowser && plan.backends!.some((b) => b === 'wasm'))
    throw new Error('--backend: wasm trains in Node, webgl and webgpu in Chromium; name one kind');
  if (plan.liveChanges.length && inBrowser)
    throw new Error('--config: the runner replays a bundle’s live changes in Node; leave --backend out (or wasm, cpu)');
  if (inBrowser && plan.local) throw new Error("--backend: one's own data trains in Node (--backend wasm or cpu)");
  if (plan.exportPytorch && inBrowser)
    throw new Error('--export-pytorch: the runner exports runs trained in Node; leave --backend out (or wasm, cpu)');
  if (plan.exportPytorch && seeds.some((s, i) => i > 0 && s !== seeds[i - 1] + 1))
    throw new Error(`--export-pytorch: the seeds must follow each other (${seeds.join(', ')}), as one race trains them`);
  const started = performance.now();
  if (config.dataset === 'scenes') return runDetectionExperiment(plan, command, log, started);
  if (plan.local?.caution) log(`caution: ${plan.local.caution}`);
  // WASM (XNNPACK) trains MLP and CNN students many times faster than the pure-JS CPU backend in Node.
  const node = await selectBackend(inBrowser ? ['cpu'] : ((plan.backends as BackendName[] | null) ?? ['wasm', 'cpu']));
  const site = await serveDirectory('public');
  // One's own data comes with the teacher's logits (no model); a built-in dataset with its teacher.
  const data = plan.local?.dataset ?? (await loadDataset(builtInDataset(config.dataset), site.url));
  const { model: teacher, metadata } = plan.local
    ? {
        model: null,
        metadata: {
          modelId: plan.local.facts.teacher.kind === 'logits' ? plan.local.facts.teacher.file : 'teacher',
          parameterCount: 0,
          testAccuracy: plan.local.facts.teacherTestAccuracy,
        },
      }
    : await loadTeacher(builtInDataset(config.dataset), site.url, fetch, data);
  const results: { seed: number; result: SeedResult }[] = [];
  let where = `the ${node.backend === 'wasm' ? 'WASM' : 'CPU'} backend in Node`;
  const report = (seed: number, result: SeedResult) => {
    results.push({ seed, result });
    const diverged = result.rows.filter((r) => r.diverged).map((r) => r.method);
    if (diverged.length) log(`seed ${seed}: non-finite loss in ${diverged.join(', ')} (diverged)`);
    log(`seed ${seed}: ${result.rows.map((r) => `${r.method} ${(100 * r.testAccuracy).toFixed(2)}%`).join(', ')}`);
  };
  try {
    if (inBrowser) {
      const order = (plan.backends ?? ['webgl', 'cpu']) as BackendName[];
      await withAppPage(async (page) => {
        for (const seed of seeds) {
          const out = await page.evaluate(
            async ([url, o, c, r, s, e]) => {
              const harness: typeof Harness = await import(/* @vite-ignore */ url);
              return harness.raceInBrowser(o, c, r, s, e);
            },
            ['/scripts/browser/experiment.ts', order, config, runs, seed, evalEvery] as const,
          );
          where = `the ${out.backend} backend in headless Chromium${out.adapter ? ` (${out.adapter})` : ''}`;
          report(seed, out.result);
        }
      }, false);
    } else {
      const exportTo = plan.exportPytorch;
      const onTrained = exportTo
        ? async (set: SeedSet, done: Map<number, SeedResult>) => {
            const files = await reproductionFiles({
              config: { ...config, seed: seeds[0], seeds: seeds.length },
              compare: runs.map((r) => r.id as Method).filter((m) => m !== config.method.method),
              runs,
              dataset: data,
              teacher,
              students: (seed) => set.students(seed),
              evaluations: [...done].flatMap(([seed, result]) =>
                Object.entries(result.curves).flatMap(([run, points]) =>
                  points.map((p) => ({ seed, run, step: p.step, testCount: data.test.count, testAccuracy: p.testAccuracy, testLoss: p.testLoss })),
                ),
              ),
              backend: node.backend,
              createdBy: command,
              liveChanges: plan.liveChanges,
              script: readFileSync(new URL('../../src/reproduce/reproduce.py', import.meta.url), 'utf8'),
            });
            mkdirSync(exportTo, { recursive: true });
            for (const [name, bytes] of files) writeFileSync(join(exportTo, name), bytes);
            log(`wrote the run to ${exportTo}/ (${files.size} files): python3 ${join(exportTo, 'reproduce.py')} reproduces it in PyTorch`);
          }
        : undefined;
      await raceSeeds(config, runs, data, teacher, seeds, evalEvery, report, onTrained, plan.liveChanges);
    }
  } finally {
    teacher?.dispose();
    await site.close();
  }
  return {
    label: plan.label,
    ...(plan.local
      ? {
          dataset: `${plan.local.facts.name} (your data: ${plan.local.facts.trainCount} training and ${plan.local.facts.testCount} test samples, split as the page splits it)`,
        }
      : {}),
    command,
    date: new Date().toISOString().slice(0, 10),
    minutes: (performance.now() - started) / 60000,
    where,
    config: configOfSeeds(config, seeds),
    runs,
    seeds,
    steps: results[0]?.result.rows[0]?.steps ?? 0,
    student: { id: config.student, parameters: catalogEntry(config.student, facts)!.parameters },
    teacher: { id: metadata.modelId, parameters: metadata.parameterCount, testAccuracy: metadata.testAccuracy },
    rows: results.flatMap((r) => r.result.rows),
    curves: results.flatMap(({ seed, result }) => Object.entries(result.curves).map(([run, points]) => ({ seed, run, points }))),
  };
}
