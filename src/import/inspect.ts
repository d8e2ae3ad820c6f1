// The PCD inspector's computation: every diagnostic of PCD for a file of teacher and
// student logits, for any option, with KD, DKD and CE beside it. Plain loops on the page's
// thread (the fused kernel's host implementation, src/kernels/pcd-host.ts): no TF.js, no
// worker, so a changed option shows at once.
import type { PcdOptions } from '../distill/pcd';
import { groupCount, stageGroupsFromRanks, stageWeights } from '../kernels/pcd-attrs';
import { pcdHost, rowMoments, STD_EPSILON, type PcdHostResult } from '../kernels/pcd-host';
import type { LogitsData } from './logits-file';

export interface Inspection {
  options: PcdOptions;
  pcd: PcdHostResult;
  /** `[B, S, C]` group of every class at every stage. */
  stageGroups: Int32Array;
  /** `[B, C]` |zt − zs| on the logits the loss uses (standardized when that is on). */
  gaps: Float32Array;
  kd: { loss: number; grad: Float32Array };
  /** Needs labels. */
  dkd: { loss: number } | null;
  ce: { loss: number } | null;
}

/** Each row standardized as the loss sees it (pcd-spec.md), with the kernel's own moments. */
function standardizedRows(values: Float32Array, batch: number, classes: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let b = 0; b < batch; b++) {
    const { mean, std } = rowMoments(values, b * classes, classes);
    for (let c = 0; c < classes; c++) out[b * classes + c] = (values[b * classes + c] - mean) / (std + STD_EPSILON);
  }
  return out;
}

function logSoftmax(row: ArrayLike<number>, scale: number, skip = -1): Float64Array {
  const out = new Float64Array(row.length);
  let top = -Infinity;
  for (let c = 0; c < row.length; c++) if (c !== skip) top = Math.max(top, row[c] / scale);
  let sum = 0;
  for (let c = 0; c < row.length; c++) if (c !== skip) sum += Math.exp(row[c] / scale - top);
  const log = top + Math.log(sum);
  for (let c = 0; c < row.length; c++) out[c] = c === skip ? -Infinity : row[c] / scale - log;
  return out;
}

/** DKD (pcd-spec.md): τ² · mean_b (α·TCKD + β·NCKD), from log-probabilities. */
export function dkdHost(teacher: ArrayLike<number>, student: ArrayLike<number>, labels: ArrayLike<number>, batch: number, classes: number, tau: number, alpha: number, beta: number): number {
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const zt = Array.prototype.slice.call(teacher, b * classes, (b + 1) * classes) as number[];
    const zs = Array.prototype.slice.call(student, b * classes, (b + 1) * classes) as number[];
    const y = labels[b];
    const lp = logSoftmax(zt, tau);
    const lq = logSoftmax(zs, tau);
    const pt = Math.exp(lp[y]);
    const logNot = (lps: Float64Array) => {
      // log(1 − p_y) as log Σ_{c≠y} p_c, precise when p_y is near 1.
      let top = -Infinity;
      for (let c = 0; c < classes; c++) if (c !== y) top = Math.max(top, lps[c]);
      let sum = 0;
      for (let c = 0; c < classes; c++) if (c !== y) sum += Math.exp(lps[c] - top);
      return top + Math.log(sum);
    };
    const lpn = logNot(lp);
    const lqn = logNot(lq);
    const tckd = pt * (lp[y] - lq[y]) + Math.exp(lpn) * (lpn - lqn);
    const np = logSoftmax(zt, tau, y);
    const nq = logSoftmax(zs, tau, y);
    let nckd = 0;
    for (let c = 0; c < classes; c++) if (c !== y) nckd += Math.exp(np[c]) * (np[c] - nq[c]);
    total += alpha * tckd + beta * nckd;
  }
  return (tau * tau * total) / batch;
}

/** CE of the student logits: mean_b −log softmax(zs)_y. */
export function ceHost(student: ArrayLike<number>, labels: ArrayLike<number>, batch: number, classes: number): number {
  let total = 0;
  for (let b = 0; b < batch; b++) total -= logSoftmax(Array.prototype.slice.call(student, b * classes, (b + 1) * classes) as number[], 1)[labels[b]];
  return total / batch;
}

/** Every PCD diagnostic for `data` under `options` (the bare terms: α as given), and KD, DKD (α = 1, β = 8) and CE for comparison. */
export function inspect(data: LogitsData, options: PcdOptions): Inspection {
  const { batch, classes, teacher, student, labels } = data;
  const pcd = pcdHost(student, teacher, batch, classes, {
    stages: options.stages,
    temperature: options.temperature,
    alpha: options.alpha,
    adaptive: options.adaptive,
    ranking: options.ranking,
    standardize: options.standardizeLogits,
    stageWeights: stageWeights(options),
    diagnostics: true,
  });
  const kdResult = pcdHost(student, teacher, batch, classes, {
    stages: 1,
    temperature: options.temperature,
    alpha: 1,
    adaptive: false,
    ranking: false,
    standardize: options.standardizeLogits,
    stageWeights: [1],
    diagnostics: false,
  });
  const zt = options.standardizeLogits ? standardizedRows(teacher, batch, classes) : teacher;
  const zs = options.standardizeLogits ? standardizedRows(student, batch, classes) : student;
  const gaps = Float32Array.from(zt, (t, i) => Math.abs(t - zs[i]));
  return {
    options,
    pcd,
    stageGroups: stageGroupsFromRanks(pcd.ranks, batch, options.stages, classes),
    gaps,
    kd: { loss: kdResult.loss, grad: kdResult.grad },
    dkd: labels ? { loss: dkdHost(zt, zs, labels, batch, classes, options.temperature, 1, 8) } : null,
    ce: labels ? { loss: ceHost(student, labels, batch, classes) } : null,
  };
}

/** The inspection as plain JSON (what the page's export writes). */
export function inspectionJson(data: LogitsData, result: Inspection): object {
  const rows = <T extends ArrayLike<number>>(values: T, width: number) =>
    Array.from({ length: data.batch }, (_, b) => Array.from(values).slice(b * width, (b + 1) * width));
  const groups = groupCount(result.options.stages);
  return {
    about: 'PCD inspector export: pcd-spec.md terms for the logits file (loss = α · Σ_k w_k · L_k; groupLosses and lambdas per slot: stage 1, then stage 2’s two groups, …)',
    options: result.options,
    batch: data.batch,
    classes: data.classes,
    classNames: data.classNames,
    pcd: {
      loss: result.pcd.loss,
      stageLosses: Array.from(result.pcd.stageLosses),
      ranks: rows(result.pcd.ranks, data.classes),
      groupLosses: rows(result.pcd.groupLosses, groups),
      lambdas: rows(result.pcd.lambdas, groups),
      grad: rows(result.pcd.grad, data.classes),
    },
    kd: { loss: result.kd.loss, grad: rows(result.kd.grad, data.classes) },
    dkd: result.dkd,
    ce: result.ce,
  };
}
