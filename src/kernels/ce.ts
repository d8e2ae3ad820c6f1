// Cross-entropy per sample as one kernel on the CPU and WASM backends: each row's loss and its
// gradient in one pass of plain loops, where the composed version (log-softmax, a product with
// the one-hot, a sum, and their gradients) makes about ten passes over the logits. The GPU
// backends keep the composed version: there its few programs are cheap beside a step's.
import type * as tf from '@tensorflow/tfjs-core';
import { hostOutput, type HostBackend } from './pcd';
import { perSampleFused } from './per-sample';
import { kernelRegistration } from './registry';
import { ceHost } from './ce-host';

export const CE_KERNEL = 'CrossEntropyFused';

function hostKernel(backendName: 'cpu' | 'wasm'): tf.KernelConfig {
  return {
    kernelName: CE_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { studentLogits, oneHot } = inputs as unknown as { studentLogits: tf.TensorInfo; oneHot: tf.TensorInfo };
      const host = backend as unknown as HostBackend;
      const [batch, classes] = studentLogits.shape;
      const { losses, grad } = ceHost(host.readSync(studentLogits.dataId), host.readSync(oneHot.dataId), batch, classes);
      const make = hostOutput(host, backendName);
      return [make([batch], losses), make([batch, classes], grad)];
    },
  };
}

/** Registers the kernel (once) and says whether the active backend has it (the CPU and WASM backends). */
export const hasFusedCe = kernelRegistration(CE_KERNEL, () => [hostKernel('cpu'), hostKernel('wasm')]);

/** Each sample's cross-entropy `[N]` against `oneHot` rows, through the kernel; differentiable with respect to `logits`. */
export function ceFused(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return perSampleFused(CE_KERNEL, logits, { oneHot }, {});
}
