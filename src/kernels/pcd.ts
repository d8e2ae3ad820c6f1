// The fused PCD op: one registered TF.js kernel per backend computes the loss, its gradient
// with respect to the student logits and every chart diagnostic in a few passes over the
// logits (pcd-host.ts for CPU and WASM, pcd-webgpu.ts, pcd-webgl.ts). The op's gradient is
// then one multiplication by the upstream gradient.
import * as tf from '@tensorflow/tfjs-core';
import { PCD_KERNEL, type PcdKernelAttrs } from './pcd-attrs';
import { pcdHost } from './pcd-host';
import { pcdWebGl } from './pcd-webgl';
import { pcdWebGpu } from './pcd-webgpu';
import { kernelRegistration } from './registry';

export interface HostBackend {
  readSync(dataId: tf.DataId): ArrayLike<number>;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset: undefined, values: Float32Array): tf.TensorInfo;
}

interface PcdKernelInputs {
  studentLogits: tf.TensorInfo;
  teacherLogits: tf.TensorInfo;
}

/** A kernel output on the CPU or WASM backend, from host values. */
export function hostOutput(host: HostBackend, backendName: 'cpu' | 'wasm'): (shape: number[], values: Float32Array) => tf.TensorInfo {
  return (shape, values) =>
    backendName === 'wasm' ? host.makeOutput!(shape, 'float32', undefined, values) : host.makeTensorInfo!(shape, 'float32', values);
}

/** The CPU and WASM kernel: the inputs are already host memory there. */
function hostKernel(backendName: 'cpu' | 'wasm'): tf.KernelConfig {
  return {
    kernelName: PCD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { studentLogits, teacherLogits } = inputs as unknown as PcdKernelInputs;
      const host = backend as unknown as HostBackend;
      const [batch, classes] = studentLogits.shape;
      const a = attrs as unknown as PcdKernelAttrs;
      const result = pcdHost(host.readSync(studentLogits.dataId), host.readSync(teacherLogits.dataId), batch, classes, a);
      const groups = result.groupLosses.length / batch;
      const make = hostOutput(host, backendName);
      const outputs = [make([], Float32Array.of(result.loss)), make([a.stages], result.stageLosses), make([batch, classes], result.grad)];
      if (!a.diagnostics) return outputs;
      return [...outputs, make([batch, classes], result.ranks), make([batch, groups], result.groupLosses), make([batch, groups], result.lambdas)];
    },
  };
}

const registerAndCheck = kernelRegistration(PCD_KERNEL, () => [
  hostKernel('cpu'),
  hostKernel('wasm'),
  { kernelName: PCD_KERNEL, backendName: 'webgpu', kernelFunc: pcdWebGpu as unknown as tf.KernelFunc },
  { kernelName: PCD_KERNEL, backendName: 'webgl', kernelFunc: pcdWebGl as unknown as tf.KernelFunc },
]);

/** Registers the fused kernel for every backend (idempotent; harmless for a backend never loaded). */
export function registerPcdKernels(): void {
  registerAndCheck();
}

/** Whether the active backend has the fused kernel (every backend this project uses does). */
export function hasFusedPcd(): boolean {
  return registerAndCheck();
}

export interface FusedPcdOutputs {
  loss: tf.Scalar;
  stageLosses: tf.Tensor1D;
  /** With `attrs.diagnostics`: `[B, C]` float32 ranks, and `[B, G]` group losses and λ. */
  diagnostics?: { ranks: tf.Tensor2D; groupLosses: tf.Tensor2D; lambdas: tf.Tensor2D };
}

/**
 * Runs the fused kernel. The loss is differentiable with respect to `studentLogits` only
 * (the teacher is frozen, and the ranking and groups carry no gradient, as the spec says):
 * its gradient is the kernel's own `grad` output times the upstream gradient.
 */
export function pcdFused(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, attrs: PcdKernelAttrs): FusedPcdOutputs {
  registerPcdKernels();
  let side: tf.Tensor[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [student, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [loss, stageLosses, grad, ...diagnostics] = tf
      .engine()
      .runKernel(
        PCD_KERNEL,
        { studentLogits: student, teacherLogits } as unknown as tf.NamedTensorMap,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[];
    save([grad]);
    // Kept past customGrad's own scope, then handed to the caller's scope below.
    side = [stageLosses, ...diagnostics].map((t) => tf.keep(t));
    return { value: loss, gradFunc: (dy: tf.Tensor, [savedGrad]: tf.Tensor[]) => tf.mul(dy, savedGrad) };
  });
  const loss = op(studentLogits) as tf.Scalar;
  const [stageLosses, ranks, groupLosses, lambdas] = side.map((t) => tf.clone(t));
  tf.dispose(side);
  return {
    loss,
    stageLosses: stageLosses as tf.Tensor1D,
    ...(ranks ? { diagnostics: { ranks: ranks as tf.Tensor2D, groupLosses: groupLosses as tf.Tensor2D, lambdas: lambdas as tf.Tensor2D } } : {}),
  };
}

/** The fused kernel's attributes for Hinton KD: PCD with one stage, λ = 1 and one pass. */
function kdAttrs(temperature: number, standardize: boolean, diagnostics: boolean): PcdKernelAttrs {
  return { stages: 1, temperature, alpha: 1, adaptive: false, ranking: false, standardize, stageWeights: [1], diagnostics };
}

/**
 * Hinton KD through the same kernel: PCD with one stage, λ = 1 and one pass is
 * `τ² · mean_b KL(softmax_τ(zt) ‖ softmax_τ(zs))` exactly (docs/spec.md §3 with one group).
 */
export function kdFused(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number, standardize: boolean): tf.Scalar {
  const { loss, stageLosses } = pcdFused(studentLogits, teacherLogits, kdAttrs(temperature, standardize, false));
  stageLosses.dispose();
  return loss;
}

/**
 * KD's batch mean (differentiable) and each sample's KD `[B]` (values for reports: the single
 * group's loss D, which is τ²·KL with λ = 1), from one call of the kernel.
 */
export function kdFusedPerSample(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  temperature: number,
  standardize: boolean,
): { mean: tf.Scalar; perSample: tf.Tensor1D } {
  const { loss, stageLosses, diagnostics } = pcdFused(studentLogits, teacherLogits, kdAttrs(temperature, standardize, true));
  const { ranks, groupLosses, lambdas } = diagnostics!;
  const perSample = tf.reshape(groupLosses, [-1]) as tf.Tensor1D;
  tf.dispose([stageLosses, ranks, groupLosses, lambdas]);
  return { mean: loss, perSample };
}
