// A dataset of one's own, from a CSV of features or a folder of images, and its teacher's
// logits from a file: parsed, checked and split here with no TF.js and no DOM (the image
// decoder is passed in), so every rule is unit-tested in Node. Every refusal names the
// file, the line, column or field, and what was expected; nothing is half-loaded.
import type { Dataset, DatasetSplit } from '../data/dataset';
import { SeededRandom } from '../data/random';
import { LogitsFileError, readNpy, utf8 } from './logits-file';

/** Bounds stated in the README, checked before anything is read (file sizes, file counts). */
export const LOCAL_LIMITS = {
  /** A CSV of features, and a teacher's logits file. */
  csvBytes: 50 * 1024 * 1024,
  /** Samples in the whole dataset (train and test). */
  samples: 20_000,
  /** Values per sample (a 64 × 64 RGB image is 12,288). */
  featuresPerSample: 12_288,
  /** All features together: 16 M float32 values, 64 MB. */
  values: 16 * 1024 * 1024,
  classes: 1000,
  /** An image folder's files together. */
  imageBytes: 200 * 1024 * 1024,
  /** Side of the square images are resized to. */
  imageSize: [4, 64] as const,
  /** A teacher model's files together. */
  modelBytes: 100 * 1024 * 1024,
} as const;

const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Every sample of a dataset before the split, in file order. */
export interface LocalSamples {
  /** The file or folder it came from. */
  name: string;
  featureShape: number[];
  /** `count × prod(featureShape)`, row-major. */
  features: Float32Array;
  labels: Int32Array;
  count: number;
  classNames: string[];
  superclassOf?: number[];
  superclassNames?: string[];
}

export interface CsvOptions {
  /** The label column's name; default `label`, else the last column. */
  labelColumn?: string;
  /** An optional column naming each sample's superclass (constant within a class). */
  superclassColumn?: string;
}

/** A plain decimal: no hex, no leading +, no spaces (the same rule as the logits files). */
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function sortedNames(values: Iterable<string>): string[] {
  const names = [...new Set(values)];
  const numeric = names.every((n) => /^-?\d+$/.test(n));
  return numeric ? names.sort((a, b) => Number(a) - Number(b)) : names.sort();
}

function checkCounts(file: string, count: number, perSample: number, classes: number): void {
  if (count < 2) throw new LogitsFileError(file, null, `${count} sample${count === 1 ? '' : 's'}: expected at least 2`);
  if (count > LOCAL_LIMITS.samples) throw new LogitsFileError(file, null, `${count.toLocaleString('en')} samples: at most ${LOCAL_LIMITS.samples.toLocaleString('en')}`);
  if (perSample > LOCAL_LIMITS.featuresPerSample) throw new LogitsFileError(file, null, `${perSample.toLocaleString('en')} values per sample: at most ${LOCAL_LIMITS.featuresPerSample.toLocaleString('en')}`);
  if (count * perSample > LOCAL_LIMITS.values) throw new LogitsFileError(file, null, `${count.toLocaleString('en')} × ${perSample.toLocaleString('en')} values: at most ${LOCAL_LIMITS.values.toLocaleString('en')} in all`);
  if (classes < 2) throw new LogitsFileError(file, null, `${classes} class: expected at least 2`);
  if (classes > LOCAL_LIMITS.classes) throw new LogitsFileError(file, null, `${classes.toLocaleString('en')} classes: at most ${LOCAL_LIMITS.classes.toLocaleString('en')}`);
}

/** A superclass per class from one per sample: the same for every sample of a class. */
function superclasses(file: string, labels: Int32Array, perSample: string[], classNames: string[], where: (i: number) => string): { superclassOf: number[]; superclassNames: string[] } {
  const superclassNames = sortedNames(perSample);
  const index = new Map(superclassNames.map((n, i) => [n, i]));
  const superclassOf = new Array<number>(classNames.length).fill(-1);
  perSample.forEach((name, i) => {
    const s = index.get(name)!;
    const c = labels[i];
    if (superclassOf[c] >= 0 && superclassOf[c] !== s) {
      throw new LogitsFileError(file, where(i), `superclass "${name.slice(0, 30)}" for class "${classNames[c].slice(0, 30)}", which is also in "${superclassNames[superclassOf[c]].slice(0, 30)}": expected one superclass per class`);
    }
    superclassOf[c] = s;
  });
  return { superclassOf, superclassNames };
}

/**
 * A CSV of features: a header naming the columns, then one sample per line; the label
 * column (`label`, or the last) holds class names or indices, every other column but the
 * optional superclass column is a decimal feature. Classes are the distinct labels, sorted
 * (numerically when they are all whole numbers).
 */
export function parseFeatureCsv(file: string, bytes: Uint8Array, options: CsvOptions = {}): LocalSamples {
  if (bytes.length > LOCAL_LIMITS.csvBytes) throw new LogitsFileError(file, null, `${MB(bytes.length)}: at most ${MB(LOCAL_LIMITS.csvBytes)}`);
  const text = utf8(file, bytes).replace(/^\uFEFF/, '');
  const lines = text.replace(/(\r?\n)+$/, '').split(/\r?\n/);
  const split = (line: string) => line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
  const header = split(lines[0] ?? '');
  if (header.length < 2 || header.some((h) => h === '')) throw new LogitsFileError(file, 'line 1', 'expected a header naming every column (a label column and at least one feature)');
  const duplicate = header.find((h, i) => header.indexOf(h) !== i);
  if (duplicate !== undefined) throw new LogitsFileError(file, 'line 1', `column "${duplicate.slice(0, 30)}" appears twice`);
  const column = (name: string | undefined, what: string) => {
    if (!name) return -1;
    const i = header.indexOf(name);
    if (i < 0) throw new LogitsFileError(file, 'line 1', `no ${what} column "${name.slice(0, 30)}": the columns are ${header.slice(0, 8).join(', ')}${header.length > 8 ? ', …' : ''}`);
    return i;
  };
  const labelAt = options.labelColumn ? column(options.labelColumn, 'label') : header.includes('label') ? header.indexOf('label') : header.length - 1;
  const superAt = column(options.superclassColumn, 'superclass');
  if (superAt === labelAt) throw new LogitsFileError(file, 'line 1', `"${header[labelAt]}" cannot be both the label and the superclass column`);
  const featureColumns = header.map((_, i) => i).filter((i) => i !== labelAt && i !== superAt);
  if (!featureColumns.length) throw new LogitsFileError(file, 'line 1', 'no feature columns: expected at least one besides the label');
  const rows = lines.slice(1);
  const count = rows.length;
  const perSample = featureColumns.length;
  checkCounts(file, count, perSample, 2);
  const features = new Float32Array(count * perSample);
  const labelNames: string[] = new Array(count);
  const superNames: string[] = superAt >= 0 ? new Array(count) : [];
  rows.forEach((line, r) => {
    const where = `line ${r + 2}`;
    const cells = split(line);
    if (cells.length !== header.length) throw new LogitsFileError(file, where, `${cells.length} columns: expected ${header.length}, as in the header`);
    featureColumns.forEach((c, f) => {
      const cell = cells[c];
      if (!DECIMAL.test(cell)) throw new LogitsFileError(file, `${where}, column "${header[c].slice(0, 30)}"`, `"${cell.slice(0, 20)}" is not a decimal number (every column but the label${superAt >= 0 ? ' and the superclass' : ''} is a feature)`);
      const value = Number(cell);
      if (!Number.isFinite(value) || Math.abs(value) > 3.4e38) throw new LogitsFileError(file, `${where}, column "${header[c].slice(0, 30)}"`, `${cell.slice(0, 20)} is not a finite float32`);
      features[r * perSample + f] = value;
    });
    const label = cells[labelAt];
    if (label === '') throw new LogitsFileError(file, `${where}, column "${header[labelAt].slice(0, 30)}"`, 'empty label');
    labelNames[r] = label.slice(0, 60);
    if (superAt >= 0) {
      if (cells[superAt] === '') throw new LogitsFileError(file, `${where}, column "${header[superAt].slice(0, 30)}"`, 'empty superclass');
      superNames[r] = cells[superAt].slice(0, 60);
    }
  });
  const classNames = sortedNames(labelNames);
  checkCounts(file, count, perSample, classNames.length);
  const index = new Map(classNames.map((n, i) => [n, i]));
  const labels = Int32Array.from(labelNames, (n) => index.get(n)!);
  return {
    name: file,
    featureShape: [perSample],
    features,
    labels,
    count,
    classNames,
    ...(superAt >= 0 ? superclasses(file, labels, superNames, classNames, (i) => `line ${i + 2}, column "${header[superAt].slice(0, 30)}"`) : {}),
  };
}

export interface ImageOptions {
  /** Images are resized to `size × size`. */
  size: number;
  /** 1: grayscale (luminance), 3: RGB. */
  channels: 1 | 3;
}

/** What a folder picker or a drop gives: each file's path relative to the chosen folder's parent, and its size. */
export interface FolderEntry {
  path: string;
  bytes: number;
}

const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'];

/**
 * The plan for a folder of images, before any is decoded: one sub-folder per class
 * (`<folder>/<class>/<image>`, deeper folders count for their first level), classes sorted
 * by name, samples in class order then path order (the order a teacher's logits file
 * follows). Hidden files (`.DS_Store`) and `Thumbs.db` are skipped; any other file that is
 * not an image is refused, as are files directly in the folder and folders past the limits.
 */
export function planImageFolder(entries: FolderEntry[], options: ImageOptions): { name: string; order: number[]; labels: Int32Array; classNames: string[] } {
  const [min, max] = LOCAL_LIMITS.imageSize;
  if (!Number.isInteger(options.size) || options.size < min || options.size > max) throw new LogitsFileError('image size', null, `${options.size}: expected a whole number ${min}…${max}`);
  if (options.channels !== 1 && options.channels !== 3) throw new LogitsFileError('channels', null, `${options.channels}: expected 1 (grayscale) or 3 (RGB)`);
  const root = entries[0]?.path.split('/')[0] ?? '';
  if (!entries.length) throw new LogitsFileError('folder', null, 'empty: expected one sub-folder of images per class');
  const kept: { index: number; className: string; path: string }[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const parts = entry.path.split('/');
    const base = parts[parts.length - 1];
    if (base.startsWith('.') || base === 'Thumbs.db' || base === 'desktop.ini') return;
    if (parts[0] !== root) throw new LogitsFileError(entry.path, null, `not in the folder "${root}": drop or pick one folder`);
    if (parts.length < 3) throw new LogitsFileError(entry.path, null, 'directly in the folder: expected every image in a sub-folder named after its class');
    const extension = base.toLowerCase().match(/\.([a-z]+)$/)?.[1] ?? '';
    if (!IMAGE_EXTENSIONS.includes(extension)) throw new LogitsFileError(entry.path, null, `not an image: expected ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(', ')}`);
    bytes += entry.bytes;
    kept.push({ index, className: parts[1].slice(0, 60), path: entry.path });
  });
  if (bytes > LOCAL_LIMITS.imageBytes) throw new LogitsFileError(root, null, `${MB(bytes)} of images: at most ${MB(LOCAL_LIMITS.imageBytes)}`);
  const classNames = [...new Set(kept.map((k) => k.className))].sort();
  checkCounts(root, kept.length, options.size * options.size * options.channels, classNames.length);
  const classIndex = new Map(classNames.map((n, i) => [n, i]));
  kept.sort((a, b) => classIndex.get(a.className)! - classIndex.get(b.className)! || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { name: root, order: kept.map((k) => k.index), labels: Int32Array.from(kept, (k) => classIndex.get(k.className)!), classNames };
}

/**
 * Decodes the planned images with `decode` (the browser's, in src/import/local-import.ts):
 * `size × size × channels` values in 0…1 per image, each checked.
 */
export async function readImageFolder(
  entries: FolderEntry[],
  options: ImageOptions,
  decode: (index: number) => Promise<Float32Array>,
  onProgress?: (done: number, total: number) => void,
): Promise<LocalSamples> {
  const plan = planImageFolder(entries, options);
  const perSample = options.size * options.size * options.channels;
  const features = new Float32Array(plan.order.length * perSample);
  for (const [i, index] of plan.order.entries()) {
    let pixels: Float32Array;
    try {
      pixels = await decode(index);
    } catch (error) {
      throw new LogitsFileError(entries[index].path, null, `could not be decoded as an image (${(error as Error).message})`);
    }
    if (pixels.length !== perSample) throw new LogitsFileError(entries[index].path, null, `decoded to ${pixels.length} values: expected ${perSample}`);
    features.set(pixels, i * perSample);
    if (i % 50 === 49) onProgress?.(i + 1, plan.order.length);
  }
  onProgress?.(plan.order.length, plan.order.length);
  return { name: plan.name, featureShape: [options.size, options.size, options.channels], features, labels: plan.labels, count: plan.order.length, classNames: plan.classNames };
}

/**
 * A teacher's logits for every sample of the dataset, in the dataset's order (CSV rows;
 * images by class then path): `.npy` of shape (N, C), float32 or float64; `.csv` of N rows
 * of C decimals (a header row of names is allowed); `.json`, an array of N arrays of C
 * numbers or `{"logits": …}`.
 */
export function parseTeacherLogits(file: string, bytes: Uint8Array, count: number, classes: number): Float32Array {
  if (bytes.length > LOCAL_LIMITS.csvBytes) throw new LogitsFileError(file, null, `${MB(bytes.length)}: at most ${MB(LOCAL_LIMITS.csvBytes)}`);
  const expected = `${count} rows (one per sample, in the dataset's order) of ${classes} logits`;
  const out = new Float32Array(count * classes);
  const put = (row: number, column: number, value: number, where: string) => {
    if (!Number.isFinite(value) || Math.abs(value) > 3.4e38) throw new LogitsFileError(file, where, `${value} is not a finite number`);
    out[row * classes + column] = value;
  };
  const extension = file.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (extension === 'npy') {
    const npy = readNpy(file, bytes);
    if (npy.dims.length !== 2 || npy.dims[0] !== count || npy.dims[1] !== classes) throw new LogitsFileError(file, 'header', `shape (${npy.dims.join(', ')}): expected (${count}, ${classes}), ${expected}`);
    for (let i = 0; i < count * classes; i++) put(Math.floor(i / classes), i % classes, npy.value(i), `[${Math.floor(i / classes)}][${i % classes}]`);
    return out;
  }
  if (extension === 'csv') {
    const lines = utf8(file, bytes).replace(/^\uFEFF/, '').replace(/(\r?\n)+$/, '').split(/\r?\n/);
    const cells = (line: string) => line.split(',').map((c) => c.trim());
    const first = cells(lines[0] ?? '');
    const header = first.some((c) => !DECIMAL.test(c)) ? 1 : 0;
    const rows = lines.slice(header);
    if (rows.length !== count) throw new LogitsFileError(file, null, `${rows.length} rows: expected ${expected}`);
    rows.forEach((line, r) => {
      const row = cells(line);
      const where = `line ${r + 1 + header}`;
      if (row.length !== classes) throw new LogitsFileError(file, where, `${row.length} columns: expected ${classes}, one logit per class`);
      row.forEach((cell, c) => {
        if (!DECIMAL.test(cell)) throw new LogitsFileError(file, `${where}, column ${c + 1}`, `"${cell.slice(0, 20)}" is not a decimal number`);
        put(r, c, Number(cell), `${where}, column ${c + 1}`);
      });
    });
    return out;
  }
  if (extension === 'json') {
    let json: unknown;
    try {
      json = JSON.parse(utf8(file, bytes));
    } catch (error) {
      throw new LogitsFileError(file, null, `not valid JSON (${(error as Error).message.slice(0, 80)})`);
    }
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const keys = Object.keys(json);
      if (keys.length !== 1 || keys[0] !== 'logits') throw new LogitsFileError(file, null, `fields ${keys.slice(0, 3).map((k) => `"${k.slice(0, 20)}"`).join(', ')}: expected an array, or an object with only "logits"`);
      json = (json as { logits: unknown }).logits;
    }
    if (!Array.isArray(json)) throw new LogitsFileError(file, null, `expected an array of ${expected}`);
    if (json.length !== count) throw new LogitsFileError(file, null, `${json.length} rows: expected ${expected}`);
    json.forEach((row: unknown, r) => {
      if (!Array.isArray(row) || row.length !== classes) throw new LogitsFileError(file, `[${r}]`, `expected an array of ${classes} numbers`);
      row.forEach((value: unknown, c) => {
        if (typeof value !== 'number') throw new LogitsFileError(file, `[${r}][${c}]`, `${JSON.stringify(value)?.slice(0, 20)} is not a number`);
        put(r, c, value, `[${r}][${c}]`);
      });
    });
    return out;
  }
  throw new LogitsFileError(file, null, `unknown kind ".${extension ?? ''}": expected .npy, .csv or .json`);
}

export interface SplitOptions {
  /** Share of each class held out for the test split, 0.05…0.5. */
  testShare: number;
  seed: number;
}

/**
 * Splits the samples into train and test, per class (each class keeps at least one
 * training and, with two or more samples, one test sample), shuffled by `seed`; the
 * teacher's logits, when given, follow their samples.
 */
export function splitSamples(samples: LocalSamples, options: SplitOptions, teacherLogits?: Float32Array): Dataset {
  if (!(options.testShare >= 0.05 && options.testShare <= 0.5)) throw new LogitsFileError('test share', null, `${options.testShare}: expected 0.05…0.5`);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 2 ** 31 - 1) throw new LogitsFileError('split seed', null, `${options.seed}: expected a whole number 0…2147483647`);
  const random = new SeededRandom(options.seed);
  const byClass = samples.classNames.map(() => [] as number[]);
  samples.labels.forEach((label, i) => byClass[label].push(i));
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((members) => {
    const shuffled = random.shuffle(members);
    const held = members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * options.testShare)));
    test.push(...shuffled.slice(0, held));
    train.push(...shuffled.slice(held));
  });
  const perSample = samples.featureShape.reduce((a, b) => a * b, 1);
  const classes = samples.classNames.length;
  const take = (indices: number[]): DatasetSplit => {
    const order = random.shuffle(indices);
    const features = new Float32Array(order.length * perSample);
    const labels = new Int32Array(order.length);
    const logits = teacherLogits ? new Float32Array(order.length * classes) : undefined;
    order.forEach((row, i) => {
      features.set(samples.features.subarray(row * perSample, (row + 1) * perSample), i * perSample);
      labels[i] = samples.labels[row];
      logits?.set(teacherLogits!.subarray(row * classes, (row + 1) * classes), i * classes);
    });
    return { features, labels, count: order.length, ...(logits ? { teacherLogits: logits } : {}) };
  };
  return {
    id: 'local',
    name: samples.name,
    featureShape: samples.featureShape,
    classNames: samples.classNames,
    ...(samples.superclassOf ? { superclassOf: samples.superclassOf, superclassNames: samples.superclassNames } : {}),
    train: take(train),
    test: take(test),
  };
}
