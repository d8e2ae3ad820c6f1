// What the fused DKD kernel needs to know, shared by its three implementations (plain loops
// for the CPU and WASM backends, WGSL for WebGPU, GLSL for WebGL). No TF.js here.

/** The registered kernel's name (`tf.registerKernel`, one registration per backend). */
export const DKD_KERNEL = 'DkdDistillFused';

/** DKD's options, already validated (`resolveDkdOptions`). */
export interface DkdKernelAttrs {
  temperature: number;
  alpha: number;
  beta: number;
  standardize: boolean;
}
