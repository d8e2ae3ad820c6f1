// A dataset of one's own: what a CSV (local-csv.ts) or a folder of images (local-images.ts)
// gives, its teacher's logits from a file, and the split; with no TF.js and no DOM (the image
// decoder is passed in), so every rule is unit-tested in Node. Every refusal names the
// file, the line, column or field, and what was expected; nothing is half-loaded.
import { megabytes as MB } from '../data/text';
import type { Dataset, DatasetSplit } from '../data/dataset';
import type { LocalFacts } from '../models/catalog';
import { DECIMAL } from '../data/decimal';
import { SeededRandom } from '../data/random';
import { LOCAL_LIMITS } from './local-limits';
import { csvRows, csvText, lineAt, type LocalSamples } from './local-samples';
import { LogitsFileError, readNpy, utf8 } from './logits-file';

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
  // `where` is built only for a refusal: this runs once per logit (up to millions).
  const put = (row: number, column: number, value: number, where: () => string) => {
    if (!Number.isFinite(value) || Math.abs(value) > 3.4e38) throw new LogitsFileError(file, where(), `${value} is not a finite number`);
    out[row * classes + column] = value;
  };
  const extension = file.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (extension === 'npy') {
    const npy = readNpy(file, bytes);
    if (npy.dims.length !== 2 || npy.dims[0] !== count || npy.dims[1] !== classes)
      throw new LogitsFileError(file, 'header', `shape (${npy.dims.join(', ')}): expected (${count}, ${classes}), ${expected}`);
    for (let i = 0; i < count * classes; i++)
      put(Math.floor(i / classes), i % classes, npy.value(i), () => `[${Math.floor(i / classes)}][${i % classes}]`);
    return out;
  }
  if (extension === 'csv') {
    const text = csvText(utf8(file, bytes));
    let rows = 0;
    let header: 0 | 1 | null = null;
    csvRows(file, text, (row, start) => {
      // The line is counted only for a refusal (counting it for every row would be quadratic).
      const where = () => lineAt(text, start);
      // A first row that is not all numbers is a header of class names.
      if (header === null && (header = row.some((c) => !DECIMAL.test(c)) ? 1 : 0) === 1) return;
      if (rows >= count) throw new LogitsFileError(file, where(), `more than ${count} rows: expected ${expected}`);
      if (row.length !== classes) throw new LogitsFileError(file, where(), `${row.length} columns: expected ${classes}, one logit per class`);
      row.forEach((cell, c) => {
        if (!DECIMAL.test(cell)) throw new LogitsFileError(file, `${where()}, column ${c + 1}`, `"${cell.slice(0, 20)}" is not a decimal number`);
        put(rows, c, Number(cell), () => `${where()}, column ${c + 1}`);
      });
      rows++;
    });
    if (rows !== count) throw new LogitsFileError(file, null, `${rows} rows: expected ${expected}`);
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
      if (keys.length !== 1 || keys[0] !== 'logits')
        throw new LogitsFileError(
          file,
          null,
          `fields ${keys
            .slice(0, 3)
            .map((k) => `"${k.slice(0, 20)}"`)
            .join(', ')}: expected an array, or an object with only "logits"`,
        );
      json = (json as { logits: unknown }).logits;
    }
    if (!Array.isArray(json)) throw new LogitsFileError(file, null, `expected an array of ${expected}`);
    if (json.length !== count) throw new LogitsFileError(file, null, `${json.length} rows: expected ${expected}`);
    json.forEach((row: unknown, r) => {
      if (!Array.isArray(row) || row.length !== classes) throw new LogitsFileError(file, `[${r}]`, `expected an array of ${classes} numbers`);
      row.forEach((value: unknown, c) => {
        if (typeof value !== 'number') throw new LogitsFileError(file, `[${r}][${c}]`, `${JSON.stringify(value)?.slice(0, 20)} is not a number`);
        put(r, c, value, () => `[${r}][${c}]`);
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
  if (!(options.testShare >= 0.05 && options.testShare <= 0.5))
    throw new LogitsFileError('test share', null, `${options.testShare}: expected 0.05…0.5`);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 2 ** 31 - 1)
    throw new LogitsFileError('split seed', null, `${options.seed}: expected a whole number 0…2147483647`);
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
    const rows = Int32Array.from(order);
    order.forEach((row, i) => {
      features.set(samples.features.subarray(row * perSample, (row + 1) * perSample), i * perSample);
      labels[i] = samples.labels[row];
      logits?.set(teacherLogits!.subarray(row * classes, (row + 1) * classes), i * classes);
    });
    return { features, labels, count: order.length, rows, ...(logits ? { teacherLogits: logits } : {}) };
  };
  return {
    id: 'local',
    name: samples.name,
    featureShape: samples.featureShape,
    classNames: samples.classNames,
    ...(samples.superclassOf ? { superclassOf: samples.superclassOf, superclassNames: samples.superclassNames } : {}),
    split: { testShare: options.testShare, seed: options.seed },
    train: take(train),
    test: take(test),
  };
}

/** What the page and the runner know of a local dataset: its shape, classes, split sizes and teacher. */
export function localFacts(dataset: Dataset, teacher: LocalFacts['teacher'], teacherTestAccuracy: number): LocalFacts {
  return {
    name: (dataset.name ?? 'local').slice(0, 80),
    featureShape: dataset.featureShape,
    classNames: dataset.classNames,
    trainCount: dataset.train.count,
    testCount: dataset.test.count,
    teacher,
    teacherTestAccuracy,
    ...(dataset.superclassNames ? { superclassNames: dataset.superclassNames } : {}),
  };
}
