// Cross-entropy per sample as plain loops over typed arrays, with no TF.js: the kernel of the
// CPU and WASM backends (ce.ts), and the inspector's CE (src/import/inspect.ts) in a worker
// that loads no TF.js.

/**
 * Each row's `Σ_c y_c · (lse(z) − z_c)` (`−log softmax(z)_label` for a one-hot row) and its
 * gradient `(Σ_c y_c)·softmax(z) − y`, in float64.
 */
export function ceHost(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  batch: number,
  classes: number,
): { losses: Float32Array; grad: Float32Array } {
  const losses = new Float32Array(batch);
  const grad = new Float32Array(batch * classes);
  const e = new Float64Array(classes);
  for (let b = 0; b < batch; b++) {
    const offset = b * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[offset + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += e[c] = Math.exp(logits[offset + c] - max);
    const lse = max + Math.log(sum);
    let loss = 0;
    let mass = 0;
    for (let c = 0; c < classes; c++) {
      const y = targets[offset + c];
      if (y !== 0) {
        loss += y * (lse - logits[offset + c]);
        mass += y;
      }
    }
    losses[b] = loss;
    for (let c = 0; c < classes; c++) grad[offset + c] = (mass * e[c]) / sum - targets[offset + c];
  }
  return { losses, grad };
}
