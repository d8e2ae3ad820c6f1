// The fused DKD loss as plain loops over typed arrays: the kernel of the CPU and WASM
// backends, with the formulas the WGSL and GLSL programs follow. Per sample, in float64: the
// label, the non-target log-sum-exps of teacher and student (one exponential per class each),
// those over every class from them, the loss, then the gradient in closed form (derived in dkd.ts).
import { rowMoments, STD_EPSILON, writeGradient } from './pcd-host';
import type { DkdKernelAttrs } from './dkd-attrs';

export interface DkdHostResult {
  /** `[B]` each sample's `τ² · (α·TCKD + β·NCKD)`. */
  losses: Float32Array;
  /** `[B, C]` ∂(sample b's loss)/∂(its student logits). */
  grad: Float32Array;
}

/** The label of a one-hot row: its first entry above ½ (0 for a row with none, as no label is). */
export function labelOf(oneHot: ArrayLike<number>, offset: number, classes: number): number {
  for (let c = 0; c < classes; c++) if (oneHot[offset + c] > 0.5) return c;
  return 0;
}

/** `log(e^a + e^b)`, exact for any two finite numbers. */
function logAddExp(a: number, b: number): number {
  const max = Math.max(a, b);
  return max + Math.log1p(Math.exp(Math.min(a, b) - max));
}

/**
 * `log Σ_{c ≠ y} exp(u_c)`, the exponentials `exp(u_c − max)` left in `e` (their sum is
 * `exp(lse − max)`): the non-target softmax is `e_c / that sum`, with no second exponential.
 */
function restLogSumExp(u: Float64Array, y: number, e: Float64Array): { lse: number; sum: number } {
  let max = -Infinity;
  for (let c = 0; c < u.length; c++) if (c !== y && u[c] > max) max = u[c];
  let sum = 0;
  for (let c = 0; c < u.length; c++) {
    e[c] = c === y ? 0 : Math.exp(u[c] - max);
    sum += e[c];
  }
  return { lse: max + Math.log(sum), sum };
}

export function dkdHost(
  studentLogits: ArrayLike<number>,
  teacherLogits: ArrayLike<number>,
  oneHot: ArrayLike<number>,
  batch: number,
  classes: number,
  { temperature: tau, alpha, beta, standardize }: DkdKernelAttrs,
): DkdHostResult {
  const losses = new Float32Array(batch);
  const grad = new Float32Array(batch * classes);
  const us = new Float64Array(classes);
  const ut = new Float64Array(classes);
  const gz = new Float64Array(classes);
  const es = new Float64Array(classes);
  const et = new Float64Array(classes);
  for (let b = 0; b < batch; b++) {
    const offset = b * classes;
    const student = standardize ? rowMoments(studentLogits, offset, classes) : null;
    const teacher = standardize ? rowMoments(teacherLogits, offset, classes) : null;
    for (let c = 0; c < classes; c++) {
      const zs = studentLogits[offset + c];
      const zt = teacherLogits[offset + c];
      us[c] = (student ? (zs - student.mean) / (student.std + STD_EPSILON) : zs) / tau;
      ut[c] = (teacher ? (zt - teacher.mean) / (teacher.std + STD_EPSILON) : zt) / tau;
    }
    const y = labelOf(oneHot, offset, classes);
    const restS = restLogSumExp(us, y, es);
    const restT = restLogSumExp(ut, y, et);
    // Over every class: the target's term added to the rest's in log space.
    const lseS = logAddExp(us[y], restS.lse);
    const lseT = logAddExp(ut[y], restT.lse);
    // TCKD over [target, the rest]; NCKD over the non-target classes renormalised (docs/spec.md, DKD).
    const logTargetT = ut[y] - lseT;
    const logRestT = restT.lse - lseT;
    const logTargetS = us[y] - lseS;
    const logRestS = restS.lse - lseS;
    const tckd = Math.exp(logTargetT) * (logTargetT - logTargetS) + Math.exp(logRestT) * (logRestT - logRestS);
    let nckd = 0;
    for (let c = 0; c < classes; c++) {
      if (c !== y) nckd += (et[c] / restT.sum) * (ut[c] - restT.lse - (us[c] - restS.lse));
    }
    losses[b] = tau * tau * (alpha * tckd + beta * nckd);
    // ∂/∂u: TCKD gives p_s,y − p_t,y at the target and q_s,c·(p_t,y − p_s,y) elsewhere; NCKD q_s,c − q_t,c off the target; ∂u/∂z = 1/τ.
    const targetS = Math.exp(logTargetS);
    const targetT = Math.exp(logTargetT);
    for (let c = 0; c < classes; c++) {
      if (c === y) {
        gz[c] = tau * alpha * (targetS - targetT);
        continue;
      }
      const qs = es[c] / restS.sum;
      const qt = et[c] / restT.sum;
      gz[c] = tau * (alpha * qs * (targetT - targetS) + beta * (qs - qt));
    }
    writeGradient(gz, studentLogits, offset, student, grad);
  }
  return { losses, grad };
}
