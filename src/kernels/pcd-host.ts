// The fused PCD loss as plain loops over typed arrays: the kernel of the CPU and WASM
// backends, and the one-pass algorithm the WGSL and GLSL programs follow. Per sample: one
// sort of the C gaps, then per stage and group a few sums over a contiguous block of the
// sorted row, then the gradient from those sums. Accumulates in float64.
import { groupCount, groupSlot, groupStart, type PcdKernelAttrs } from './pcd-attrs';

export interface PcdHostResult {
  /** `α · Σ_k w_k · L_k`. */
  loss: number;
  /** `[S]` bare L_k. */
  stageLosses: Float32Array;
  /** `[B, C]` ∂loss/∂studentLogits. */
  grad: Float32Array;
  /** `[B, C]` rank of every class (0 = largest gap), as floats like the GPU kernels. */
  ranks: Float32Array;
  /** `[B, G]` weighted group loss D_G. */
  groupLosses: Float32Array;
  /** `[B, G]` λ_G. */
  lambdas: Float32Array;
}

export const STD_EPSILON = 1e-7;

/**
 * How far (in softened logits) a group's maximum may lie below its row's for the group to
 * share the row's exponentials: its largest term is then at least e^−150, and the product of
 * the two sums of squares λ's cosine reads at least e^−600 ≈ 1e−261, clear of float64's
 * underflow (1e−308).
 */
const SHARED_SHIFT_RANGE = 150;

/** Row statistics of logit standardization (docs/spec.md): mean and unbiased std. */
export function rowMoments(row: ArrayLike<number>, offset: number, classes: number): { mean: number; std: number } {
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += row[offset + c];
  const mean = sum / classes;
  let squares = 0;
  for (let c = 0; c < classes; c++) squares += (row[offset + c] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / (classes - 1)) };
}

/**
 * `grad[offset …]` = the gradient with respect to the raw logits, from `gz`, the gradient with
 * respect to the logits the loss used: those themselves, or their standardization (`moments`),
 * back through z = (x − μ)/(σ + ε): ∂/∂x_j = (g_j − mean g)/(σ + ε) − Σ_i g_i (x_i − μ) · (x_j − μ) / ((C − 1)·σ·(σ + ε)²).
 */
export function writeGradient(
  gz: Float64Array,
  logits: ArrayLike<number>,
  offset: number,
  moments: { mean: number; std: number } | null,
  grad: Float32Array,
): void {
  const classes = gz.length;
  if (!moments) {
    for (let c = 0; c < classes; c++) grad[offset + c] = gz[c];
    return;
  }
  const { mean, std } = moments;
  let sumG = 0;
  let sumGX = 0;
  for (let c = 0; c < classes; c++) {
    sumG += gz[c];
    sumGX += gz[c] * (logits[offset + c] - mean);
  }
  const scale = std > 0 ? sumGX / ((classes - 1) * std * (std + STD_EPSILON) ** 2) : 0;
  for (let c = 0; c < classes; c++) grad[offset + c] = (gz[c] - sumG / classes) / (std + STD_EPSILON) - scale * (logits[offset + c] - mean);
}

export function pcdHost(
  studentLogits: ArrayLike<number>,
  teacherLogits: ArrayLike<number>,
  batch: number,
  classes: number,
  attrs: PcdKernelAttrs,
): PcdHostResult {
  const { stages, temperature: tau, alpha, adaptive, ranking, standardize, stageWeights } = attrs;
  const groups = groupCount(stages);
  const grad = new Float32Array(batch * classes);
  const ranks = new Float32Array(batch * classes);
  const groupLosses = new Float32Array(batch * groups);
  const lambdas = new Float32Array(batch * groups);
  const stageSums = new Float64Array(stages);

  const zs = new Float64Array(classes);
  const zt = new Float64Array(classes);
  const gap = new Float64Array(classes);
  const byRank = new Int32Array(classes);
  const et = new Float64Array(classes);
  const es = new Float64Array(classes);
  const gz = new Float64Array(classes); // ∂loss/∂(the logits the loss uses), per class
  const ut = new Float64Array(classes);
  const us = new Float64Array(classes);
  const rowET = new Float64Array(classes);
  const rowES = new Float64Array(classes);
  const order = Array.from({ length: classes }, (_, c) => c);
  const gap32 = new Float32Array(classes);
  // The float32 gaps' bits, read through a view made once (the sort keys of every row).
  const sortKeys = { gap32, bits: new Uint32Array(gap32.buffer), keys: new Float64Array(classes) };

  for (let b = 0; b < batch; b++) {
    const offset = b * classes;
    const student = standardize ? rowMoments(studentLogits, offset, classes) : null;
    const teacher = standardize ? rowMoments(teacherLogits, offset, classes) : null;
    for (let c = 0; c < classes; c++) {
      zs[c] = student ? (studentLogits[offset + c] - student.mean) / (student.std + STD_EPSILON) : studentLogits[offset + c];
      zt[c] = teacher ? (teacherLogits[offset + c] - teacher.mean) / (teacher.std + STD_EPSILON) : teacherLogits[offset + c];
    }
    // Spec §1: largest gap first, ties to the lower class index. The gap is taken in float32,
    // as every other implementation sees it, so equal gaps stay equal.
    for (let c = 0; c < classes; c++) {
      order[c] = c;
      gap[c] = Math.fround(Math.abs(Math.fround(zt[c]) - Math.fround(zs[c])));
    }
    if (ranking) rankByGap(gap, order, sortKeys);
    for (let r = 0; r < classes; r++) {
      byRank[r] = order[r];
      ranks[offset + order[r]] = r;
    }

    // Every class's exponential once per row, shifted by the row's maxima: a group's sums are
    // then its share of these (KL, λ and the probabilities do not depend on the shift), where
    // the group's own maxima would cost C exponentials per stage. A group far below its row's
    // maximum, where these would lose precision or underflow, takes its own shift.
    let rowMaxT = -Infinity;
    let rowMaxS = -Infinity;
    for (let c = 0; c < classes; c++) {
      ut[c] = zt[c] / tau;
      us[c] = zs[c] / tau;
      rowMaxT = Math.max(rowMaxT, ut[c]);
      rowMaxS = Math.max(rowMaxS, us[c]);
    }
    for (let c = 0; c < classes; c++) {
      rowET[c] = Math.exp(ut[c] - rowMaxT);
      rowES[c] = Math.exp(us[c] - rowMaxS);
    }

    gz.fill(0);
    for (let k = 1; k <= stages; k++) {
      const weight = (alpha * stageWeights[k - 1]) / batch;
      for (let g = 0; g < k; g++) {
        const start = groupStart(g, k, classes);
        const end = groupStart(g + 1, k, classes);
        let maxT = -Infinity;
        let maxS = -Infinity;
        for (let r = start; r < end; r++) {
          const c = byRank[r];
          maxT = Math.max(maxT, ut[c]);
          maxS = Math.max(maxS, us[c]);
        }
        const ownShift = maxT - rowMaxT < -SHARED_SHIFT_RANGE || maxS - rowMaxS < -SHARED_SHIFT_RANGE;
        if (!ownShift) {
          maxT = rowMaxT;
          maxS = rowMaxS;
        }
        // KL = Σ e_t (u_t − u_s) / Σ e_t − m_t + m_s − log Σ e_t + log Σ e_s; cos from the raw sums.
        let sumT = 0,
          sumS = 0,
          weighted = 0,
          dot = 0,
          squaresT = 0,
          squaresS = 0;
        for (let r = start; r < end; r++) {
          const c = byRank[r];
          et[r] = ownShift ? Math.exp(ut[c] - maxT) : rowET[c];
          es[r] = ownShift ? Math.exp(us[c] - maxS) : rowES[c];
          sumT += et[r];
          sumS += es[r];
          weighted += et[r] * (ut[c] - us[c]);
          dot += et[r] * es[r];
          squaresT += et[r] * et[r];
          squaresS += es[r] * es[r];
        }
        const kl = weighted / sumT - maxT + maxS - Math.log(sumT) + Math.log(sumS);
        const cos = dot / Math.sqrt(squaresT * squaresS);
        const lambda = adaptive ? 1 - cos : 1;
        const groupLoss = tau * tau * lambda * kl;
        const slot = b * groups + groupSlot(k, g);
        groupLosses[slot] = groupLoss;
        lambdas[slot] = lambda;
        stageSums[k - 1] += groupLoss;
        if (weight === 0) continue;
        // ∂D/∂z_c = τ·(∂λ/∂u_c · KL + λ·(q_c − p_c)), with ∂cos/∂u_c = q_c·(p_c/(‖p‖‖q‖) − cos·q_c/‖q‖²).
        const normP = Math.sqrt(squaresT) / sumT;
        const normQ = Math.sqrt(squaresS) / sumS;
        for (let r = start; r < end; r++) {
          const p = et[r] / sumT;
          const q = es[r] / sumS;
          const dLambda = adaptive ? -q * (p / (normP * normQ) - (cos * q) / (normQ * normQ)) : 0;
          gz[byRank[r]] += weight * tau * (dLambda * kl + lambda * (q - p));
        }
      }
    }
    writeGradient(gz, studentLogits, offset, student, grad);
  }
  const stageLosses = new Float32Array(stages);
  let loss = 0;
  for (let k = 0; k < stages; k++) {
    stageLosses[k] = stageSums[k] / batch;
    loss += stageWeights[k] * (stageSums[k] / batch);
  }
  return { loss: alpha * loss, stageLosses, grad, ranks, groupLosses, lambdas };
}

/** Classes an index takes in a sort key of {@link rankByGap}: 2^10, past the 1,000 classes a dataset may have. */
const INDEX_SLOTS = 1024;

/**
 * `order` = the classes by gap, largest first, ties to the lower class index (spec §1), with one
 * native numeric sort: each class's key is its float32 gap's bits (order-preserving for gaps ≥ 0)
 * counted down, times 1,024, plus its index, exact in a float64 (< 2^42). A comparator sort of
 * the indices did the same several times slower; it remains for more than 1,024 classes.
 */
function rankByGap(gap: Float64Array, order: number[], scratch: { gap32: Float32Array; bits: Uint32Array; keys: Float64Array }): void {
  const classes = gap.length;
  if (classes > INDEX_SLOTS) {
    order.sort((i, j) => gap[j] - gap[i] || i - j);
    return;
  }
  const { gap32, bits, keys } = scratch;
  gap32.set(gap);
  for (let c = 0; c < classes; c++) keys[c] = (0xffffffff - bits[c]) * INDEX_SLOTS + c;
  keys.sort();
  for (let r = 0; r < classes; r++) order[r] = keys[r] % INDEX_SLOTS;
}
