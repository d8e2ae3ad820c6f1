// Whether a teacher's logits columns follow the dataset's class order. Logits written in
// another order (two columns swapped, every column shifted by one) load without a fault and
// give a teacher that is right only where the order happens to agree; the accuracy alone says
// little when most classes are in place. What the labels and the teacher's argmax say, class
// by class, names it: a class whose samples the teacher mostly puts in one other column.

import type { Dataset } from '../data/dataset';

/** A class is misplaced when at least this share of its samples has its top logit in one same other column. */
const MISPLACED_SHARE = 0.5;

/**
 * A sentence naming the columns that look misordered ("columns 8 and 9 look swapped"; "the
 * columns look shifted by 1"; "column "cat" holds class "dog"'s logits"), or null when every
 * class's samples mostly have their top logit in their own column (or a class has no sample).
 * `logits` `[N, C]`, `labels` `[N]` (indices into `names`, the page's class order).
 */
export function columnOrderCheck(logits: Float32Array, labels: Int32Array, names: readonly string[]): string | null {
  const classes = names.length;
  const count = labels.length;
  const confusion = new Int32Array(classes * classes);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c] > logits[i * classes + best]) best = c;
    confusion[labels[i] * classes + best]++;
  }
  /** For each class, the other column most of its samples' top logits fall in, or -1. */
  const moved = names.map((_, c) => {
    let total = 0;
    let top = c;
    for (let k = 0; k < classes; k++) {
      total += confusion[c * classes + k];
      if (confusion[c * classes + k] > confusion[c * classes + top]) top = k;
    }
    return top !== c && total > 0 && confusion[c * classes + top] >= MISPLACED_SHARE * total ? top : -1;
  });
  const misplaced = moved.map((to, c) => ({ from: c, to })).filter((m) => m.to >= 0);
  if (!misplaced.length) return null;
  const label = (c: number) => `${c} ("${names[c].slice(0, 30)}")`;
  // Every class moved by the same offset: a shift.
  const offsets = new Set(misplaced.map((m) => (m.to - m.from + classes) % classes));
  if (misplaced.length >= Math.max(2, classes - 1) && offsets.size === 1) {
    const k = [...offsets][0];
    return `the logits' columns look shifted by ${k > classes / 2 ? k - classes : k}: most samples of every class have their top logit ${Math.abs(k > classes / 2 ? k - classes : k)} column${Math.abs(k) === 1 ? '' : 's'} away`;
  }
  const said = new Set<number>();
  const parts: string[] = [];
  for (const { from, to } of misplaced) {
    if (said.has(from)) continue;
    if (moved[to] === from) {
      parts.push(`columns ${label(from)} and ${label(to)} look swapped`);
      said.add(to);
    } else parts.push(`most samples of class ${label(from)} have their top logit in column ${label(to)}`);
    said.add(from);
  }
  const shown = parts.slice(0, 3).join('; ') + (parts.length > 3 ? `; and ${parts.length - 3} more` : '');
  return `the logits' columns look out of order: ${shown}. The columns must follow the classes in the page's order (${names
    .slice(0, 12)
    .map((n) => `"${n.slice(0, 20)}"`)
    .join(', ')}${names.length > 12 ? ', …' : ''})`;
}

/** {@link columnOrderCheck} on every sample (both splits) of a dataset whose teacher came as logits; null without them. */
export function logitsOrderCaution(dataset: Dataset): string | null {
  const { train, test } = dataset;
  if (!train.teacherLogits || !test.teacherLogits) return null;
  const logits = new Float32Array(train.teacherLogits.length + test.teacherLogits.length);
  logits.set(train.teacherLogits);
  logits.set(test.teacherLogits, train.teacherLogits.length);
  const labels = new Int32Array(train.count + test.count);
  labels.set(train.labels);
  labels.set(test.labels, train.count);
  return columnOrderCheck(logits, labels, dataset.classNames);
}
