import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onWasmBackend } from '../test-support/wasm-backend';
import { wasmMaxPoolGradInstalled } from './wasm-pool';

type Pad = 'same' | 'valid';

// The zoo's pools (2×2, stride 2 on 28×28 and 14×14 maps), overlapping windows (3×3 stride 2
// and stride 1), odd sizes where 'same' pads, and a window larger than its stride in one axis.
const CASES: { shape: [number, number, number, number]; size: number | [number, number]; stride: number | [number, number]; pad: Pad }[] = [
  { shape: [4, 28, 28, 4], size: 2, stride: 2, pad: 'valid' },
  { shape: [4, 14, 14, 8], size: 2, stride: 2, pad: 'valid' },
  { shape: [2, 9, 9, 3], size: 3, stride: 2, pad: 'same' },
  { shape: [2, 8, 8, 3], size: 3, stride: 1, pad: 'same' },
  { shape: [2, 7, 9, 2], size: 2, stride: 2, pad: 'same' },
  { shape: [2, 9, 7, 2], size: [3, 2], stride: [1, 2], pad: 'valid' },
];

describe('the WASM backend’s max-pool gradient', () => {
  const { expectNoDataLeft } = onWasmBackend();

  it('is installed with the WASM backend', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmMaxPoolGradInstalled()).toBe(true);
  });

  it('gives the CPU backend’s gradient, ties included (a window’s first maximum takes it)', async () => {
    for (const [i, c] of CASES.entries()) {
      const what = `${c.shape}, pool ${c.size}, stride ${c.stride}, ${c.pad}`;
      // Whole numbers after a ReLU: many windows hold equal maxima, zeros among them.
      const x = tf.tidy(() => tf.relu(tf.round(tf.randomNormal(c.shape, 0, 1.5, 'float32', 2 * i + 1))).dataSync());
      const gradient = () =>
        tf.tidy(() => {
          const input = tf.tensor4d(x, c.shape);
          const y = tf.maxPool(input, c.size, c.stride, c.pad);
          const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 2 * i + 2);
          return tf
            .grad((a) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad), dy)))(input)
            .dataSync();
        });
      const wasm = gradient();
      await tf.setBackend('cpu');
      const cpu = gradient();
      await tf.setBackend('wasm');
      let worst = 0;
      let nonZero = 0;
      for (let j = 0; j < cpu.length; j++) {
        worst = Math.max(worst, Math.abs(wasm[j] - cpu[j]) / (1 + Math.abs(cpu[j])));
        if (cpu[j] !== 0) nonZero++;
      }
      expect(nonZero, `${what}: some positions take a gradient`).toBeGreaterThan(0);
      expect(worst, what).toBeLessThan(1e-6);
    }
    expectNoDataLeft();
  });
});
