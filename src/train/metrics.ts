/**
 * Periodic evaluation metrics, from host arrays of test logits: accuracy, per-class
 * accuracy, the confusion matrix, and how well the student reproduces the teacher: top-1
 * agreement and, for the low-probability classes PCD is about, the KL divergence between
 * teacher and student over the non-target classes and the rank correlation of their
 * non-target probabilities.
 */

export interface EvaluationMetrics {
  testAccuracy: number;
  /** Mean cross-entropy of the student on the test split. */
  testLoss: number;
  perClassAccuracy: number[];
  /**
   * 1 where the student's top class is the label, per test sample in the split's order: two
   * runs evaluated on the same samples are compared sample by sample (McNemar's test in
   * config/verdict.ts). Empty once the page has thinned an older evaluation.
   */
  correct: Uint8Array;
  /** `C × C` counts, row = true class, column = predicted class. */
  confusion: Int32Array;
  /** Share of test samples where student and teacher predict the same class. */
  teacherAgreement: number | null;
  /** Mean KL(teacher ‖ student) of the softmax renormalised over the non-target classes. */
  nonTargetKl: number | null;
  /** Mean Spearman correlation of teacher and student probabilities over the non-target classes. */
  nonTargetRankCorrelation: number | null;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

/** log Σ exp(row[c]) over c ≠ `skip` (−1: every class); the same numbers as host-math's logSumExp, without its options. */
function rowLogSumExp(row: Float32Array, skip: number): number {
  let top = -Infinity;
  for (let c = 0; c < row.length; c++) if (c !== skip && row[c] > top) top = row[c];
  let sum = 0;
  for (let c = 0; c < row.length; c++) if (c !== skip) sum += Math.exp(row[c] - top);
  return top + Math.log(sum);
}

/** Log-softmax over the classes other than `target`, into `out` (a new array when not given). */
function nonTargetLogProbs(row: Float32Array, target: number, out = new Float64Array(row.length - 1)): Float64Array {
  const logSum = rowLogSumExp(row, target);
  for (let c = 0, j = 0; c < row.length; c++) if (c !== target) out[j++] = row[c] - logSum;
  return out;
}

/**
 * Ranks from 0 with ties averaged (for Spearman's correlation): a native numeric sort of a copy,
 * then each value's first place in it by binary search and its last by a scan (several times faster than
 * sorting indices with a comparator, which the evaluation of every run did for every sample).
 */
export function averageRanks(values: Float64Array): Float64Array {
  const sorted = values.slice().sort();
  const n = values.length;
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let first = 0;
    let end = n;
    while (first < end) {
      const mid = (first + end) >> 1;
      if (sorted[mid] < v) first = mid + 1;
      else end = mid;
    }
    let last = first + 1; // ties are rare: a scan past them is cheaper than a second search
    while (last < n && sorted[last] === v) last++;
    ranks[i] = (first + last - 1) / 2;
  }
  return ranks;
}

/** Places a packed sort key keeps for an index: 2^10, past the 1,000 classes a dataset may have. */
const KEY_SLOTS = 1024;

/** A float32 row's values and sort keys, reused from sample to sample. */
interface RankScratch {
  value: Float32Array;
  bits: Uint32Array;
  keys: Float64Array;
}

export function rankScratch(size: number): RankScratch {
  const value = new Float32Array(1);
  return { value, bits: new Uint32Array(value.buffer), keys: new Float64Array(size) };
}

/**
 * {@link averageRanks} of a float32 row's entries other than `skip` (into `out`, `row.length − 1`
 * long), by one native sort of packed keys: each entry's float32 bits made order-preserving,
 * times 1,024, plus its place, exact in a float64 (< 2^42), so the sorted keys are the order
 * itself and equal values are adjacent. A logit row's ranks are its probabilities' (softmax is
 * monotone). Rows over 1,024 classes rank their log-probabilities with {@link averageRanks}.
 */
export function rowRanks(row: Float32Array, skip: number, scratch: RankScratch, out: Float64Array): Float64Array {
  const n = row.length - 1;
  if (n >= KEY_SLOTS) return averageRanks(nonTargetLogProbs(row, skip)).slice();
  const { value, bits, keys } = scratch;
  for (let c = 0, j = 0; c < row.length; c++) {
    if (c === skip) continue;
    value[0] = row[c] + 0; // −0 as 0: equal values, one key
    const b = bits[0];
    keys[j] = (b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0) * KEY_SLOTS + j;
    j++;
  }
  const sorted = keys.subarray(0, n).sort();
  for (let first = 0; first < n;) {
    const high = Math.floor(sorted[first] / KEY_SLOTS);
    let last = first + 1;
    while (last < n && Math.floor(sorted[last] / KEY_SLOTS) === high) last++;
    const rank = (first + last - 1) / 2;
    for (let k = first; k < last; k++) out[sorted[k] % KEY_SLOTS] = rank;
    first = last;
  }
  return out;
}

/** Spearman's correlation of two rank vectors (as {@link averageRanks} gives them). */
function rankCorrelation(ra: Float64Array, rb: Float64Array): number {
  const n = ra.length;
  const mean = (n - 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) ** 2;
    vb += (rb[i] - mean) ** 2;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

export function spearman(a: Float64Array, b: Float64Array): number {
  return rankCorrelation(averageRanks(a), averageRanks(b));
}

/** A teacher's test sample as every run's evaluation reads it: its non-target log-probabilities and their ranks. */
interface TeacherSample {
  label: number;
  logP: Float64Array;
  /** exp(logP): the teacher's non-target probabilities. */
  p: Float64Array;
  ranks: Float64Array;
  /** The teacher's top class. */
  top: number;
}

/**
 * The teacher's side of the non-target metrics, kept per row of its logits array (by the
 * array's buffer): the same for every run and seed and every evaluation of a session, so it
 * is computed once instead of once per run per evaluation. A row read with another label is
 * computed again.
 */
const teacherSamples = new WeakMap<ArrayBufferLike, (TeacherSample | undefined)[]>();

function teacherSample(teacherLogits: Float32Array, i: number, classes: number, label: number): TeacherSample {
  let rows = teacherSamples.get(teacherLogits.buffer);
  if (!rows) teacherSamples.set(teacherLogits.buffer, (rows = []));
  const at = teacherLogits.byteOffset / 4 / classes + i;
  const kept = Number.isInteger(at) ? rows[at] : undefined;
  if (kept && kept.label === label) return kept;
  const row = teacherLogits.subarray(i * classes, (i + 1) * classes);
  const logP = nonTargetLogProbs(row, label);
  const sample = { label, logP, p: logP.map(Math.exp), ranks: averageRanks(logP), top: argmax(row) };
  if (Number.isInteger(at)) rows[at] = sample;
  return sample;
}

/** −log softmax(row)[label], computed stably. */
export function crossEntropy(row: Float32Array, label: number): number {
  return rowLogSumExp(row, -1) - row[label];
}

export function evaluationMetrics(
  studentLogits: Float32Array,
  teacherLogits: Float32Array | null,
  labels: Int32Array,
  classes: number,
): EvaluationMetrics {
  const count = labels.length;
  const confusion = new Int32Array(classes * classes);
  const correctness = new Uint8Array(count);
  const perClassTotal = new Array<number>(classes).fill(0);
  let correct = 0;
  let agree = 0;
  let klSum = 0;
  let rhoSum = 0;
  let lossSum = 0;
  const studentBuffer = new Float64Array(classes - 1);
  const studentRanks = new Float64Array(classes - 1);
  const scratch = rankScratch(classes - 1);
  for (let i = 0; i < count; i++) {
    const student = studentLogits.subarray(i * classes, (i + 1) * classes);
    const predicted = argmax(student);
    lossSum += crossEntropy(student, labels[i]);
    const label = labels[i];
    confusion[label * classes + predicted]++;
    perClassTotal[label]++;
    if (predicted === label) {
      correct++;
      correctness[i] = 1;
    }
    if (teacherLogits) {
      const { logP, p, ranks, top } = teacherSample(teacherLogits, i, classes, label);
      if (top === predicted) agree++;
      const logQ = nonTargetLogProbs(student, label, studentBuffer);
      let kl = 0;
      for (let c = 0; c < logP.length; c++) kl += p[c] * (logP[c] - logQ[c]);
      klSum += kl;
      rhoSum += rankCorrelation(ranks, rowRanks(student, label, scratch, studentRanks));
    }
  }
  return {
    testAccuracy: correct / count,
    testLoss: lossSum / count,
    perClassAccuracy: perClassTotal.map((total, c) => (total ? confusion[c * classes + c] / total : 0)),
    confusion,
    correct: correctness,
    teacherAgreement: teacherLogits ? agree / count : null,
    nonTargetKl: teacherLogits ? klSum / count : null,
    nonTargetRankCorrelation: teacherLogits ? rhoSum / count : null,
  };
}
