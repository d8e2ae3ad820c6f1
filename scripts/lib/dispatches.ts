// Counts what one call costs in launches, as the benchmarks report it: TF.js kernels (what
// `tf.profile` sees; a fused kernel counts once) and, on WebGL and WebGPU, the GPU programs
// those kernels really run (every TF.js kernel launches its programs through the backend's
// `runWebGLProgram` / `runWebGPUProgram`, which are counted while the call runs).
import * as tf from '@tensorflow/tfjs-core';

export interface Dispatches {
  /** TF.js kernels, from `tf.profile`. */
  kernels: number;
  /** GPU programs run (WebGL draws or WebGPU compute dispatches); null on the CPU and WASM backends. */
  programs: number | null;
}

type ProgramRunner = (...args: unknown[]) => unknown;

export async function countDispatches(call: () => Promise<tf.TensorContainer> | tf.TensorContainer): Promise<Dispatches> {
  const backend = tf.backend() as unknown as Record<string, ProgramRunner>;
  const method = ['runWebGPUProgram', 'runWebGLProgram'].find((name) => typeof backend[name] === 'function');
  let programs = 0;
  if (method) {
    // Counted on a call of its own: under tf.profile the backends read every kernel's
    // output back (to check it for NaN), which runs decoding programs of its own.
    const original = backend[method];
    backend[method] = function (this: unknown, ...args: unknown[]) {
      programs++;
      return original.apply(this, args);
    };
    try {
      tf.dispose(await call());
    } finally {
      backend[method] = original;
    }
  }
  const info = await tf.profile(async () => {
    tf.dispose(await call());
    return [];
  });
  return { kernels: info.kernels.length, programs: method ? programs : null };
}
