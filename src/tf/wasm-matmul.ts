// The WASM backend's matrix product, kept on XNNPACK's fast path. TF.js's WASM BatchMatMul
// hands XNNPACK only a product without transposes and with one batch; anything else (every
// gradient of a matMul, which transposes one side, and the stacked engine's batched
// products `[R, B, in] · [R, in, out]`) takes a plain loop, several times slower on this
// project's shapes (the race on several seeds: docs/perf.md, "A training step"). This wrapper
// transposes explicitly (the Transpose kernel) and runs a batch one product at a time
// through the fast path, inside the one kernel: the launches per step do not change. A product
// the original kernel already sent to XNNPACK goes the same way (bit for bit the same); the
// others change in the last bits (another order of summation).
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
}

interface MatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
}

/** Products smaller than this (multiply-adds per batch) stay on the plain loop: XNNPACK's setup per product would cost more. */
const FAST_PATH_MIN_MACS = 4096;

const WRAPPED = Symbol('fast-path BatchMatMul');

const size = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/** Whether the WASM backend's BatchMatMul is the fast-path wrapper. */
export function wasmMatMulIsFast(): boolean {
  const config = tf.getKernel(tf.BatchMatMul, 'wasm') as unknown as Record<symbol, boolean> | undefined;
  return config?.[WRAPPED] === true;
}

/**
 * Replaces the WASM backend's BatchMatMul with the fast-path wrapper (once; a no-op where the
 * WASM backend is not loaded). Call after importing `@tensorflow/tfjs-backend-wasm`.
 */
export function keepWasmMatMulFast(): void {
  const original = tf.getKernel(tf.BatchMatMul, 'wasm');
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (!original || !transpose || wasmMatMulIsFast()) return;
  const run = (a: tf.TensorInfo, b: tf.TensorInfo, backend: WasmBackend) =>
    original.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } } as never) as tf.TensorInfo;

  const kernelFunc = ({ inputs, backend, attrs }: MatMulArgs): tf.TensorInfo => {
    const { a, b } = inputs;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const [batchA, batchB] = [size(outerA), size(outerB)];
    const m = attrs.transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
    const k = attrs.transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
    const n = attrs.transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
    const batch = Math.max(batchA, batchB);
    // A broadcast of two batch shapes (outer [2, 1] with [1, 3]), another dtype or a tiny product: the original kernel.
    const simpleBatches = batchA === 1 || batchB === 1 || outerA.join() === outerB.join();
    const tiny = m * k * n < FAST_PATH_MIN_MACS;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || !simpleBatches || (tiny && batch > 1)) {
      return original.kernelFunc({ inputs, backend, attrs } as never) as tf.TensorInfo;
    }
    const temporaries: tf.TensorInfo[] = [];
    const transposed = (x: tf.TensorInfo) => {
      const perm = x.shape.map((_, i) => i);
      perm.splice(-2, 2, perm.length - 1, perm.length - 2);
      const out = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } } as never) as tf.TensorInfo;
      temporaries.push(out);
      return out;
    };
    const left = attrs.transposeA ? transposed(a) : a;
    const right = attrs.transposeB ? transposed(b) : b;
    try {
      if (batch === 1) return run(left, right, backend);
      const out = backend.makeOutput([...tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB), m, n], 'float32');
      // Views of the heap are taken afresh after every kernel call: one that grows the heap detaches older ones.
      const view = (x: tf.TensorInfo) => backend.typedArrayFromHeap(x);
      for (let r = 0; r < batch; r++) {
        // New tensors for every product: the WASM kernel keeps XNNPACK's packed weights by the weight tensor's id.
        const ar = backend.makeOutput([1, m, k], 'float32');
        const br = backend.makeOutput([1, k, n], 'float32');
        const ra = batchA === 1 ? 0 : r;
        const rb = batchB === 1 ? 0 : r;
        view(ar).set(view(left).subarray(ra * m * k, (ra + 1) * m * k));
        view(br).set(view(right).subarray(rb * k * n, (rb + 1) * k * n));
        const y = run(ar, br, backend);
        view(out).set(view(y), r * m * n);
        for (const info of [y, ar, br]) backend.disposeData(info.dataId);
      }
      return out;
    } finally {
      for (const info of temporaries) backend.disposeData(info.dataId);
    }
  };
  const config: tf.KernelConfig = { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  (config as unknown as Record<symbol, boolean>)[WRAPPED] = true;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel(config);
}
