// Teacher and student logits from a file, for the PCD inspector: JSON, CSV or NPY, read
// in the inspector's worker (nothing is uploaded). Every refusal names the file, the line or field, and
// what was expected; nothing is half-loaded. No TF.js, no DOM.

import { DECIMAL } from '../data/decimal';
import Papa from 'papaparse';
import { LOGITS_LIMITS } from './local-limits';
import { megabytes } from '../data/text';

export { LOGITS_LIMITS } from './local-limits';

/** What a logits file holds once checked: B × C teacher and student logits, optional labels and class names. */
export interface LogitsData {
  batch: number;
  classes: number;
  /** `[B × C]`, row-major. */
  teacher: Float32Array;
  student: Float32Array;
  labels: Int32Array | null;
  classNames: string[];
}

export class LogitsFileError extends Error {
  constructor(file: string, where: string | null, what: string) {
    super(`${file}${where ? `, ${where}` : ''}: ${what}`);
    this.name = 'LogitsFileError';
  }
}

function checkShape(file: string, batch: number, classes: number): void {
  if (batch < 1) throw new LogitsFileError(file, null, 'no samples: expected at least one row of logits');
  if (classes < 2) throw new LogitsFileError(file, null, `${classes} class: expected at least 2 classes`);
  if (batch > LOGITS_LIMITS.samples)
    throw new LogitsFileError(file, null, `${batch.toLocaleString('en')} samples: at most ${LOGITS_LIMITS.samples.toLocaleString('en')}`);
  if (classes > LOGITS_LIMITS.classes)
    throw new LogitsFileError(file, null, `${classes.toLocaleString('en')} classes: at most ${LOGITS_LIMITS.classes.toLocaleString('en')}`);
  if (batch * classes > LOGITS_LIMITS.values) {
    throw new LogitsFileError(file, null, `${batch} × ${classes} logits per side: at most ${LOGITS_LIMITS.values.toLocaleString('en')}`);
  }
}

function finite(file: string, where: string, value: number): number {
  if (!Number.isFinite(value)) throw new LogitsFileError(file, where, `${value} is not a finite number`);
  return value;
}

function checkLabels(file: string, labels: number[] | null, batch: number, classes: number, where: (i: number) => string): Int32Array | null {
  if (!labels) return null;
  if (labels.length !== batch) throw new LogitsFileError(file, 'labels', `${labels.length} labels for ${batch} samples: expected one per sample`);
  return Int32Array.from(labels, (label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new LogitsFileError(file, where(i), `label ${label} is not a class index 0…${classes - 1}`);
    return label;
  });
}

function checkNames(file: string, names: string[] | null, classes: number): string[] {
  if (!names) return Array.from({ length: classes }, (_, c) => String(c));
  if (names.length !== classes) throw new LogitsFileError(file, 'classNames', `${names.length} names for ${classes} classes`);
  if (new Set(names).size !== names.length) throw new LogitsFileError(file, 'classNames', 'two classes have the same name');
  return names.map((name) => name.slice(0, 60));
}

/** UTF-8 text, refused if it is not (a binary file renamed, or another encoding). */
export function utf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LogitsFileError(file, null, 'not UTF-8 text (save it as UTF-8, or use the .npy format)');
  }
}

/**
 * JSON: `{"teacher": [[…], …], "student": [[…], …], "labels": [...], "classNames": [...]}`,
 * teacher and student B × C arrays of numbers; labels and classNames optional.
 */
export function parseLogitsJson(file: string, text: string): LogitsData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LogitsFileError(file, null, `not valid JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new LogitsFileError(file, null, 'expected an object with "teacher" and "student"');
  const object = json as Record<string, unknown>;
  const unknown = Object.keys(object).filter((k) => !['teacher', 'student', 'labels', 'classNames'].includes(k));
  if (unknown.length)
    throw new LogitsFileError(file, `field "${unknown[0].slice(0, 40)}"`, 'unknown: expected only teacher, student, labels, classNames');
  const matrix = (name: 'teacher' | 'student') => {
    const rows = object[name];
    if (!Array.isArray(rows)) throw new LogitsFileError(file, `field "${name}"`, 'missing or not an array of rows');
    return rows;
  };
  const teacherRows = matrix('teacher');
  const studentRows = matrix('student');
  const batch = teacherRows.length;
  const classes = Array.isArray(teacherRows[0]) ? teacherRows[0].length : 0;
  checkShape(file, batch, classes);
  if (studentRows.length !== batch)
    throw new LogitsFileError(file, 'field "student"', `${studentRows.length} rows: expected ${batch}, as many as the teacher`);
  const fill = (name: 'teacher' | 'student', rows: unknown[]) => {
    const out = new Float32Array(batch * classes);
    rows.forEach((row, b) => {
      if (!Array.isArray(row) || row.length !== classes) throw new LogitsFileError(file, `${name}[${b}]`, `expected ${classes} numbers`);
      row.forEach((value, c) => {
        if (typeof value !== 'number')
          throw new LogitsFileError(file, `${name}[${b}][${c}]`, `${JSON.stringify(value)?.slice(0, 20)} is not a number`);
        out[b * classes + c] = finite(file, `${name}[${b}][${c}]`, value);
      });
    });
    return out;
  };
  const labels = object.labels === undefined ? null : object.labels;
  if (labels !== null && !Array.isArray(labels)) throw new LogitsFileError(file, 'field "labels"', 'expected an array of class indices');
  const names = object.classNames === undefined ? null : object.classNames;
  if (names !== null && (!Array.isArray(names) || names.some((n) => typeof n !== 'string')))
    throw new LogitsFileError(file, 'field "classNames"', 'expected an array of strings');
  return {
    batch,
    classes,
    teacher: fill('teacher', teacherRows),
    student: fill('student', studentRows),
    labels: checkLabels(file, labels as number[] | null, batch, classes, (i) => `labels[${i}]`),
    classNames: checkNames(file, names as string[] | null, classes),
  };
}

/**
 * CSV: a header `role,sample[,label],<class name>,…` then, for every sample, one row with
 * role `teacher` and one with role `student` (any order). A plain decimal per logit.
 */
export function parseLogitsCsv(file: string, text: string): LogitsData {
  // Papa Parse: class names in the header may be quoted ("cat, the animal").
  const parsed = Papa.parse<string[]>(text.replace(/(\r?\n)+$/, ''), { delimiter: ',' });
  if (parsed.errors.length)
    throw new LogitsFileError(
      file,
      `line ${(parsed.errors[0].row ?? 0) + 1}`,
      `${parsed.errors[0].message.toLowerCase()} (a quote opened and not closed?)`,
    );
  const lines = parsed.data.map((row) => row.map((cell) => cell.trim()));
  if (!lines.length) throw new LogitsFileError(file, null, 'empty');
  const header = lines[0];
  if (header[0] !== 'role' || header[1] !== 'sample')
    throw new LogitsFileError(file, 'line 1', `header starts "${header.slice(0, 2).join(',')}": expected "role,sample"`);
  const hasLabel = header[2] === 'label';
  const names = header.slice(hasLabel ? 3 : 2);
  const classes = names.length;
  const rows = lines.slice(1);
  const batch = Math.ceil(rows.length / 2);
  checkShape(file, batch, classes);
  if (rows.length % 2) throw new LogitsFileError(file, null, `${rows.length} data rows: expected a teacher and a student row per sample`);
  const teacher = new Float32Array(batch * classes);
  const student = new Float32Array(batch * classes);
  const seen = { teacher: new Uint8Array(batch), student: new Uint8Array(batch) };
  const labels: number[] | null = hasLabel ? new Array<number>(batch).fill(-1) : null;
  rows.forEach((line, i) => {
    const where = `line ${i + 2}`;
    const cells = line;
    if (cells.length !== header.length)
      throw new LogitsFileError(file, where, `${cells.length} columns: expected ${header.length}, as in the header`);
    const role = cells[0];
    if (role !== 'teacher' && role !== 'student') throw new LogitsFileError(file, where, `role "${role.slice(0, 20)}": expected teacher or student`);
    const sample = Number(cells[1]);
    if (!/^\d+$/.test(cells[1]) || sample >= batch)
      throw new LogitsFileError(file, where, `sample "${cells[1].slice(0, 20)}": expected an index 0…${batch - 1}`);
    if (seen[role][sample]) throw new LogitsFileError(file, where, `a second ${role} row for sample ${sample}`);
    seen[role][sample] = 1;
    if (labels) {
      const label = cells[2];
      if (!/^\d+$/.test(label)) throw new LogitsFileError(file, where, `label "${label.slice(0, 20)}": expected a class index`);
      if (labels[sample] >= 0 && labels[sample] !== Number(label))
        throw new LogitsFileError(file, where, `label ${label} differs from the other row of sample ${sample} (${labels[sample]})`);
      labels[sample] = Number(label);
    }
    const target = role === 'teacher' ? teacher : student;
    const first = hasLabel ? 3 : 2;
    for (let c = 0; c < classes; c++) {
      const cell = cells[first + c];
      if (!DECIMAL.test(cell))
        throw new LogitsFileError(file, `${where}, column "${names[c].slice(0, 30)}"`, `"${cell.slice(0, 20)}" is not a finite number`);
      target[sample * classes + c] = finite(file, `${where}, column "${names[c].slice(0, 30)}"`, Number(cell));
    }
  });
  for (const role of ['teacher', 'student'] as const) {
    const missing = seen[role].indexOf(0);
    if (missing >= 0) throw new LogitsFileError(file, null, `no ${role} row for sample ${missing}`);
  }
  return {
    batch,
    classes,
    teacher,
    student,
    labels: checkLabels(file, labels, batch, classes, (i) => `sample ${i}`),
    classNames: checkNames(file, names, classes),
  };
}

/**
 * An .npy array (NumPy's format, version 1–3): float32 or float64, little-endian, C order;
 * its shape and a reader of its i-th value in row-major order. The data size is checked.
 */
export function readNpy(file: string, bytes: Uint8Array): { dims: number[]; value: (i: number) => number } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new LogitsFileError(file, null, 'not an .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > bytes.length) throw new LogitsFileError(file, 'header', 'truncated');
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLength));
  const descr = header.match(/'descr':\s*'([^']+)'/)?.[1];
  const fortran = header.match(/'fortran_order':\s*(True|False)/)?.[1];
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)?.[1];
  if (!descr || !fortran || shape === undefined) throw new LogitsFileError(file, 'header', `unreadable: ${header.slice(0, 80)}`);
  if (fortran === 'True') throw new LogitsFileError(file, 'header', 'Fortran order: save a C-ordered array (np.ascontiguousarray)');
  if (descr !== '<f4' && descr !== '<f8') throw new LogitsFileError(file, 'header', `dtype ${descr}: expected float32 (<f4) or float64 (<f8)`);
  const dims = shape
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new LogitsFileError(file, 'header', `shape (${dims.join(', ')}) is not a shape`);
  const width = descr === '<f4' ? 4 : 8;
  const data = start + headerLength;
  const expected = dims.reduce((a, b) => a * b, 1) * width;
  if (bytes.length - data !== expected)
    throw new LogitsFileError(
      file,
      null,
      `${(bytes.length - data).toLocaleString('en')} data bytes: expected ${expected.toLocaleString('en')} for shape (${dims.join(', ')})`,
    );
  return { dims, value: (i) => (width === 4 ? view.getFloat32(data + i * 4, true) : view.getFloat64(data + i * 8, true)) };
}

/**
 * NPY: a float32 or float64 array of shape (2, B, C), the teacher's logits at [0] and the
 * student's at [1].
 */
export function parseLogitsNpy(file: string, bytes: Uint8Array): LogitsData {
  const { dims, value } = readNpy(file, bytes);
  if (dims.length !== 3 || dims[0] !== 2)
    throw new LogitsFileError(file, 'header', `shape (${dims.join(', ')}): expected (2, B, C), teacher then student`);
  const [, batch, classes] = dims;
  checkShape(file, batch, classes);
  const read = (side: number) => {
    const out = new Float32Array(batch * classes);
    for (let i = 0; i < out.length; i++) {
      out[i] = finite(file, `${side === 0 ? 'teacher' : 'student'}[${Math.floor(i / classes)}][${i % classes}]`, value(side * batch * classes + i));
    }
    return out;
  };
  return { batch, classes, teacher: read(0), student: read(1), labels: null, classNames: checkNames(file, null, classes) };
}

/** Reads a logits file by its extension (.json, .csv, .npy), within LOGITS_LIMITS. */
export function parseLogitsFile(file: string, bytes: Uint8Array): LogitsData {
  if (bytes.length > LOGITS_LIMITS.bytes) {
    throw new LogitsFileError(file, null, `${megabytes(bytes.length)}: at most ${megabytes(LOGITS_LIMITS.bytes)}`);
  }
  const extension = file.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (extension === 'npy') return parseLogitsNpy(file, bytes);
  if (extension === 'json') return parseLogitsJson(file, utf8(file, bytes));
  if (extension === 'csv') return parseLogitsCsv(file, utf8(file, bytes));
  throw new LogitsFileError(file, null, `unknown kind ".${extension ?? ''}": expected .json, .csv or .npy`);
}
