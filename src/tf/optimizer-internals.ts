// Every use of TF.js's optimizer internals, in one place. TF.js keeps an optimizer's learning
// rate, Adam's running products β1^t and β2^t, its moments and its update count in fields
// its typings mark protected or private; snapshots, the stacked engine and the live learning
// rate need them. A TF.js upgrade that renames one would break those quietly, so nothing
// outside this file reads them, and optimizer-internals.test.ts checks each on the TF.js
// installed (it names the version) and fails when one is gone.
import type * as tf from '@tensorflow/tfjs';

/** The TF.js version these fields were last checked on (the contract test says when it differs). */
export const CHECKED_ON_TFJS = '4.22.0';

type Slot = { variable: tf.Variable } | undefined;
type Internals = {
  learningRate: number;
  setLearningRate?: (learningRate: number) => void;
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
  accumulatedFirstMoment?: Slot[];
  accumulatedSecondMoment?: Slot[];
  accumulations?: Slot[];
  iterations_?: number;
};
const internals = (optimizer: tf.Optimizer) => optimizer as unknown as Internals;

/** The learning rate the optimizer's next update uses. */
export function learningRateOf(optimizer: tf.Optimizer): number {
  return internals(optimizer).learningRate;
}

/**
 * Sets an optimizer's learning rate for its next update. SGD and momentum keep −lr as a
 * tensor made when it is set (`setLearningRate`), so assigning the field alone would leave
 * them on their first rate; Adam reads the field at every update.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = internals(optimizer);
  if (o.learningRate === learningRate) return;
  if (o.setLearningRate) o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}

/** Adam's running products β1^t and β2^t, which `getWeights()` leaves out; null for another optimizer or before they exist. */
export function adamPowers(optimizer: tf.Optimizer): [tf.Variable, tf.Variable] | null {
  const o = internals(optimizer);
  return o.accBeta1 && o.accBeta2 ? [o.accBeta1, o.accBeta2] : null;
}

/** Whether the optimizer keeps one momentum per weight (TF.js's MomentumOptimizer; `instanceof` claims every optimizer with a rate). */
export function isMomentum(optimizer: tf.Optimizer): boolean {
  return 'accumulations' in optimizer;
}

/** The optimizer's per-weight state in `getWeights()` order after the update count: momentum, or Adam's m then v (none before the first update). */
export function momentSlots(optimizer: tf.Optimizer): tf.Variable[] {
  const o = internals(optimizer);
  const list = o.accumulations ?? [...(o.accumulatedFirstMoment ?? []), ...(o.accumulatedSecondMoment ?? [])];
  return list.filter((s): s is { variable: tf.Variable } => !!s).map((s) => s.variable);
}

/** How many updates the optimizer has applied. */
export function iterationsOf(optimizer: tf.Optimizer): number {
  return internals(optimizer).iterations_ ?? 0;
}
