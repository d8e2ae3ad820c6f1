// Registration of the project's kernels with TF.js: each registered once, on first use, for
// every backend it has an implementation for (harmless for a backend never loaded).
import * as tf from '@tensorflow/tfjs-core';

/**
 * A function that registers `configs()` (one per backend, all of one kernel) the first time it
 * is called, and says whether the active backend has that kernel.
 */
export function kernelRegistration(kernelName: string, configs: () => tf.KernelConfig[]): () => boolean {
  let registered = false;
  return () => {
    if (!registered) {
      registered = true;
      for (const config of configs()) {
        if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
      }
    }
    return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
  };
}
