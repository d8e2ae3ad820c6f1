// The WASM backend for the tests of one describe block (back to the CPU backend after it),
// and a check that the block's kernels left no data on the backend.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect } from 'vitest';
import { selectBackend } from '../tf/backends';

/** Selects WASM before the block's tests and the CPU backend after; call in a describe. */
export function onWasmBackend(): { expectNoDataLeft: () => void } {
  let before = 0;
  beforeAll(async () => {
    await selectBackend(['wasm']);
    before = tf.engine().backend.numDataIds();
  });
  afterAll(async () => {
    await selectBackend(['cpu']);
  });
  return { expectNoDataLeft: () => expect(tf.engine().backend.numDataIds()).toBe(before) };
}
