// The training objective of stacked runs. Every loss is a batch mean of per-sample terms
// (docs/spec.md, Notation), so the runs of one method (one per seed) are one batch of S·B
// rows: their losses in one pass, whatever the number of seeds. The sum of the runs' losses is
// what is differentiated (a run's gradient is its own loss's: the others do not depend on its
// weights); each run's loss and terms are its rows' means, for the step's report.
import * as tf from '@tensorflow/tfjs';
import { crossEntropyPerSample, dkdPerSample, kdPerSample } from '../distill/baselines';
import type { MethodConfig } from '../distill/methods';
import { groupCount, groupSlot, pcdLoss, stageWeights } from '../distill/pcd';

/** What a method reports of each of its runs (one per seed, in seed order): `[S]` per term, PCD's bare stage losses `[S, stages]`. */
export interface MethodResult {
  loss: tf.Tensor1D;
  terms: Record<string, tf.Tensor1D>;
  stageLosses?: tf.Tensor2D;
}

/** Per-sample values `[S·B]` as each run's mean `[S]`. */
const perRun = (perSample: tf.Tensor, runs: number) => tf.mean(tf.reshape(perSample, [runs, -1]), 1) as tf.Tensor1D;

/** `[G, stages]`: slot G belongs to stage k (slots as in `groupSlot`). */
function slotToStage(stages: number): tf.Tensor2D {
  const values = new Float32Array(groupCount(stages) * stages);
  for (let k = 1; k <= stages; k++) for (let g = 0; g < k; g++) values[groupSlot(k, g) * stages + (k - 1)] = 1;
  return tf.tensor2d(values, [groupCount(stages), stages]);
}

/**
 * The stacked objective. `logits` `[M·S, B, C]` hold method m's run on seed k at m·S + k (a
 * method's runs side by side, so each method reads one part of a split: no gather, whose
 * gradient the WASM backend lacks); the seeds' `teacher` logits and `oneHot` labels are `[S, B, C]`.
 * Returns the sum of every run's loss (to differentiate) and each method's per-seed numbers,
 * kept past the caller's tidy (the caller frees them). The formulas are `trainingObjective`'s
 * (distill/objective.ts), per run.
 */
export function stackedObjective(
  logits: tf.Tensor3D,
  teacher: tf.Tensor3D | null,
  oneHot: tf.Tensor3D,
  methods: readonly MethodConfig[],
  { warm, activeStage }: { warm: number; activeStage: number | null },
): { total: tf.Scalar; results: MethodResult[] } {
  const seeds = oneHot.shape[0];
  if (logits.shape[0] !== methods.length * seeds)
    throw new Error(`logits of ${logits.shape[0]} runs: expected ${methods.length} methods × ${seeds} seeds`);
  const classes = oneHot.shape[2];
  const rows = (t: tf.Tensor) => tf.reshape(t, [-1, classes]) as tf.Tensor2D;
  const y = rows(oneHot);
  const t = teacher ? rows(teacher) : null;
  const results: MethodResult[] = [];
  const parts: tf.Scalar[] = [];
  // One split (its gradient one concat), not a slice per method (each slice's gradient pads to the whole stack).
  const perMethod = methods.length === 1 ? [logits] : tf.split(logits, methods.length);
  for (const [m, method] of methods.entries()) {
    const z = rows(perMethod[m]);
    const ce = perRun(crossEntropyPerSample(z, y), seeds);
    if (method.method === 'ce') {
      parts.push(tf.sum(ce));
      results.push({ loss: tf.keep(ce), terms: { ce: tf.keep(tf.clone(ce)) } });
      continue;
    }
    if (!t) throw new Error(`teacher logits are missing: method ${method.method} needs them`);
    if (method.method === 'pcd') {
      // The fused kernel on the S·B rows: its loss (a mean over them) times S is the sum of the
      // runs' PCD losses; each run's own, from its rows' group losses D_G.
      const pcd = pcdLoss(z, t, { ...method, activeStage });
      const stages = method.stages;
      const slots = tf.mean(tf.reshape(pcd.groupLosses, [seeds, -1, groupCount(stages)]), 1);
      const stageLosses = tf.matMul(slots, slotToStage(stages)) as tf.Tensor2D;
      const weights = stageWeights({ ...method, activeStage }).map((w) => w * method.alpha);
      const term = tf.reshape(tf.matMul(stageLosses, tf.tensor2d(weights, [stages, 1])), [seeds]) as tf.Tensor1D;
      parts.push(tf.add(tf.mul(tf.sum(ce), method.ceWeight), tf.mul(pcd.loss, warm * seeds)) as tf.Scalar);
      results.push({
        loss: tf.keep(tf.add(tf.mul(ce, method.ceWeight), tf.mul(term, warm)) as tf.Tensor1D),
        terms: { ce: tf.keep(ce), pcd: tf.keep(term) },
        stageLosses: tf.keep(stageLosses),
      });
      continue;
    }
    const [name, term, weight] =
      method.method === 'kd'
        ? (['kd', perRun(kdPerSample(z, t, method.temperature, method.standardizeLogits), seeds), method.kdWeight] as const)
        : (['dkd', perRun(dkdPerSample(z, t, y, method), seeds), warm] as const);
    const loss = tf.add(tf.mul(ce, method.ceWeight), tf.mul(term, weight)) as tf.Tensor1D;
    parts.push(tf.sum(loss));
    results.push({ loss: tf.keep(loss), terms: { ce: tf.keep(ce), [name]: tf.keep(term) } });
  }
  return { total: tf.addN(parts) as tf.Scalar, results };
}
