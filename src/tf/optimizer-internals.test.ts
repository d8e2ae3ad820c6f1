import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adamPowers, CHECKED_ON_TFJS, isMomentum, iterationsOf, learningRateOf, momentSlots, setLearningRate } from './optimizer-internals';

// The contract with TF.js's optimizer internals (optimizer-internals.ts), on the TF.js
// installed: each accessor gives what the snapshots, the stacked engine and the live
// learning rate rely on. A TF.js that renamed a field fails here, not quietly in a snapshot.
describe(`TF.js's optimizer internals (TF.js ${tf.version.tfjs}; last checked on ${CHECKED_ON_TFJS})`, () => {
  /** One update of `optimizer` on a variable of [1, 2] with the gradient [1, 1]. */
  const oneUpdate = (optimizer: tf.Optimizer) => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    optimizer.minimize(() => tf.sum(w) as tf.Scalar);
    return w;
  };

  it('Adam: β1^t and β2^t, m then v, the update count, a learning rate it reads at each update', async () => {
    const adam = tf.train.adam(0.1, 0.9, 0.999);
    expect(momentSlots(adam)).toEqual([]); // none before the first update
    expect(iterationsOf(adam)).toBe(0);
    const w = oneUpdate(adam);
    const powers = adamPowers(adam);
    expect(powers, 'accBeta1 and accBeta2').not.toBeNull();
    // After one update the running products are β² (TF.js multiplies one β in at creation and one after the update), in float32.
    const f = Math.fround;
    expect(powers!.map((p) => p.dataSync()[0])).toEqual([f(f(0.9) * f(0.9)), f(f(0.999) * f(0.999))]);
    const slots = momentSlots(adam);
    expect(slots, 'accumulatedFirstMoment and accumulatedSecondMoment').toHaveLength(2);
    // getWeights() lists the same variables after the update count, in the same order.
    const weights = await adam.getWeights();
    expect(weights.slice(1).map((x) => Array.from(x.tensor.dataSync()))).toEqual(slots.map((s) => Array.from(s.dataSync())));
    expect(iterationsOf(adam), 'iterations_').toBe(1);
    expect(isMomentum(adam)).toBe(false);
    setLearningRate(adam, 0.01);
    expect(learningRateOf(adam)).toBe(0.01);
    tf.dispose([w, ...weights.map((x) => x.tensor)]);
    adam.dispose();
  });

  it('momentum: one accumulation per weight; no Adam powers', () => {
    const momentum = tf.train.momentum(0.1, 0.9);
    const w = oneUpdate(momentum);
    expect(isMomentum(momentum), 'accumulations').toBe(true);
    expect(momentSlots(momentum)).toHaveLength(1);
    expect(Array.from(momentSlots(momentum)[0].dataSync())).toEqual([1, 1]);
    expect(adamPowers(momentum)).toBeNull();
    w.dispose();
    momentum.dispose();
  });

  it('SGD and momentum take a new learning rate at their next update (setLearningRate, not the field alone)', () => {
    const sgd = tf.train.sgd(0.1);
    const w = oneUpdate(sgd);
    expect(Array.from(w.dataSync())).toEqual([Math.fround(0.9), Math.fround(1.9)]);
    setLearningRate(sgd, 0.5);
    sgd.minimize(() => tf.sum(w) as tf.Scalar);
    expect(Array.from(w.dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([0.4, 1.4]);
    w.dispose();
    sgd.dispose();
  });
});
