// The training objective of stacked runs. Every loss is a batch mean of per-sample terms
// (docs/spec.md, Notation), so the runs of one method (one per seed) are one batch of S·B
// rows: their losses in one pass, whatever the number of seeds; and cross-entropy, the same
// for every method, is one pass over every run's rows. The sum of the runs' losses is
// what is differentiated (a run's gradient is its own loss's: the others do not depend on its
// weights); each run's loss and terms are its rows' means, for the step's report.
import * as tf from '@tensorflow/tfjs';
import { crossEntropyPerSample, dkdPerSample, kdMeanAndPerSample } from '../distill/baselines';
import type { MethodConfig } from '../distill/methods';
import { groupCount, groupSlot, pcdLoss, stageWeights } from '../distill/pcd';

/** What a method reports of each of its runs (one per seed, in seed order), besides its cross-entropy. */
export interface MethodResult {
  /** The method's distillation term per seed `[S]`, before its weight (none for CE), and that weight in the loss. */
  term?: { name: 'kd' | 'dkd' | 'pcd'; values: tf.Tensor1D; weight: number };
  /** w_ce: a run's loss is `w_ce·CE + weight·term`. */
  ceWeight: number;
  /** PCD's bare stage losses `[S, stages]`. */
  stageLosses?: tf.Tensor2D;
}

/** A stacked step's objective: the total to differentiate, every run's cross-entropy `[M, S]`, each method's terms. */
export interface StackedObjective {
  total: tf.Scalar;
  ce: tf.Tensor2D;
  results: MethodResult[];
}

/** The tensors of an objective's numbers, in the order {@link runNumbers} reads them (the caller reads and frees them). */
export function numberTensors({ ce, results }: Pick<StackedObjective, 'ce' | 'results'>): tf.Tensor[] {
  return [ce, ...results.flatMap((r) => [...(r.term ? [r.term.values] : []), ...(r.stageLosses ? [r.stageLosses] : [])])];
}

/** Each method's runs' numbers, per seed, from {@link numberTensors}' values: the loss is `w_ce·CE + weight·term`, on the host. */
export function runNumbers(
  results: readonly MethodResult[],
  values: readonly Float32Array[],
): { loss: number[]; terms: Record<string, number[]>; stageLosses: number[][] | null }[] {
  const [ce, ...rest] = values;
  const seeds = ce.length / results.length;
  return results.map((result, m) => {
    const ceOf = Array.from(ce.subarray(m * seeds, (m + 1) * seeds));
    const term = result.term ? Array.from(rest.shift()!) : null;
    const stageLosses = result.stageLosses ? rest.shift()! : null;
    const stages = stageLosses ? stageLosses.length / seeds : 0;
    return {
      loss: ceOf.map((c, k) => result.ceWeight * c + (term ? result.term!.weight * term[k] : 0)),
      terms: { ce: ceOf, ...(term ? { [result.term!.name]: term } : {}) },
      stageLosses: stageLosses ? ceOf.map((_, k) => Array.from(stageLosses.subarray(k * stages, (k + 1) * stages))) : null,
    };
  });
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
 * Returns the sum of every run's loss (to differentiate), and every run's cross-entropy and
 * each method's terms, kept past the caller's tidy (the caller frees them: {@link numberTensors}).
 * The formulas are `trainingObjective`'s (distill/objective.ts), per run; each run's loss is
 * put together on the host from its terms ({@link runNumbers}), not by a GPU program per run.
 */
export function stackedObjective(
  logits: tf.Tensor3D,
  teacher: tf.Tensor3D | null,
  oneHot: tf.Tensor3D,
  methods: readonly MethodConfig[],
  { warm, activeStage }: { warm: number; activeStage: number | null },
): StackedObjective {
  const seeds = oneHot.shape[0];
  if (logits.shape[0] !== methods.length * seeds)
    throw new Error(`logits of ${logits.shape[0]} runs: expected ${methods.length} methods × ${seeds} seeds`);
  const classes = oneHot.shape[2];
  const rows = (t: tf.Tensor) => tf.reshape(t, [-1, classes]) as tf.Tensor2D;
  const y = rows(oneHot);
  const t = teacher ? rows(teacher) : null;
  // Cross-entropy of every run in one pass over all M·S·B rows (each method's rows read the
  // seeds' labels): `[M, S]` per-run means, weighted by each method's w_ce into the total.
  const labelsOfAll = methods.length === 1 ? y : tf.concat(methods.map(() => y));
  const ce = tf.mean(tf.reshape(crossEntropyPerSample(rows(logits), labelsOfAll), [methods.length, seeds, -1]), 2) as tf.Tensor2D;
  const ceWeights = methods.map((m) => (m.method === 'ce' ? 1 : m.ceWeight));
  const parts: tf.Scalar[] = [tf.sum(tf.mul(ce, tf.tensor2d(ceWeights, [methods.length, 1]))) as tf.Scalar];
  const results: MethodResult[] = [];
  // One split (its gradient one concat), not a slice per method (each slice's gradient pads to the whole stack).
  const perMethod = methods.length === 1 ? [logits] : tf.split(logits, methods.length);
  for (const [m, method] of methods.entries()) {
    const z = rows(perMethod[m]);
    const ceWeight = ceWeights[m];
    if (method.method === 'ce') {
      results.push({ ceWeight });
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
      parts.push(tf.mul(pcd.loss, warm * seeds) as tf.Scalar);
      results.push({ ceWeight, term: { name: 'pcd', values: tf.keep(term), weight: warm }, stageLosses: tf.keep(stageLosses) });
      continue;
    }
    if (method.method === 'kd') {
      // The same kernel as one stage: its mean over the S·B rows times S is the sum of the runs' KD.
      const kd = kdMeanAndPerSample(z, t, { temperature: method.temperature, standardizeLogits: method.standardizeLogits });
      parts.push(tf.mul(kd.mean, method.kdWeight * seeds) as tf.Scalar);
      results.push({ ceWeight, term: { name: 'kd', values: tf.keep(perRun(kd.perSample, seeds)), weight: method.kdWeight } });
      continue;
    }
    const term = perRun(dkdPerSample(z, t, y, method), seeds);
    parts.push(tf.mul(tf.sum(term), warm) as tf.Scalar);
    results.push({ ceWeight, term: { name: 'dkd', values: tf.keep(term), weight: warm } });
  }
  return { total: tf.addN(parts) as tf.Scalar, ce: tf.keep(ce), results };
}
