// The composed PCD loss: built from TF.js ops (TopK, gathers, one matmul for the group
// sums), differentiated by TF.js's tape. It was the trainer's implementation before the fused
// kernels (src/kernels/) and stays as the reference the tests compare them against.
import * as tf from '@tensorflow/tfjs-core';
import { groupCount, groupOf, groupSlot } from '../kernels/pcd-attrs';
import { logitPairShape, standardizeLogits } from './logits';
import type { PcdOptions } from './methods';
import { resolvePcdOptions } from './pcd-options';

/** What the composed reference returns: the fused result's fields, with the groups as a tensor. */
export interface PcdReferenceResult {
  loss: tf.Scalar;
  stageLosses: tf.Tensor1D;
  /** `[B, C]` int32. */
  ranks: tf.Tensor2D;
  /** `[B, S, C]` int32. */
  stageGroups: tf.Tensor3D;
  groupLosses: tf.Tensor2D;
  lambdas: tf.Tensor2D;
}

/**
 * The fixed structure of stages and groups over *rank positions*. Because every stage
 * cuts the ranked order into contiguous blocks (spec §2), a row whose classes are put in
 * rank order has the same groups at the same positions for every sample; only the order
 * differs per sample. So per-group sums are one matrix product with a constant
 * `[S·C, G]` indicator, with no per-sample `[B, G, C]` masks.
 */
interface GroupLayout {
  /** `[S·C, G]`: position r of stage k (row (k−1)·C + r) belongs to slot `groupSlot(k, g_k(r))`. */
  positionToSlot: Float32Array;
  /** `[S·C]`: the slot of each (stage, position), for spreading `[B, G]` values back to positions. */
  slotOfPosition: Int32Array;
  /** `[G, C]`: 0 where rank position r lies in slot G, −1e30 elsewhere (for per-group maxima). */
  outsideSlot: Float32Array;
  /** `[C, S]`: the group index of rank r at stage k. */
  groupOfRank: Float32Array;
  /** `[G, S]`: slot G belongs to stage k. */
  slotToStage: Float32Array;
}

const layouts = new Map<string, GroupLayout>();

function groupLayout(stages: number, classes: number): GroupLayout {
  const key = `${stages}/${classes}`;
  const cached = layouts.get(key);
  if (cached) return cached;
  const groups = groupCount(stages);
  const positionToSlot = new Float32Array(stages * classes * groups);
  const slotOfPosition = new Int32Array(stages * classes);
  const outsideSlot = new Float32Array(classes * groups).fill(-1e30);
  const groupOfRank = new Float32Array(classes * stages);
  const slotToStage = new Float32Array(groups * stages);
  for (let k = 1; k <= stages; k++) {
    for (let g = 0; g < k; g++) slotToStage[groupSlot(k, g) * stages + (k - 1)] = 1;
    for (let r = 0; r < classes; r++) {
      const g = groupOf(r, k, classes);
      const slot = groupSlot(k, g);
      const row = (k - 1) * classes + r;
      positionToSlot[row * groups + slot] = 1;
      slotOfPosition[row] = slot;
      outsideSlot[slot * classes + r] = 0;
      groupOfRank[r * stages + (k - 1)] = g;
    }
  }
  const layout = { positionToSlot, slotOfPosition, outsideSlot, groupOfRank, slotToStage };
  layouts.set(key, layout);
  return layout;
}

/**
 * `inverse[b, perm[b, r]] = r` for a batch of permutations `[B, C]` (int32). A scatter
 * where scatters are cheap; on WebGL, whose ScatterNd loops over every update for every
 * output element, a second TopK (sorting the permutation's values ascending) instead.
 */
function inversePermutation(perm: tf.Tensor): tf.Tensor {
  const [batch, classes] = perm.shape;
  if (tf.getBackend() === 'webgl') return tf.topk(tf.neg(tf.cast(perm, 'float32')), classes).indices;
  const sampleIndex = tf.tile(tf.reshape(tf.range(0, batch, 1, 'int32'), [batch, 1]), [1, classes]);
  const target = tf.stack([tf.reshape(sampleIndex, [-1]), tf.reshape(perm, [-1])], 1);
  return tf.scatterND(target, tf.tile(tf.range(0, classes, 1, 'int32'), [batch]), [batch, classes]);
}

/**
 * Logit-difference ranking (spec §1) as one custom op. Its output is a flat vector
 * packing, per sample: the student's and the teacher's logits in rank order, repeated
 * once per stage (`[B, S·C]` each, position (k−1)·C + r = rank r at stage k); at each
 * of those positions the maximum softened logit of its group (the shift that keeps the
 * group's exponentials from under- or overflowing), for both; every class's group at
 * every stage `[B, S, C]`; and every class's rank `[B, C]`. Flat, so unpacking is
 * contiguous slices, which are cheap on every backend.
 *
 * A custom op because TF.js has neither a gradient for TopK nor a `stopGradient`, and a
 * gather by computed indices would put those indices on the tape. The only gradient is
 * the one the spec wants: the student's rank-ordered copies summed over stages and
 * unpermuted back to class order (a gather by rank); ranks, groups and shifts are
 * constants. TopK orders equal values by lower index on every backend: the spec's tie rule.
 */
function rankOrder(stages: number, temperature: number, ranking: boolean, layout: GroupLayout) {
  return tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [studentLogits, teacherLogits, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const [batch, classes] = studentLogits.shape;
    const { rankIndex, value } = tf.tidy(() => {
      const rowOffset = tf.reshape(tf.range(0, batch * classes, classes, 'int32'), [batch, 1]);
      let byRank: tf.Tensor; // [B, C] int32: the class at each rank
      let ranks: tf.Tensor; // [B, C] int32: the rank of each class
      if (ranking) {
        byRank = tf.topk(tf.abs(tf.sub(teacherLogits, studentLogits)), classes).indices;
        ranks = inversePermutation(byRank);
      } else {
        byRank = tf.tile(tf.reshape(tf.range(0, classes, 1, 'int32'), [1, classes]), [batch, 1]);
        ranks = byRank;
      }
      const classIndex = tf.reshape(tf.add(byRank, rowOffset), [-1]);
      const slotOfPosition = tf.tensor1d(layout.slotOfPosition, 'int32');
      const outsideSlot = tf.tensor3d(layout.outsideSlot, [1, groupCount(stages), classes]);
      const inRankOrder = (logits: tf.Tensor2D) => {
        const sorted = tf.reshape(tf.gather(tf.reshape(logits, [-1]), classIndex), [batch, classes]);
        const softened = tf.div(sorted, temperature);
        // Max over each group's rank positions: one masked reduction for all groups, over
        // the last axis (TF.js reduces other axes by transposing first).
        const slotMax = tf.max(tf.add(tf.expandDims(softened, 1), outsideSlot), 2); // [B, G]
        return { repeated: tf.tile(sorted, [1, stages]), shift: tf.gather(slotMax, slotOfPosition, 1) };
      };
      const student = inRankOrder(studentLogits);
      const teacher = inRankOrder(teacherLogits);
      // A float table: TF.js 4.22's WebGPU Transpose emits invalid WGSL for int32
      // tensors, which poisons the whole command buffer (every later result reads 0).
      const stageGroups = tf.transpose(tf.gather(tf.tensor2d(layout.groupOfRank, [classes, stages], 'float32'), ranks), [0, 2, 1]);
      const fields = [student.repeated, teacher.repeated, student.shift, teacher.shift, stageGroups, ranks];
      return {
        rankIndex: tf.reshape(tf.add(ranks, rowOffset), [-1]),
        value: tf.concat(fields.map((field) => tf.reshape(tf.cast(field, 'float32'), [-1]))),
      };
    });
    save([rankIndex]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedRankIndex] = saved;
        const dyRepeated = tf.reshape(tf.slice(dy, 0, batch * stages * classes), [batch, stages * classes]);
        // Σ over the stage copies as slices added up: TF.js reduces a middle axis by
        // transposing first, which is very slow on WebGPU.
        const copies = Array.from({ length: stages }, (_, k) => tf.slice(dyRepeated, [0, k * classes], [batch, classes]));
        // Pairwise adds, not one addN: TF.js 4.22's WebGPU AddN binds one buffer per input and
        // fails validation past the device's 8 storage buffers per stage (S ≥ 8 here), which
        // poisons every later result.
        const dySorted = tf.reshape(
          copies.reduce((sum, copy) => tf.add(sum, copy)),
          [-1],
        );
        return [tf.reshape(tf.gather(dySorted, savedRankIndex), [batch, classes]), tf.zerosLike(teacherLogits)];
      },
    };
  });
}

/**
 * Progressive Class-level Distillation (docs/spec.md §1–§5). The two passes hold the same
 * partitions, so every stage's loss is computed once and counted once per pass that is
 * on. Per group G of a stage, with e = exp(z/τ − max_G z/τ) taken over G's classes:
 *
 *   KL(p ‖ q) = Σ_G e_t·(log e_t − log e_s) / Σ_G e_t − log Σ_G e_t + log Σ_G e_s
 *   cos(p, q) = Σ_G e_t·e_s / sqrt(Σ_G e_t² · Σ_G e_s²)
 *
 * so six per-group sums, all from one matrix product, give every group of every stage.
 */
export function pcdLossReference(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, options: Partial<PcdOptions> = {}): PcdReferenceResult {
  const { batch, classes } = logitPairShape(studentLogits, teacherLogits);
  const opts = resolvePcdOptions(options, classes);
  const { stages, temperature } = opts;
  const groups = groupCount(stages);
  const layout = groupLayout(stages, classes);
  return tf.tidy(() => {
    const zs = opts.standardizeLogits ? standardizeLogits(studentLogits) : studentLogits;
    const zt = opts.standardizeLogits ? standardizeLogits(teacherLogits) : teacherLogits;

    const packed = rankOrder(stages, temperature, opts.ranking, layout)(zs, zt);
    const perStage = batch * stages * classes;
    const [studentRepeated, teacherRepeated, studentShift, teacherShift, stageGroupField, rankField] = tf.split(packed, [
      perStage,
      perStage,
      perStage,
      perStage,
      perStage,
      batch * classes,
    ]);
    const ranks = tf.cast(tf.reshape(rankField, [batch, classes]), 'int32') as tf.Tensor2D;
    const stageGroups = tf.cast(tf.reshape(stageGroupField, [batch, stages, classes]), 'int32') as tf.Tensor3D;

    // Softened logits in rank order, once per stage, minus their group's shift (flat B·S·C).
    const teacherExponent = tf.sub(tf.div(teacherRepeated, temperature), teacherShift);
    const studentExponent = tf.sub(tf.div(studentRepeated, temperature), studentShift);
    const teacherExp = tf.exp(teacherExponent);
    const studentExp = tf.exp(studentExponent);

    const perPosition = tf.stack([
      teacherExp,
      studentExp,
      tf.mul(teacherExp, tf.sub(teacherExponent, studentExponent)),
      tf.mul(teacherExp, studentExp),
      tf.square(teacherExp),
      tf.square(studentExp),
    ]); // [6, B·S·C]
    const perGroup = tf.matMul(
      tf.reshape(perPosition, [6 * batch, stages * classes]),
      tf.tensor2d(layout.positionToSlot, [stages * classes, groups]),
    );
    const [teacherSum, studentSum, weightedLogRatio, dot, teacherSquares, studentSquares] = tf.unstack(tf.reshape(perGroup, [6, batch, groups]));

    const kl = tf.add(tf.sub(tf.div(weightedLogRatio, teacherSum), tf.log(teacherSum)), tf.log(studentSum)); // [B, G]
    const lambdas: tf.Tensor2D = opts.adaptive ? tf.sub(1, tf.div(dot, tf.sqrt(tf.mul(teacherSquares, studentSquares)))) : tf.ones([batch, groups]);
    const groupLosses = tf.mul(tf.mul(lambdas, kl), temperature * temperature) as tf.Tensor2D;

    // L_k: batch mean of the per-sample sum over stage k's groups, via a [G, S] indicator.
    const stageLosses = tf.reshape(tf.matMul(tf.mean(groupLosses, 0, true), tf.tensor2d(layout.slotToStage, [groups, stages])), [
      stages,
    ]) as tf.Tensor1D;

    const bare =
      opts.activeStage === null
        ? tf.mul(tf.sum(stageLosses), Number(opts.fineToCoarse) + Number(opts.coarseToFine))
        : tf.mul(tf.reshape(tf.slice(stageLosses, [opts.activeStage - 1], [1]), []), 2);

    return {
      loss: tf.mul(bare, opts.alpha) as tf.Scalar,
      stageLosses,
      ranks,
      stageGroups,
      groupLosses,
      lambdas,
    };
  });
}
