// What the readers of a dataset of one's own share: the samples before the split, the limits'
// checks, class and superclass names, and the CSV plumbing (rows with their line, for a refusal).
import Papa from 'papaparse';
import { LOCAL_LIMITS } from './local-limits';
import { LogitsFileError } from './logits-file';

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
  /** What resizing did to an image folder (see `resizedNote`), absent when nothing was resized. */
  resized?: string;
}

export function sortedNames(values: Iterable<string>): string[] {
  const names = [...new Set(values)];
  const numeric = names.every((n) => /^-?\d+$/.test(n));
  return numeric ? names.sort((a, b) => Number(a) - Number(b)) : names.sort();
}

export function checkCounts(file: string, count: number, perSample: number, classes: number): void {
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
export function superclasses(
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

/**
 * A CSV's text with its line breaks as `\n`: a file written with old Mac line endings (CR
 * alone) read as one line, "0 samples". CR-LF and LF files are left as they are.
 */
export function csvText(text: string): string {
  const bare = text.replace(/^\uFEFF/, '');
  return !bare.includes('\n') && bare.includes('\r') ? bare.replace(/\r/g, '\n') : bare;
}

/** `line N` of the character at `offset` (counted only when a row is refused, so parsing stays linear). */
export function lineAt(text: string, offset: number): string {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return `line ${line}`;
}

/**
 * Rows of a CSV, parsed by Papa Parse (quoted fields with commas, quotes and line breaks),
 * trimmed outside quotes; `start` is where the row begins in the text (for {@link lineAt}).
 */
export function csvRows(file: string, text: string, onRow: (cells: string[], start: number) => void): void {
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
export function rowBound(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
