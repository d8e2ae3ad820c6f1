// Numerics on plain arrays, on the host (evaluation metrics, the inspector): one stable
// log-sum-exp for every softmax the project computes outside TF.js.

/**
 * log Σ_c exp(values[c] / scale) over every c but `skip`, computed stably (shifted by the
 * largest term): the normaliser of a (tempered) log-softmax.
 */
export function logSumExp(values: ArrayLike<number>, { scale = 1, skip = -1 }: { scale?: number; skip?: number } = {}): number {
  let top = -Infinity;
  for (let c = 0; c < values.length; c++) if (c !== skip) top = Math.max(top, values[c] / scale);
  let sum = 0;
  for (let c = 0; c < values.length; c++) if (c !== skip) sum += Math.exp(values[c] / scale - top);
  return top + Math.log(sum);
}
