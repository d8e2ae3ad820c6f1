// A fused kernel that returns each sample's loss `[N]` and its gradient `[N, C]` with respect
// to the student logits (DKD's, cross-entropy's), as a differentiable op: its gradient is the
// upstream gradient of each sample times the kernel's row, so a caller may weight the samples
// as it likes (a stacked race averages each run's rows).
import * as tf from '@tensorflow/tfjs-core';

/** Runs `kernel` on `{ studentLogits, ...others }` (outputs: losses, grad); differentiable with respect to `studentLogits` only. */
export function perSampleFused(kernel: string, studentLogits: tf.Tensor2D, others: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap): tf.Tensor1D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [student, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [losses, grad] = tf.engine().runKernel(kernel, { studentLogits: student, ...others } as tf.NamedTensorMap, attrs) as tf.Tensor[];
    save([grad]);
    return { value: losses, gradFunc: (dy: tf.Tensor, [savedGrad]: tf.Tensor[]) => tf.mul(tf.expandDims(dy, 1), savedGrad) };
  });
  return op(studentLogits) as tf.Tensor1D;
}
