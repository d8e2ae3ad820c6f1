/**
 * Periodic evaluation metrics, from host arrays of test logits: accuracy, per-class
 * accuracy, the confusion matrix, and how well the student reproduces the teacher: top-1
 * agreement and, for the low-probability classes PCD is about, the KL divergence between
 * teacher and student over the non-target classes and the rank correlation of their
 * non-target probabilities.
 */
import { logSumExp } from '../data/host-math';

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

/** Log-softmax over the classes other than `target`. */
function nonTargetLogProbs(row: Float32Array, target: number): Float64Array {
  const logSum = logSumExp(row, { skip: target });
  const out = new Float64Array(row.length - 1);
  for (let c = 0, j = 0; c < row.length; c++) if (c !== target) out[j++] = row[c] - logSum;
  return out;
}

/** Ranks with ties averaged (for Spearman's correlation). */
function averageRanks(values: Float64Array): Float64Array {
  const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2;
    i = j + 1;
  }
  return ranks;
}

export function spearman(a: Float64Array, b: Float64Array): number {
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = a.length;
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

/** −log softmax(row)[label], computed stably. */
export function crossEntropy(row: Float32Array, label: number): number {
  return logSumExp(row) - row[label];
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
      const teacher = teacherLogits.subarray(i * classes, (i + 1) * classes);
      if (argmax(teacher) === predicted) agree++;
      const logP = nonTargetLogProbs(teacher, label);
      const logQ = nonTargetLogProbs(student, label);
      let kl = 0;
      for (let c = 0; c < logP.length; c++) kl += Math.exp(logP[c]) * (logP[c] - logQ[c]);
      klSum += kl;
      rhoSum += spearman(logP, logQ); // log is monotone: same ranks as the probabilities
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
