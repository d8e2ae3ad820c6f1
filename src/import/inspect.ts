// The PCD inspector's computation: every diagnostic of PCD for a file of teacher and
// student logits, for any option, with KD, DKD and CE beside it. Plain loops (the fused
// kernel's host implementation, src/kernels/pcd-host.ts), no TF.js; the inspector runs them
// in a worker of its own, in blocks of samples (src/import/inspector.worker.ts), so a large
// file never freezes the page.
import type { PcdOptions } from '../distill/pcd';
import { groupCount, stageGroupsFromRanks, stageWeights } from '../kernels/pcd-attrs';
import { pcdHost, rowMoments, STD_EPSILON, type PcdHostResult } from '../kernels/pcd-host';
import type { LogitsData } from './logits-file';
import { DKD_DEFAULTS } from '../distill/methods';
import { ceHost } from '../kernels/ce-host';
import { dkdHost } from '../kernels/dkd-host';

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

/** Each row standardized as the loss sees it (docs/spec.md), with the kernel's own moments. */
function standardizedRows(values: Float32Array, batch: number, classes: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let b = 0; b < batch; b++) {
    const { mean, std } = rowMoments(values, b * classes, classes);
    for (let c = 0; c < classes; c++) out[b * classes + c] = (values[b * classes + c] - mean) / (std + STD_EPSILON);
  }
  return out;
}

/** The mean of a block's per-sample losses, summed in float64. */
function meanOf(losses: Float32Array): number {
  let sum = 0;
  for (const loss of losses) sum += loss;
  return sum / losses.length;
}

/** The samples of a logits file an inspection is computed from (the rest of LogitsData is the page's). */
type Inspected = Pick<LogitsData, 'batch' | 'classes' | 'teacher' | 'student' | 'labels'>;

/** An inspection of `batch` samples, zero-filled, for {@link inspectRows} to fill. */
function emptyInspection({ batch, classes, labels }: Inspected, options: PcdOptions): Inspection {
  const groups = groupCount(options.stages);
  return {
    options,
    pcd: {
      loss: 0,
      stageLosses: new Float32Array(options.stages),
      grad: new Float32Array(batch * classes),
      ranks: new Float32Array(batch * classes),
      groupLosses: new Float32Array(batch * groups),
      lambdas: new Float32Array(batch * groups),
    },
    stageGroups: new Int32Array(batch * options.stages * classes),
    gaps: new Float32Array(batch * classes),
    kd: { loss: 0, grad: new Float32Array(batch * classes) },
    dkd: labels ? { loss: 0 } : null,
    ce: labels ? { loss: 0 } : null,
  };
}

/**
 * Rows `from … to` of the inspection into `out`: every loss is a batch mean of per-sample
 * terms, so a block's means count for its share of the batch (`n / B`), and its gradients,
 * which carry `1 / n`, are scaled the same way; per-sample values are copied in place.
 */
function inspectRows(data: Inspected, options: PcdOptions, from: number, to: number, out: Inspection): void {
  const { batch, classes, labels } = data;
  const n = to - from;
  const share = n / batch;
  const rows = <T extends Float32Array | Int32Array>(values: T, width: number) => values.subarray(from * width, to * width) as T;
  const teacher = rows(data.teacher, classes);
  const student = rows(data.student, classes);
  const pcd = pcdHost(student, teacher, n, classes, {
    stages: options.stages,
    temperature: options.temperature,
    alpha: options.alpha,
    adaptive: options.adaptive,
    ranking: options.ranking,
    standardize: options.standardizeLogits,
    stageWeights: stageWeights(options),
    diagnostics: true,
  });
  const kd = pcdHost(student, teacher, n, classes, {
    stages: 1,
    temperature: options.temperature,
    alpha: 1,
    adaptive: false,
    ranking: false,
    standardize: options.standardizeLogits,
    stageWeights: [1],
    diagnostics: false,
  });
  const groups = groupCount(options.stages);
  out.pcd.loss += pcd.loss * share;
  pcd.stageLosses.forEach((loss, k) => (out.pcd.stageLosses[k] += loss * share));
  out.pcd.grad.set(
    pcd.grad.map((g) => g * share),
    from * classes,
  );
  out.pcd.ranks.set(pcd.ranks, from * classes);
  out.pcd.groupLosses.set(pcd.groupLosses, from * groups);
  out.pcd.lambdas.set(pcd.lambdas, from * groups);
  out.stageGroups.set(stageGroupsFromRanks(pcd.ranks, n, options.stages, classes), from * options.stages * classes);
  out.kd.loss += kd.loss * share;
  out.kd.grad.set(
    kd.grad.map((g) => g * share),
    from * classes,
  );
  const zt = options.standardizeLogits ? standardizedRows(teacher, n, classes) : teacher;
  const zs = options.standardizeLogits ? standardizedRows(student, n, classes) : student;
  for (let i = 0; i < n * classes; i++) out.gaps[from * classes + i] = Math.abs(zt[i] - zs[i]);
  if (labels && out.dkd && out.ce) {
    const y = labels.subarray(from, to);
    // The kernels' own host losses (the CPU and WASM backends train with them), on a one-hot of the block's labels.
    const oneHot = new Float32Array(n * classes);
    y.forEach((label, b) => (oneHot[b * classes + label] = 1));
    const { alpha, beta } = DKD_DEFAULTS;
    const dkd = dkdHost(student, teacher, oneHot, n, classes, {
      temperature: options.temperature,
      alpha,
      beta,
      standardize: options.standardizeLogits,
    });
    out.dkd.loss += meanOf(dkd.losses) * share;
    out.ce.loss += meanOf(ceHost(student, oneHot, n, classes).losses) * share;
  }
}

/** Every PCD diagnostic for `data` under `options` (the bare terms: α as given), and KD, DKD (the spec's α and β, DKD_DEFAULTS) and CE for comparison. */
export function inspect(data: Inspected, options: PcdOptions): Inspection {
  const out = emptyInspection(data, options);
  inspectRows(data, options, 0, data.batch, out);
  return out;
}

/**
 * {@link inspect} in blocks of `rows` samples, awaiting `between(done, total)` after each (the
 * inspector's worker yields there, reports progress, and learns whether a newer request
 * superseded this one: `between` then answers true and the result is null).
 */
export async function inspectInBlocks(
  data: Inspected,
  options: PcdOptions,
  rows: number,
  between: (done: number, total: number) => Promise<boolean>,
): Promise<Inspection | null> {
  const out = emptyInspection(data, options);
  for (let from = 0; from < data.batch; from += rows) {
    const to = Math.min(data.batch, from + rows);
    inspectRows(data, options, from, to, out);
    if (await between(to, data.batch)) return null;
  }
  return out;
}

/** The inspection as plain JSON (what the page's export writes). */
export function inspectionJson(data: Pick<LogitsData, 'batch' | 'classes' | 'classNames'>, result: Inspection): object {
  const rows = <T extends ArrayLike<number>>(values: T, width: number) =>
    Array.from({ length: data.batch }, (_, b) => Array.from(values).slice(b * width, (b + 1) * width));
  const groups = groupCount(result.options.stages);
  return {
    about:
      'PCD inspector export: docs/spec.md terms for the logits file (loss = α · Σ_k w_k · L_k; groupLosses and lambdas per slot: stage 1, then stage 2’s two groups, …)',
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
