// A dataset of one's own from a CSV of features: one row per sample, a label column and
// optionally a superclass column, parsed with Papa Parse; every refusal names the line.
import { megabytes as MB } from '../data/text';
import Papa from 'papaparse';
import { DECIMAL } from '../data/decimal';
import { checkCounts, csvRows, csvText, lineAt, rowBound, sortedNames, superclasses, type LocalSamples } from './local-samples';
import { LOCAL_LIMITS, NAME_LIMIT } from './local-limits';
import { LogitsFileError, utf8 } from './logits-file';

/** Names a label column goes by (any case), looked for when none is given. */
export const LABEL_NAMES = ['label', 'target', 'class', 'y'];

export interface CsvOptions {
  /** The label column's name; default the one called label, else target, class or y (any case), else the last column. */
  labelColumn?: string;
  /** An optional column naming each sample's superclass (constant within a class). */
  superclassColumn?: string;
}

/**
 * A CSV of features: a header naming the columns, then one sample per line; the label
 * column (named, or called label, target, class or y, or the last) holds class names or indices, every other column but the
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
  const text = csvText(utf8(file, bytes));
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
  // Unnamed, the label column is one called label, else target, class or y (any case), else the last.
  const lower = header.map((h) => h.toLowerCase());
  const named = LABEL_NAMES.map((n) => lower.indexOf(n)).find((i) => i >= 0) ?? -1;
  const guessed = !options.labelColumn && named < 0;
  const labelAt = options.labelColumn ? column(options.labelColumn, 'label') : named >= 0 ? named : header.length - 1;
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
      // Written non-zero, read as 0 (1e-400): refused, not trained on as a 0 nobody wrote.
      if (value === 0 && /[1-9]/.test(cell.split(/e/i)[0]))
        throw new LogitsFileError(
          file,
          `${line()}, column "${header[c].slice(0, 30)}"`,
          `${cell.slice(0, 20)} is too close to 0 for a number (it reads as 0)`,
        );
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
  // A last column taken as the label that holds a feature's values (decimals, nearly one per
  // row) would make hundreds of one-sample "classes": named, not trained on.
  if (guessed && classNames.length > Math.max(20, count / 2) && labelNames.every((v) => DECIMAL.test(v)))
    throw new LogitsFileError(
      file,
      'line 1',
      `no column is called ${LABEL_NAMES.join(', ')}, and the last one, "${header[labelAt].slice(0, 30)}", holds ${classNames.length.toLocaleString('en')} different numbers in ${count.toLocaleString('en')} rows: a feature, not labels: name the label column`,
    );
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
