// The worker's side of "Your data": reads the person's files (File objects sent from the
// page), builds and checks the dataset and its teacher, keeps them in IndexedDB and in
// memory, and hands them to the training session. Images are decoded with the browser's
// own decoder (createImageBitmap, OffscreenCanvas), which works in a worker.
import type * as tf from '@tensorflow/tfjs';
import { setLocalFacts, type LocalFacts } from '../models/catalog';
import { LOCAL_LIMITS, parseFeatureCsv, parseTeacherLogits, readImageFolder, splitSamples, type ImageOptions, type LocalSamples, type SplitOptions } from './local-dataset';
import { clearLocal, readLocal, saveLocal, type LocalData } from './local-store';
import { accuracyOf, checkTeacherModel, loadModel, modelArtifacts, type ModelArtifacts } from './local-teacher';
import { LogitsFileError } from './logits-file';

export interface LocalImportRequest {
  dataset: { kind: 'csv'; file: File; labelColumn?: string; superclassColumn?: string } | ({ kind: 'images'; files: File[]; paths: string[] } & ImageOptions);
  split: SplitOptions;
  teacher: { kind: 'model'; files: File[] } | { kind: 'logits'; file: File };
}

/** What an import tells the page: the facts, and a caution when the teacher looks wrong. */
export interface LocalImportResult {
  facts: LocalFacts;
  caution?: string;
}

let current: { facts: LocalFacts; data: LocalData } | null = null;

const bytesOf = async (file: File) => new Uint8Array(await file.arrayBuffer());

/** An image file as `size × size × channels` values in 0…1 (transparent parts on black). */
async function decodeImage(file: Blob, { size, channels }: ImageOptions): Promise<Float32Array> {
  const bitmap = await createImageBitmap(file, { resizeWidth: size, resizeHeight: size, resizeQuality: 'high' });
  const canvas = new OffscreenCanvas(size, size);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('no 2D canvas in this browser');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = context.getImageData(0, 0, size, size);
  const out = new Float32Array(size * size * channels);
  for (let p = 0; p < size * size; p++) {
    const alpha = data[p * 4 + 3] / 255;
    const [r, g, b] = [data[p * 4], data[p * 4 + 1], data[p * 4 + 2]].map((v) => (v / 255) * alpha);
    if (channels === 1) out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    else out.set([r, g, b], p * 3);
  }
  return out;
}

/**
 * Builds the local dataset from the request, checks its teacher, and only then replaces
 * the previous one (in memory and in IndexedDB): any refusal leaves that one as it was.
 */
export async function importLocal(request: LocalImportRequest, onProgress?: (progress: { what: string; done: number; total: number }) => void): Promise<LocalImportResult> {
  // Sizes first, from the File objects, before a byte is read.
  const tooBig = (file: File, limit: number) => {
    if (file.size > limit) throw new LogitsFileError(file.name, null, `${(file.size / 1024 / 1024).toFixed(1)} MB: at most ${(limit / 1024 / 1024).toFixed(1)} MB`);
  };
  if (request.dataset.kind === 'csv') tooBig(request.dataset.file, LOCAL_LIMITS.csvBytes);
  if (request.teacher.kind === 'logits') tooBig(request.teacher.file, LOCAL_LIMITS.csvBytes);
  else {
    const total = request.teacher.files.reduce((n, f) => n + f.size, 0);
    if (total > LOCAL_LIMITS.modelBytes) throw new LogitsFileError('teacher', null, `${(total / 1024 / 1024).toFixed(1)} MB of model files: at most ${LOCAL_LIMITS.modelBytes / 1024 / 1024} MB`);
  }
  let samples: LocalSamples;
  if (request.dataset.kind === 'csv') {
    const { file, labelColumn, superclassColumn } = request.dataset;
    samples = parseFeatureCsv(file.name, await bytesOf(file), { labelColumn, superclassColumn });
  } else {
    const { files, paths, size, channels } = request.dataset;
    if (files.length !== paths.length) throw new Error(`${files.length} files but ${paths.length} paths`);
    const entries = files.map((f, i) => ({ path: paths[i], bytes: f.size }));
    samples = await readImageFolder(entries, { size, channels }, (i) => decodeImage(files[i], { size, channels }), (done, total) => onProgress?.({ what: 'decoding the images', done, total }));
  }
  const classes = samples.classNames.length;
  let data: LocalData;
  let teacherFacts: LocalFacts['teacher'];
  let accuracy: number;
  if (request.teacher.kind === 'logits') {
    const { file } = request.teacher;
    const logits = parseTeacherLogits(file.name, await bytesOf(file), samples.count, classes);
    const dataset = splitSamples(samples, request.split, logits);
    accuracy = accuracyOf(dataset.test.teacherLogits!, dataset.test.labels, classes);
    data = { dataset, teacher: null };
    teacherFacts = { kind: 'logits', file: file.name.slice(0, 80) };
  } else {
    const files = await Promise.all(request.teacher.files.map(async (f) => ({ name: f.name, bytes: await bytesOf(f) })));
    const artifacts: ModelArtifacts = modelArtifacts(files);
    const dataset = splitSamples(samples, request.split);
    onProgress?.({ what: `checking the teacher on the ${dataset.test.count.toLocaleString('en')} test samples`, done: 0, total: 0 });
    const model = await loadModel(artifacts);
    try {
      accuracy = await checkTeacherModel(model, dataset);
      teacherFacts = { kind: 'model', description: model.layers.map((l) => l.getClassName()).join(' → ').slice(0, 120), parameters: model.countParams() };
    } finally {
      model.dispose();
    }
    data = { dataset, teacher: artifacts };
  }
  const { dataset } = data;
  const facts: LocalFacts = {
    name: samples.name.slice(0, 80),
    featureShape: dataset.featureShape,
    classNames: dataset.classNames,
    trainCount: dataset.train.count,
    testCount: dataset.test.count,
    teacher: teacherFacts,
    teacherTestAccuracy: accuracy,
    ...(dataset.superclassNames ? { superclassNames: dataset.superclassNames } : {}),
  };
  await saveLocal(facts, data);
  current = { facts, data };
  setLocalFacts(facts);
  const chance = 1 / classes;
  const caution =
    accuracy <= Math.min(0.99, 1.5 * chance)
      ? `the teacher is right on only ${(accuracy * 100).toFixed(1)}% of the test samples (chance is ${(chance * 100).toFixed(1)}%): ${request.teacher.kind === 'logits' ? "are its rows in the dataset's order?" : 'does it expect the inputs as given (images in 0…1, height × width × channels)?'}`
      : undefined;
  return { facts, ...(caution ? { caution } : {}) };
}

/** The local dataset in memory, read from IndexedDB after a reload (and its facts registered for the schema). */
export async function ensureLocal(): Promise<{ facts: LocalFacts; data: LocalData }> {
  if (!current) {
    // Checked as it is read; a record that fails is dropped, and its error says so.
    const stored = await readLocal().catch((error: unknown) => {
      setLocalFacts(null);
      throw error;
    });
    if (!stored) throw new LogitsFileError('local dataset', null, 'none is kept in this browser: load one with "Your data"');
    current = stored;
    setLocalFacts(stored.facts);
  }
  return current;
}

/** The local dataset and a fresh teacher model (on the backend in use) for a session. */
export async function openLocal(): Promise<{ data: LocalData; teacher: tf.LayersModel | null; facts: LocalFacts }> {
  const { facts, data } = await ensureLocal();
  const teacher = data.teacher ? await loadModel(data.teacher) : null;
  return { data, teacher, facts };
}

/** The local dataset in memory now (null before one is loaded or opened). */
export function localDatasetNow(): LocalData['dataset'] | null {
  return current?.data.dataset ?? null;
}

/** Forgets the local dataset (memory and IndexedDB). */
export async function forgetLocal(): Promise<void> {
  await clearLocal();
  current = null;
  setLocalFacts(null);
}
