// The fused DKD op: one registered TF.js kernel per backend computes every sample's DKD loss
// and its gradient with respect to the student logits in one call (dkd-host.ts for CPU and
// WASM, dkd-webgpu.ts, dkd-webgl.ts), where DKD composed from TF.js ops runs many kernels
// forward and back (the fused one's launches: docs/perf.md, "Cost of the loss"). The op
// returns the per-sample losses, so a stacked race averages
// them per run; its gradient is one multiplication of the upstream gradient by the kernel's.
//
// The gradient in closed form, with u = z/τ (standardized first when the switch is on),
// p = softmax(u_t), q = softmax(u_s), y the label, p̂ and q̂ the softmaxes over the non-target
// classes alone: ∂TCKD/∂u_s is q_y − p_y at y and q̂_c·(p_y − q_y) elsewhere; ∂NCKD/∂u_s is
// q̂_c − p̂_c off y and 0 at y; the loss is τ²·(α·TCKD + β·NCKD), so ∂/∂z_s = τ·(α·… + β·…).
// The spec removes the target from NCKD's softmax by subtracting 1000 from its scaled logit
// (a probability e^−1000, 0 in floating point); the kernel leaves it out, the same number
// unless the target's scaled logit exceeds every other by about 1000.
import type * as tf from '@tensorflow/tfjs-core';
import { DKD_KERNEL, type DkdKernelAttrs } from './dkd-attrs';
import { dkdHost } from './dkd-host';
import { dkdWebGl } from './dkd-webgl';
import { dkdWebGpu } from './dkd-webgpu';
import { hostOutput, type HostBackend } from './pcd';
import { perSampleFused } from './per-sample';
import { kernelRegistration } from './registry';

interface DkdKernelInputs {
  studentLogits: tf.TensorInfo;
  teacherLogits: tf.TensorInfo;
  oneHot: tf.TensorInfo;
}

function hostKernel(backendName: 'cpu' | 'wasm'): tf.KernelConfig {
  return {
    kernelName: DKD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { studentLogits, teacherLogits, oneHot } = inputs as unknown as DkdKernelInputs;
      const host = backend as unknown as HostBackend;
      const [batch, classes] = studentLogits.shape;
      const { losses, grad } = dkdHost(
        host.readSync(studentLogits.dataId),
        host.readSync(teacherLogits.dataId),
        host.readSync(oneHot.dataId),
        batch,
        classes,
        attrs as unknown as DkdKernelAttrs,
      );
      const make = hostOutput(host, backendName);
      return [make([batch], losses), make([batch, classes], grad)];
    },
  };
}

/** Registers the fused DKD kernel for every backend (once) and says whether the active backend has it (every backend this project uses does). */
export const hasFusedDkd = kernelRegistration(DKD_KERNEL, () => [
  hostKernel('cpu'),
  hostKernel('wasm'),
  { kernelName: DKD_KERNEL, backendName: 'webgpu', kernelFunc: dkdWebGpu as unknown as tf.KernelFunc },
  { kernelName: DKD_KERNEL, backendName: 'webgl', kernelFunc: dkdWebGl as unknown as tf.KernelFunc },
]);

/**
 * Each sample's `τ² · (α·TCKD + β·NCKD)`, `[B]`, through the fused kernel. Differentiable with
 * respect to `studentLogits` only (the teacher is frozen, the labels are data).
 */
export function dkdFused(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, oneHot: tf.Tensor2D, attrs: DkdKernelAttrs): tf.Tensor1D {
  hasFusedDkd();
  return perSampleFused(DKD_KERNEL, studentLogits, { teacherLogits, oneHot }, attrs as unknown as tf.NamedAttrMap);
}
