// The convolution gradients the WASM backend lacks or runs slowly. TF.js's WASM backend has
// no Conv2DBackpropFilter at all (a CNN cannot train there), and its Conv2DBackpropInput is a
// plain loop. Both are written here on the backend's fast kernels (XNNPACK):
//
// - the filter's gradient by im2col: the input's patches laid out as a matrix
//   [filterHeight · filterWidth · inChannels, batch · outHeight · outWidth] (written in
//   JavaScript on the WASM heap), times dy as [batch · outHeight · outWidth, outChannels]:
//   one untransposed product, which the backend's BatchMatMul sends to XNNPACK; the product
//   is the filter's layout [fh, fw, in, out] as it stands. (The backend's
//   Conv3DBackpropFilterV2 at a depth of one was slower by an order of magnitude on the zoo's
//   shapes, and wrong for strides above one.)
// - the input's gradient at stride one as a convolution (XNNPACK's Conv2D) of dy with the
//   filter turned half a turn and its channels swapped, padded so the output has the input's
//   size; other strides keep the backend's own kernel.
//
// TF.js's conv2d gradient refuses dilations above one before it reaches these kernels, so
// neither takes a dilation. Both keep the traps of the matMul wrapper (wasm-matmul.ts): a
// weight tensor is new for every call (XNNPACK's packed weights are kept by tensor id) and
// views of the heap are taken afresh after every kernel call.
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
}

type Pad = tf.Conv2DBackpropFilterAttrs['pad'];

interface BackpropFilterArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: WasmBackend;
  attrs: tf.Conv2DBackpropFilterAttrs;
}

interface BackpropInputArgs {
  inputs: { dy: tf.TensorInfo; filter: tf.TensorInfo };
  backend: WasmBackend;
  attrs: tf.Conv2DBackpropInputAttrs;
}

const REPLACED = Symbol('conv gradient on the fast path');

function channelsLast(kernel: string, dataFormat: 'NHWC' | 'NCHW'): void {
  if (dataFormat !== 'NHWC')
    throw new Error(`${kernel} on the WASM backend: dataFormat "${dataFormat}" is not supported, only "NHWC" (channels last)`);
}

function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: [number, number] | number,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
}

/**
 * The im2col matrix of `x` for a convolution, transposed: row (kh, kw, c), column (b, oh, ow),
 * holding x[b, oh·sh + kh − top, ow·sw + kw − left, c] (0 in the padding).
 */
function writePatches(x: Float32Array, cols: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const columns = batchSize * outHeight * outWidth;
  for (let kw = 0; kw < filterWidth; kw++) {
    // The output columns whose input column lies inside the image: ow·sw + kw − left in [0, inWidth).
    const first = Math.min(outWidth, Math.max(0, Math.ceil((left - kw) / strideWidth)));
    const end = Math.max(first, Math.min(outWidth, Math.floor((inWidth - 1 - kw + left) / strideWidth) + 1));
    for (let kh = 0; kh < filterHeight; kh++)
      for (let c = 0; c < inChannels; c++) {
        let at = ((kh * filterWidth + kw) * inChannels + c) * columns;
        for (let b = 0; b < batchSize; b++) {
          const image = b * inHeight * inWidth * inChannels;
          for (let oh = 0; oh < outHeight; oh++, at += outWidth) {
            const ih = oh * strideHeight + kh - top;
            if (ih < 0 || ih >= inHeight) {
              cols.fill(0, at, at + outWidth);
              continue;
            }
            if (first > 0) cols.fill(0, at, at + first);
            if (end < outWidth) cols.fill(0, at + end, at + outWidth);
            let from = image + (ih * inWidth + first * strideWidth + kw - left) * inChannels + c;
            const step = strideWidth * inChannels;
            for (let ow = first; ow < end; ow++, from += step) cols[at + ow] = x[from];
          }
        }
      }
  }
}

/**
 * Installs Conv2DBackpropFilter on the WASM backend and replaces its Conv2DBackpropInput
 * (once; a no-op where the WASM backend is not loaded). Call after importing
 * `@tensorflow/tfjs-backend-wasm` and after `keepWasmMatMulFast` (the filter's gradient is one
 * product through the backend's BatchMatMul).
 */
export function installWasmConvGradients(): void {
  const matMul = tf.getKernel(tf.BatchMatMul, 'wasm');
  const conv2d = tf.getKernel(tf.Conv2D, 'wasm');
  const backpropInput = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (!matMul || !conv2d || !backpropInput || wasmConvGradientsInstalled()) return;

  const backpropFilter = ({ inputs, backend, attrs }: BackpropFilterArgs): tf.TensorInfo => {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    channelsLast(tf.Conv2DBackpropFilter, dataFormat);
    const info = convInfo(x.shape, filterShape, strides, pad, dimRoundingMode);
    const rows = info.filterHeight * info.filterWidth * info.inChannels;
    const columns = info.batchSize * info.outHeight * info.outWidth;
    const cols = backend.makeOutput([1, rows, columns], 'float32');
    try {
      writePatches(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(cols), info);
      // dy as a matrix is dy itself (the same data, another shape).
      const dyMatrix: tf.TensorInfo = { ...dy, shape: [1, columns, info.outChannels] };
      const product = matMul.kernelFunc({
        inputs: { a: cols, b: dyMatrix },
        backend,
        attrs: { transposeA: false, transposeB: false },
      } as never) as tf.TensorInfo;
      return { ...product, shape: [...filterShape] };
    } finally {
      backend.disposeData(cols.dataId);
    }
  };

  const fastBackpropInput = ({ inputs, backend, attrs }: BackpropInputArgs): tf.TensorInfo => {
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info = convInfo(inputShape, filter.shape, strides, pad, dimRoundingMode);
    const { filterHeight: fh, filterWidth: fw, inChannels, outChannels } = info;
    const top = fh - 1 - info.padInfo.top;
    const left = fw - 1 - info.padInfo.left;
    const bottom = info.inHeight - info.outHeight - top + fh - 1;
    const right = info.inWidth - info.outWidth - left + fw - 1;
    if (dataFormat !== 'NHWC' || info.strideHeight !== 1 || info.strideWidth !== 1 || Math.min(top, left, bottom, right) < 0) {
      return backpropInput.kernelFunc({ inputs, backend, attrs } as never) as tf.TensorInfo;
    }
    // The filter turned half a turn, in and out swapped: turned[kh, kw, o, c] = filter[fh−1−kh, fw−1−kw, c, o].
    const turned = backend.makeOutput([fh, fw, outChannels, inChannels], 'float32');
    try {
      const source = backend.typedArrayFromHeap(filter);
      const target = backend.typedArrayFromHeap(turned);
      for (let kh = 0; kh < fh; kh++)
        for (let kw = 0; kw < fw; kw++) {
          const from = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * inChannels * outChannels;
          const to = (kh * fw + kw) * outChannels * inChannels;
          for (let c = 0; c < inChannels; c++)
            for (let o = 0; o < outChannels; o++) target[to + o * inChannels + c] = source[from + c * outChannels + o];
        }
      return conv2d.kernelFunc({
        inputs: { x: dy, filter: turned },
        backend,
        attrs: {
          strides: 1,
          dilations: 1,
          pad: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          dataFormat: 'NHWC',
        },
      } as never) as tf.TensorInfo;
    } finally {
      backend.disposeData(turned.dataId);
    }
  };

  const filterConfig: tf.KernelConfig = {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: backpropFilter as unknown as tf.KernelFunc,
  };
  const inputConfig: tf.KernelConfig = { ...backpropInput, kernelFunc: fastBackpropInput as unknown as tf.KernelFunc };
  for (const config of [filterConfig, inputConfig]) (config as unknown as Record<symbol, boolean>)[REPLACED] = true;
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  tf.registerKernel(filterConfig);
  tf.registerKernel(inputConfig);
}

/** Whether the WASM backend has this module's conv gradients (Conv2DBackpropFilter among them). */
export function wasmConvGradientsInstalled(): boolean {
  const config = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') as unknown as Record<symbol, boolean> | undefined;
  return config?.[REPLACED] === true;
}
