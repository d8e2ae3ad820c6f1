// A dataset of one's own, from a CSV of features or a folder of images, and its teacher's
// logits from a file: parsed, checked and split here with no TF.js and no DOM (the image
// decoder is passed in), so every rule is unit-tested in Node. Every refusal names the
// file, the line, column or field, and what was expected; nothing is half-loaded.
import Papa from 'papaparse';
import type { Dataset, DatasetSplit } from '../data/dataset';
import { SeededRandom } from '../data/random';
import { LOCAL_LIMITS, NAME_LIMIT } from './local-limits';
import { LogitsFileError, readNpy, utf8 } from './logits-file';

export { LOCAL_LIMITS } from './local-limits';

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
  /** A folder's files skipped as hidden or system files (see {@link isHiddenOrSystem}). */
  skipped?: string[];
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
  if (count > LOCAL_LIMITS.samples)
    throw new LogitsFileError(file, null, `${count.toLocaleString('en')} samples: at most ${LOCAL_LIMITS.samples.toLocaleString('en')}`);
  if (perSample > LOCAL_LIMITS.featuresPerSample)
    throw new LogitsFileError(
      file,
      null,
      `${perSample.toLocaleString('en')} values per sample: at most ${LOCAL_LIMITS.featuresPerSample.toLocaleString('en')}`,
    );
  if (count * perSample > LOCAL_LIMITS.values)
    throw new LogitsFileError(
      file,
      null,
      `${count.toLocaleString('en')} × ${perSample.toLocaleString('en')} values: at most ${LOCAL_LIMITS.values.toLocaleString('en')} in all`,
    );
  if (classes < 2) throw new LogitsFileError(file, null, `${classes} class: expected at least 2`);
  if (classes > LOCAL_LIMITS.classes)
    throw new LogitsFileError(file, null, `${classes.toLocaleString('en')} classes: at most ${LOCAL_LIMITS.classes.toLocaleString('en')}`);
}

/** A superclass per class from one per sample: the same for every sample of a class. */
function superclasses(
  file: string,
  labels: Int32Array,
  perSample: string[],
  classNames: string[],
  where: (i: number) => string,
): { superclassOf: number[]; superclassNames: string[] } {
  const superclassNames = sortedNames(perSample);
  const index = new Map(superclassNames.map((n, i) => [n, i]));
  const superclassOf = new Array<number>(classNames.length).fill(-1);
  perSample.forEach((name, i) => {
    const s = index.get(name)!;
    const c = labels[i];
    if (superclassOf[c] >= 0 && superclassOf[c] !== s) {
      throw new LogitsFileError(
        file,
        where(i),
        `superclass "${name.slice(0, 30)}" for class "${classNames[c].slice(0, 30)}", which is also in "${superclassNames[superclassOf[c]].slice(0, 30)}": expected one superclass per class`,
      );
    }
    superclassOf[c] = s;
  });
  return { superclassOf, superclassNames };
}

export { NAME_LIMIT } from './local-limits';

/** `line N` of the character at `offset` (counted only when a row is refused, so parsing stays linear). */
function lineAt(text: string, offset: number): string {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return `line ${line}`;
}

/**
 * Rows of a CSV, parsed by Papa Parse (quoted fields with commas, quotes and line breaks),
 * trimmed outside quotes; `start` is where the row begins in the text (for {@link lineAt}).
 */
function csvRows(file: string, text: string, onRow: (cells: string[], start: number) => void): void {
  let failure: unknown = null;
  let rowStart = 0;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    skipEmptyLines: true,
    step: (result, parser) => {
      let start = rowStart;
      while (text[start] === '\n' || text[start] === '\r') start++;
      rowStart = result.meta.cursor;
      if (failure) return;
      try {
        if (result.errors.length)
          throw new LogitsFileError(file, lineAt(text, start), `${result.errors[0].message.toLowerCase()} (a quote opened and not closed?)`);
        onRow(
          result.data.map((cell) => cell.trim()),
          start,
        );
      } catch (error) {
        failure = error;
        parser.abort();
      }
    },
  });
  if (failure) throw failure;
}

/** The number of rows a CSV can have at most (its line breaks, plus one): an upper bound known before parsing. */
function rowBound(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A CSV of features: a header naming the columns, then one sample per line; the label
 * column (`label`, or the last) holds class names or indices, every other column but the
 * optional superclass column is a decimal feature. Classes are the distinct labels, sorted
 * (numerically when they are all whole numbers). Fields may be quoted ("cat, the animal").
 * Every limit the header and the file's line count can tell is checked before a cell is
 * read; duplicate column names are found in one pass.
 */
export function parseFeatureCsv(
  file: string,
  bytes: Uint8Array,
  options: CsvOptions = {},
  onProgress?: (done: number, total: number) => void,
): LocalSamples {
  if (bytes.length > LOCAL_LIMITS.csvBytes) throw new LogitsFileError(file, null, `${MB(bytes.length)}: at most ${MB(LOCAL_LIMITS.csvBytes)}`);
  const text = utf8(file, bytes).replace(/^\uFEFF/, '');
  const firstLine = Papa.parse<string[]>(text, { delimiter: ',', preview: 1 });
  const header = (firstLine.data[0] ?? []).map((h) => h.trim());
  // The header alone bounds the columns: a million of them is refused here, before any other work.
  const maxColumns = LOCAL_LIMITS.featuresPerSample + 2;
  if (header.length > maxColumns)
    throw new LogitsFileError(
      file,
      'line 1',
      `${header.length.toLocaleString('en')} columns: at most ${LOCAL_LIMITS.featuresPerSample.toLocaleString('en')} features per sample, a label and a superclass column`,
    );
  if (header.length < 2 || header.some((h) => h === '')) {
    throw new LogitsFileError(
      file,
      'line 1',
      `expected a header naming every column (a label column and at least one feature)${header.some((h) => h === '') ? `; column ${header.indexOf('') + 1} has no name (a pandas index? save with index=False)` : ''}`,
    );
  }
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new LogitsFileError(file, 'line 1', `column "${h.slice(0, 30)}" appears twice`);
    seen.add(h);
  }
  const column = (name: string | undefined, what: string) => {
    if (!name) return -1;
    const i = header.indexOf(name);
    if (i < 0)
      throw new LogitsFileError(
        file,
        'line 1',
        `no ${what} column "${name.slice(0, 30)}": the columns are ${header.slice(0, 8).join(', ')}${header.length > 8 ? ', …' : ''}`,
      );
    return i;
  };
  const labelAt = options.labelColumn ? column(options.labelColumn, 'label') : header.includes('label') ? header.indexOf('label') : header.length - 1;
  const superAt = column(options.superclassColumn, 'superclass');
  if (superAt === labelAt) throw new LogitsFileError(file, 'line 1', `"${header[labelAt]}" cannot be both the label and the superclass column`);
  const featureColumns = header.map((_, i) => i).filter((i) => i !== labelAt && i !== superAt);
  if (!featureColumns.length) throw new LogitsFileError(file, 'line 1', 'no feature columns: expected at least one besides the label');
  const perSample = featureColumns.length;
  // The line count bounds the samples: checked before a cell is read.
  const bound = rowBound(text.replace(/(\r?\n)+$/, '')) - 1;
  checkCounts(file, Math.min(bound, LOCAL_LIMITS.samples + 1), perSample, 2);
  const features = new Float32Array(bound * perSample);
  const labelNames: string[] = [];
  const superNames: string[] = [];
  const starts: number[] = [];
  let headerSeen = false;
  csvRows(file, text, (cells, start) => {
    if (!headerSeen) return void (headerSeen = true);
    const row = labelNames.length;
    const line = () => lineAt(text, start);
    starts.push(start);
    if (row >= LOCAL_LIMITS.samples) throw new LogitsFileError(file, line(), `more than ${LOCAL_LIMITS.samples.toLocaleString('en')} samples`);
    if (cells.length !== header.length)
      throw new LogitsFileError(
        file,
        line(),
        `${cells.length} columns: expected ${header.length}, as in the header${cells.length > header.length ? ' (a field with a comma must be quoted: "cat, the animal")' : ''}`,
      );
    for (let f = 0; f < perSample; f++) {
      const c = featureColumns[f];
      const cell = cells[c];
      if (!DECIMAL.test(cell))
        throw new LogitsFileError(
          file,
          `${line()}, column "${header[c].slice(0, 30)}"`,
          `"${cell.slice(0, 20)}" is not a decimal number (every column but the label${superAt >= 0 ? ' and the superclass' : ''} is a feature)`,
        );
      const value = Number(cell);
      if (!Number.isFinite(value) || Math.abs(value) > 3.4e38)
        throw new LogitsFileError(file, `${line()}, column "${header[c].slice(0, 30)}"`, `${cell.slice(0, 20)} is not a finite float32`);
      features[row * perSample + f] = value;
    }
    const name = (at: number, what: string) => {
      const value = cells[at];
      if (value === '') throw new LogitsFileError(file, `${line()}, column "${header[at].slice(0, 30)}"`, `empty ${what}`);
      if (value.length > NAME_LIMIT)
        throw new LogitsFileError(
          file,
          `${line()}, column "${header[at].slice(0, 30)}"`,
          `a ${what} of ${value.length.toLocaleString('en')} characters: at most ${NAME_LIMIT}`,
        );
      return value;
    };
    labelNames.push(name(labelAt, 'label'));
    if (superAt >= 0) superNames.push(name(superAt, 'superclass'));
    if (onProgress && row % 1000 === 999) onProgress(row + 1, bound);
  });
  const count = labelNames.length;
  const classNames = sortedNames(labelNames);
  checkCounts(file, count, perSample, classNames.length);
  const index = new Map(classNames.map((n, i) => [n, i]));
  const labels = Int32Array.from(labelNames, (n) => index.get(n)!);
  return {
    name: file,
    featureShape: [perSample],
    features: features.slice(0, count * perSample),
    labels,
    count,
    classNames,
    ...(superAt >= 0
      ? superclasses(file, labels, superNames, classNames, (i) => `${lineAt(text, starts[i])}, column "${header[superAt].slice(0, 30)}"`)
      : {}),
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
 * follows). Hidden and system files and folders (any path segment starting with ".",
 * `__MACOSX`, `Thumbs.db`, `desktop.ini`) are skipped and listed; any other file that is not
 * an image is refused, as are files directly in the folder and folders past the limits.
 * Classes are formed from the whole folder name.
 */
export function planImageFolder(entries: FolderEntry[], options: ImageOptions): ImagePlan {
  const [min, max] = LOCAL_LIMITS.imageSize;
  if (!Number.isInteger(options.size) || options.size < min || options.size > max)
    throw new LogitsFileError('image size', null, `${options.size}: expected a whole number ${min}…${max}`);
  if (options.channels !== 1 && options.channels !== 3)
    throw new LogitsFileError('channels', null, `${options.channels}: expected 1 (grayscale) or 3 (RGB)`);
  const root = entries[0]?.path.split('/')[0] ?? '';
  if (!entries.length) throw new LogitsFileError('folder', null, 'empty: expected one sub-folder of images per class');
  const kept: { index: number; className: string; path: string }[] = [];
  const skipped: string[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const parts = entry.path.split('/');
    const base = parts[parts.length - 1];
    // Hidden and system files and folders anywhere in the path (.ipynb_checkpoints/, .git/, __MACOSX/, Thumbs.db) are not data.
    if (parts.slice(1).some(isHiddenOrSystem)) return void skipped.push(entry.path);
    if (parts[0] !== root) throw new LogitsFileError(entry.path, null, `not in the folder "${root}": drop or pick one folder`);
    if (parts.length < 3)
      throw new LogitsFileError(entry.path, null, 'directly in the folder: expected every image in a sub-folder named after its class');
    const extension = base.toLowerCase().match(/\.([a-z]+)$/)?.[1] ?? '';
    if (!IMAGE_EXTENSIONS.includes(extension))
      throw new LogitsFileError(entry.path, null, `not an image: expected ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(', ')}`);
    if (parts[1].length > NAME_LIMIT)
      throw new LogitsFileError(entry.path, null, `a class folder name of ${parts[1].length} characters: at most ${NAME_LIMIT}`);
    bytes += entry.bytes;
    kept.push({ index, className: parts[1], path: entry.path });
  });
  if (bytes > LOCAL_LIMITS.imageBytes) throw new LogitsFileError(root, null, `${MB(bytes)} of images: at most ${MB(LOCAL_LIMITS.imageBytes)}`);
  const classNames = [...new Set(kept.map((k) => k.className))].sort();
  checkCounts(root, kept.length, options.size * options.size * options.channels, classNames.length);
  const classIndex = new Map(classNames.map((n, i) => [n, i]));
  kept.sort((a, b) => classIndex.get(a.className)! - classIndex.get(b.className)! || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { name: root, order: kept.map((k) => k.index), labels: Int32Array.from(kept, (k) => classIndex.get(k.className)!), classNames, skipped };
}

/** A folder's plan: what is decoded, in which order, as which class; what was skipped (hidden or system files). */
export interface ImagePlan {
  name: string;
  order: number[];
  labels: Int32Array;
  classNames: string[];
  /** The paths skipped as hidden or system files. */
  skipped: string[];
}

/** A path segment that is not data: hidden (`.DS_Store`, `.ipynb_checkpoints`, `.git`), macOS's archive folder, Windows' thumbnails and folder settings. */
export function isHiddenOrSystem(segment: string): boolean {
  return segment.startsWith('.') || segment === '__MACOSX' || segment === 'Thumbs.db' || segment === 'desktop.ini';
}

/** "3 hidden or system files skipped (.ipynb_checkpoints/…, __MACOSX/…)", or null. */
export function skippedNote(skipped: string[]): string | null {
  if (!skipped.length) return null;
  const examples = [...new Set(skipped.map((p) => p.split('/').slice(1).find(isHiddenOrSystem)!))].slice(0, 3);
  return `${skipped.length.toLocaleString('en')} hidden or system file${skipped.length > 1 ? 's' : ''} skipped (${examples.join(', ')}${examples.length < new Set(skipped.map((p) => p.split('/').slice(1).find(isHiddenOrSystem))).size ? ', …' : ''})`;
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
    if (pixels.length !== perSample)
      throw new LogitsFileError(entries[index].path, null, `decoded to ${pixels.length} values: expected ${perSample}`);
    features.set(pixels, i * perSample);
    if (i % 50 === 49) onProgress?.(i + 1, plan.order.length);
  }
  onProgress?.(plan.order.length, plan.order.length);
  return {
    name: plan.name,
    featureShape: [options.size, options.size, options.channels],
    features,
    labels: plan.labels,
    count: plan.order.length,
    classNames: plan.classNames,
    skipped: plan.skipped,
  };
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
    const text = utf8(file, bytes).replace(/^\uFEFF/, '');
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
