import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onWasmBackend } from '../test-support/wasm-backend';
import { MODEL_ZOO } from '../models/zoo';
import { selectBackend } from './backends';
import { wasmConvGradientsInstalled } from './wasm-conv';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
}

/**
 * A conv2d's gradients for the input and the filter, given dy, in float64 with plain loops,
 * and for each the sum of its terms' magnitudes (the scale of float32's rounding in a sum).
 */
function reference({ x: xShape, filter: fShape, stride, pad }: Case, x: Float32Array, filter: Float32Array, dy: Float32Array) {
  const info = tf.backend_util.computeConv2DInfo(xShape, fShape, stride, 1, pad);
  const [batch, height, width, inChannels] = xShape;
  const [fh, fw, , outChannels] = fShape;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(filter.length);
  const dxScale = new Float64Array(x.length);
  const dwScale = new Float64Array(filter.length);
  for (let b = 0; b < batch; b++)
    for (let oh = 0; oh < info.outHeight; oh++)
      for (let ow = 0; ow < info.outWidth; ow++)
        for (let kh = 0; kh < fh; kh++)
          for (let kw = 0; kw < fw; kw++) {
            const ih = oh * info.strideHeight + kh - info.padInfo.top;
            const iw = ow * info.strideWidth + kw - info.padInfo.left;
            if (ih < 0 || ih >= height || iw < 0 || iw >= width) continue;
            for (let c = 0; c < inChannels; c++)
              for (let o = 0; o < outChannels; o++) {
                const g = dy[((b * info.outHeight + oh) * info.outWidth + ow) * outChannels + o];
                const xi = ((b * height + ih) * width + iw) * inChannels + c;
                const wi = ((kh * fw + kw) * inChannels + c) * outChannels + o;
                dw[wi] += x[xi] * g;
                dx[xi] += filter[wi] * g;
                dwScale[wi] += Math.abs(x[xi] * g);
                dxScale[xi] += Math.abs(filter[wi] * g);
              }
          }
  return { dx, dw, dxScale, dwScale };
}

/** The gradients of Σ conv2d(x, filter) · dy on the active backend, through tf.grads (the kernels training meets). */
function gradients({ stride, pad }: Case, x: tf.Tensor4D, filter: tf.Tensor4D, dy: tf.Tensor4D) {
  return tf.tidy(() => {
    const [dx, dw] = tf.grads((a, w) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, stride, pad), dy)))([x, filter]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

/** The largest difference, each relative to its sum's scale (the sum of its terms' magnitudes, at least 1). */
function worstRelative(got: ArrayLike<number>, want: ArrayLike<number>, scale?: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, scale ? scale[i] : Math.abs(want[i])));
  return worst;
}

const explicit = (top: number, bottom: number, left: number, right: number): Pad => [
  [0, 0],
  [top, bottom],
  [left, right],
  [0, 0],
];

// The zoo's convolutions (3×3, same, 1→4, 4→8, 1→16, 16→32 channels on 28×28 and 14×14
// digits), a detector head's (1×1 and 3×3 on an 8×8 grid, strided 3×3 stems), odd sizes,
// 'valid', explicit and uneven padding, non-square filters and strides.
const CASES: Case[] = [
  { x: [3, 28, 28, 1], filter: [3, 3, 1, 4], stride: 1, pad: 'same' },
  { x: [3, 14, 14, 4], filter: [3, 3, 4, 8], stride: 1, pad: 'same' },
  { x: [2, 28, 28, 1], filter: [3, 3, 1, 16], stride: 1, pad: 'same' },
  { x: [2, 14, 14, 16], filter: [3, 3, 16, 32], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 32], filter: [1, 1, 32, 15], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 16], filter: [3, 3, 16, 16], stride: 1, pad: 'same' },
  { x: [2, 64, 64, 1], filter: [3, 3, 1, 8], stride: 2, pad: 'same' },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'valid' },
  { x: [2, 10, 10, 3], filter: [5, 5, 3, 5], stride: 1, pad: 'valid' },
  { x: [2, 10, 7, 2], filter: [3, 3, 2, 3], stride: 1, pad: explicit(1, 2, 0, 1) },
  { x: [2, 11, 9, 2], filter: [3, 2, 2, 3], stride: [2, 1], pad: explicit(0, 1, 2, 0) },
  { x: [2, 7, 9, 2], filter: [2, 4, 2, 3], stride: 1, pad: 'same' },
];

describe('the WASM backend’s conv gradients', () => {
  const { expectNoDataLeft } = onWasmBackend();

  it('are installed with the WASM backend, once', async () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmConvGradientsInstalled()).toBe(true);
    await selectBackend(['wasm']);
    expect(wasmConvGradientsInstalled()).toBe(true);
  });

  it('match a float64 reference and the CPU backend for every padding, stride and channel count the zoo and a detector use', async () => {
    for (const [i, c] of CASES.entries()) {
      const what = `x ${c.x}, filter ${c.filter}, stride ${c.stride}, pad ${JSON.stringify(c.pad)}`;
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
      const normal = (shape: number[], seed: number) => tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
      const [x, filter, dy] = [normal(c.x, 10 * i + 1), normal(c.filter, 10 * i + 2), normal(info.outShape, 10 * i + 3)];
      const want = reference(c, x, filter, dy);
      const onBackend = () => gradients(c, tf.tensor4d(x, c.x), tf.tensor4d(filter, c.filter), tf.tensor4d(dy, info.outShape));
      const wasm = tf.tidy(onBackend);
      await tf.setBackend('cpu');
      const cpu = tf.tidy(onBackend);
      await tf.setBackend('wasm');
      expect(worstRelative(wasm.dw, want.dw, want.dwScale), `filter's gradient, ${what}`).toBeLessThan(1e-5);
      expect(worstRelative(wasm.dx, want.dx, want.dxScale), `input's gradient, ${what}`).toBeLessThan(1e-5);
      expect(worstRelative(wasm.dw, cpu.dw, want.dwScale), `filter's gradient against the CPU backend, ${what}`).toBeLessThan(1e-5);
      expect(worstRelative(wasm.dx, cpu.dx, want.dxScale), `input's gradient against the CPU backend, ${what}`).toBeLessThan(1e-5);
    }
    expectNoDataLeft();
  });

  it('take no dilation: TF.js refuses a dilated conv2d’s gradient before it reaches them', () => {
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const filter = tf.zeros([3, 3, 1, 2]) as tf.Tensor4D;
    expect(() => tf.grad((w) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same', 'NHWC', 2)))(filter)).toThrow(/dilation/);
    tf.dispose([x, filter]);
  });

  it('give the zoo’s CNNs the CPU backend’s gradients for every weight', async () => {
    const cnns = MODEL_ZOO.filter((m) => m.description.startsWith('conv'));
    expect(cnns.map((m) => m.id)).toEqual(['mnist-cnn-teacher', 'mnist-cnn-small']);
    const images = tf.tidy(() => tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 5).dataSync());
    const labels = [3, 1, 4, 1, 5, 9];
    for (const spec of cnns) {
      const onBackend = () => {
        const model = spec.build(7);
        try {
          return tf.tidy(() => {
            const x = tf.tensor4d(images, [6, 28, 28, 1]);
            const y = tf.oneHot(labels, 10);
            const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
            const loss = () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: false }) as tf.Tensor) as tf.Scalar;
            const { grads } = tf.variableGrads(loss, variables);
            return variables.map((v) => ({ name: v.shape.join('×'), values: grads[v.name]?.dataSync() }));
          });
        } finally {
          model.dispose();
        }
      };
      const wasm = onBackend();
      await tf.setBackend('cpu');
      const cpu = onBackend();
      await tf.setBackend('wasm');
      expect(wasm.map((w) => w.name)).toEqual(cpu.map((w) => w.name));
      for (const [i, w] of wasm.entries()) {
        expect(w.values, `${spec.id}: ${w.name} has a gradient`).toBeDefined();
        let scale = 0;
        for (const v of cpu[i].values!) scale = Math.max(scale, Math.abs(v));
        expect(scale, `${spec.id}: ${w.name}'s gradient is not all zero`).toBeGreaterThan(0);
        expect(worstRelative(w.values!, cpu[i].values!) / scale, `${spec.id}: ${w.name}`).toBeLessThan(1e-4);
      }
    }
  });
});
