import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onWasmBackend } from '../test-support/wasm-backend';
import { selectBackend } from './backends';
import { wasmMatMulIsFast } from './wasm-matmul';

/** `a · b` in float64, with the transposes applied and the batch axes broadcast as TF.js does. */
function reference(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): Float64Array {
  const [av, bv] = [a.dataSync(), b.dataSync()];
  const [ra, ca] = a.shape.slice(-2);
  const [rb, cb] = b.shape.slice(-2);
  const [m, k, n] = [transposeA ? ca : ra, transposeA ? ra : ca, transposeB ? rb : cb];
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  // The flat batch index of `t` for the output's batch index `r` (a batch axis of 1 repeats).
  const batchIndex = (t: tf.Tensor, r: number) => {
    const own = t.shape.slice(0, -2);
    let index = 0;
    for (let axis = 0; axis < own.length; axis++) {
      const outAxis = outer.length - own.length + axis;
      const digit = Math.floor(r / outer.slice(outAxis + 1).reduce((x, y) => x * y, 1)) % outer[outAxis];
      index = index * own[axis] + (own[axis] === 1 ? 0 : digit);
    }
    return index;
  };
  const batch = outer.reduce((x, y) => x * y, 1);
  const out = new Float64Array(batch * m * n);
  for (let r = 0; r < batch; r++) {
    const oa = batchIndex(a, r) * ra * ca;
    const ob = batchIndex(b, r) * rb * cb;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += av[oa + (transposeA ? p * ca + i : i * ca + p)] * bv[ob + (transposeB ? j * cb + p : p * cb + j)];
        out[(r * m + i) * n + j] = sum;
      }
  }
  return out;
}

function expectProduct(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): void {
  tf.tidy(() => {
    const a = tf.randomNormal(aShape, 0, 1, 'float32', aShape.length * 7 + 1);
    const b = tf.randomNormal(bShape, 0, 1, 'float32', bShape.length * 11 + 2);
    const y = tf.matMul(a, b, transposeA, transposeB);
    const want = reference(a, b, transposeA, transposeB);
    const got = y.dataSync();
    const what = `${aShape}${transposeA ? 'ᵀ' : ''} · ${bShape}${transposeB ? 'ᵀ' : ''}`;
    expect(got.length, what).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
    expect(worst, what).toBeLessThan(1e-5);
  });
}

describe('the WASM matMul on the fast path', () => {
  const { expectNoDataLeft } = onWasmBackend();

  it('replaces the WASM kernel once, whatever the number of backend selections', async () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmMatMulIsFast()).toBe(true);
    await selectBackend(['wasm']);
    expect(wasmMatMulIsFast()).toBe(true);
  });

  it('gives the product with every transpose, batched, broadcast, tiny, and with two batch axes', () => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const t = (shape: number[], flip: boolean) => (flip ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : shape);
      // Two-dimensional, as every Dense layer's gradient.
      expectProduct(t([37, 19], ta), t([19, 23], tb), ta, tb);
      // The stacked engine's shapes: each run its own weights (a product with another run's fails).
      expectProduct(t([5, 16, 24], ta), t([5, 24, 30], tb), ta, tb);
      // One side broadcast over the other's batch.
      expectProduct(t([16, 24], ta), t([5, 24, 30], tb), ta, tb);
      expectProduct(t([5, 16, 24], ta), t([1, 24, 30], tb), ta, tb);
      // Two batch axes.
      expectProduct(t([2, 3, 8, 24], ta), t([2, 3, 24, 30], tb), ta, tb);
      // Below FAST_PATH_MIN_MACS per product: the original kernel. (So is a broadcast of two batch
      // shapes, [2, 1] with [1, 3], which TF.js's WASM kernel gets wrong itself: 720 values of 1,440.)
      expectProduct(t([7, 2, 3], ta), t([7, 3, 2], tb), ta, tb);
    }
  });

  it('gives the gradients of a stacked layer (the products a training step takes)', () => {
    tf.tidy(() => {
      const h = tf.randomNormal([4, 32, 24], 0, 1, 'float32', 3);
      const w = tf.randomNormal([4, 24, 10], 0, 1, 'float32', 4);
      const dy = tf.randomNormal([4, 32, 10], 0, 1, 'float32', 5);
      const [dh, dw] = tf.grads((x: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, v), dy)))([h, w]);
      // d/dh = dy · wᵀ, d/dw = hᵀ · dy, run by run.
      const close = (got: tf.Tensor, want: Float64Array) => {
        const g = got.dataSync();
        for (let i = 0; i < want.length; i++) expect(Math.abs(g[i] - want[i])).toBeLessThan(1e-4 * (1 + Math.abs(want[i])));
      };
      close(dh, reference(dy, w, false, true));
      close(dw, reference(h, dy, true, false));
    });
  });

  it('frees every temporary it makes on the WASM heap', () => {
    expectNoDataLeft();
  });
});
