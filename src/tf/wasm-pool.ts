// The WASM backend's max-pool gradient, in JavaScript on the WASM heap. The backend's own
// MaxPoolGrad loops over every input position and, for each, over every window holding it
// (recomputing each window's maximum); it took about a third of a small CNN's training step.
// This one finds each window's maximum once and adds the window's dy there: the same result
// (a window's first maximum in row-major order takes its gradient, as in TF.js's CPU backend
// and PyTorch), in one pass over the windows.
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface MaxPoolGradArgs {
  inputs: { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  backend: WasmBackend;
  attrs: tf.MaxPoolGradAttrs;
}

const REPLACED = Symbol('max-pool gradient in one pass');

/** dx of a max pool: each window's dy added at the window's first maximum of x (none where the window holds no number above −∞). */
export function maxPoolGradient(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } =
    info;
  const { top, left } = info.padInfo;
  dx.fill(0);
  let g = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * inWidth * inChannels;
    for (let oh = 0; oh < outHeight; oh++) {
      const rowFirst = Math.max(0, oh * strideHeight - top);
      const rowEnd = Math.min(inHeight, oh * strideHeight - top + effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colFirst = Math.max(0, ow * strideWidth - left);
        const colEnd = Math.min(inWidth, ow * strideWidth - left + effectiveFilterWidth);
        for (let c = 0; c < inChannels; c++, g++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = rowFirst; r < rowEnd; r++)
            for (let col = colFirst, i = image + (r * inWidth + colFirst) * inChannels + c; col < colEnd; col++, i += inChannels)
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
          if (at >= 0) dx[at] += dy[g];
        }
      }
    }
  }
}

/** Replaces the WASM backend's MaxPoolGrad (once; a no-op where the WASM backend is not loaded). */
export function installWasmMaxPoolGrad(): void {
  const original = tf.getKernel(tf.MaxPoolGrad, 'wasm');
  if (!original || wasmMaxPoolGradInstalled()) return;
  const kernelFunc = ({ inputs, backend, attrs }: MaxPoolGradArgs): tf.TensorInfo => {
    const { dy, input } = inputs;
    const { filterSize, strides, pad, dimRoundingMode } = attrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const dx = backend.makeOutput([...input.shape], 'float32');
    maxPoolGradient(backend.typedArrayFromHeap(input), backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(dx), info);
    return dx;
  };
  const config: tf.KernelConfig = { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  (config as unknown as Record<symbol, boolean>)[REPLACED] = true;
  tf.unregisterKernel(tf.MaxPoolGrad, 'wasm');
  tf.registerKernel(config);
}

/** Whether the WASM backend's MaxPoolGrad is this one. */
export function wasmMaxPoolGradInstalled(): boolean {
  const config = tf.getKernel(tf.MaxPoolGrad, 'wasm') as unknown as Record<symbol, boolean> | undefined;
  return config?.[REPLACED] === true;
}
