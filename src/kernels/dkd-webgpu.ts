// The fused DKD kernel in WGSL for TF.js's WebGPU backend: one thread per sample computes
// its row's statistics (the standardization's moments, the label, four log-sum-exps; the
// formulas are dkd-host.ts's), then either the sample's loss or the gradient of each of its
// classes. 2 dispatches. B, C, τ, α and β are uniforms (a live τ, a last short batch reuse
// the compiled pipelines); only the standardization switch is compiled in.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { DkdKernelAttrs } from './dkd-attrs';
import type { Uniform, WebGpuProgram } from './pcd-webgpu';

/** TF.js's WebGPU program interface is declared once, in pcd-webgpu.ts, with what an upgrade must check. */
interface WebGpuBackend {
  runWebGPUProgram(program: WebGpuProgram, inputs: TensorInfo[], outputDtype: 'float32', programDefinedUniform?: Uniform[]): TensorInfo;
}

const UNIFORMS = 'batch : i32, classes : i32, tau : f32, alpha : f32, beta : f32, ';
const THREADS = 64;

/** WGSL: the row's statistics into private variables, for the sample `row`. */
function rowCode(standardize: boolean): string {
  return `
    const EPS : f32 = 1e-7f;
    var<private> C : i32;
    var<private> base : i32;
    var<private> meanS : f32 = 0.0f;
    var<private> meanT : f32 = 0.0f;
    var<private> stdS : f32 = 1.0f - 1e-7f;
    var<private> stdT : f32 = 1.0f - 1e-7f;
    var<private> y : i32 = 0;
    var<private> lseS : f32;
    var<private> lseT : f32;
    var<private> lseRestS : f32;
    var<private> lseRestT : f32;

    fn us(c : i32) -> f32 { return ${standardize ? '(zs[base + c] - meanS) / (stdS + EPS)' : 'zs[base + c]'} / uniforms.tau; }
    fn ut(c : i32) -> f32 { return ${standardize ? '(zt[base + c] - meanT) / (stdT + EPS)' : 'zt[base + c]'} / uniforms.tau; }

    fn rowStats(row : i32) {
      C = uniforms.classes;
      base = row * C;
      ${
        standardize
          ? `
      var totalS = 0.0f;
      var totalT = 0.0f;
      for (var c = 0; c < C; c++) { totalS += zs[base + c]; totalT += zt[base + c]; }
      meanS = totalS / f32(C);
      meanT = totalT / f32(C);
      var squaresS = 0.0f;
      var squaresT = 0.0f;
      for (var c = 0; c < C; c++) {
        let ds = zs[base + c] - meanS;
        let dt = zt[base + c] - meanT;
        squaresS += ds * ds;
        squaresT += dt * dt;
      }
      stdS = sqrt(squaresS / f32(C - 1));
      stdT = sqrt(squaresT / f32(C - 1));`
          : ''
      }
      y = -1;
      // f32(): TF.js may bind a one-hot that a Cast made from int32 with its int32 buffer.
      for (var c = 0; c < C; c++) { if (y < 0 && f32(oneHot[base + c]) > 0.5f) { y = c; } }
      y = max(y, 0);
      var maxS = -3.0e38f;
      var maxT = -3.0e38f;
      var maxRestS = -3.0e38f;
      var maxRestT = -3.0e38f;
      for (var c = 0; c < C; c++) {
        let s = us(c);
        let t = ut(c);
        maxS = max(maxS, s);
        maxT = max(maxT, t);
        if (c != y) { maxRestS = max(maxRestS, s); maxRestT = max(maxRestT, t); }
      }
      var sumS = 0.0f;
      var sumT = 0.0f;
      var sumRestS = 0.0f;
      var sumRestT = 0.0f;
      for (var c = 0; c < C; c++) {
        let s = us(c);
        let t = ut(c);
        sumS += exp(s - maxS);
        sumT += exp(t - maxT);
        if (c != y) { sumRestS += exp(s - maxRestS); sumRestT += exp(t - maxRestT); }
      }
      lseS = maxS + log(sumS);
      lseT = maxT + log(sumT);
      lseRestS = maxRestS + log(sumRestS);
      lseRestT = maxRestT + log(sumRestT);
    }`;
}

function program(name: 'Loss' | 'Grad', batch: number, classes: number, standardize: boolean, body: string): WebGpuProgram {
  const size = name === 'Loss' ? batch : batch * classes;
  return {
    outputShape: [size],
    shaderKey: `dkd${name}_${standardize}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(batch / THREADS), 1, 1],
    variableNames: ['zs', 'zt', 'oneHot'],
    workgroupSize: [THREADS, 1, 1],
    uniforms: UNIFORMS,
    getUserCode: () => `
    ${rowCode(standardize)}
    fn main(row : i32) {
      if (row >= uniforms.batch) { return; }
      rowStats(row);
      let logTargetS = us(y) - lseS;
      let logTargetT = ut(y) - lseT;
      ${body}
    }`,
  };
}

/** WGSL: the sample's loss, `τ²·(α·TCKD + β·NCKD)`. */
const LOSS = `
      let logRestS = lseRestS - lseS;
      let logRestT = lseRestT - lseT;
      let tckd = exp(logTargetT) * (logTargetT - logTargetS) + exp(logRestT) * (logRestT - logRestS);
      var nckd = 0.0f;
      for (var c = 0; c < C; c++) {
        if (c == y) { continue; }
        let logQt = ut(c) - lseRestT;
        nckd += exp(logQt) * (logQt - (us(c) - lseRestS));
      }
      result[row] = uniforms.tau * uniforms.tau * (uniforms.alpha * tckd + uniforms.beta * nckd);`;

/** WGSL: each class's gradient, then back through the standardization when it is on. */
function gradient(standardize: boolean): string {
  return `
      let targetS = exp(logTargetS);
      let targetT = exp(logTargetT);
      let tau = uniforms.tau;
      for (var c = 0; c < C; c++) {
        var g = tau * uniforms.alpha * (targetS - targetT);
        if (c != y) {
          let qs = exp(us(c) - lseRestS);
          let qt = exp(ut(c) - lseRestT);
          g = tau * (uniforms.alpha * qs * (targetT - targetS) + uniforms.beta * (qs - qt));
        }
        result[base + c] = g;
      }
      ${
        standardize
          ? `
      var sumG = 0.0f;
      var sumGX = 0.0f;
      for (var c = 0; c < C; c++) {
        sumG += result[base + c];
        sumGX += result[base + c] * (zs[base + c] - meanS);
      }
      let scale = select(0.0f, sumGX / (f32(C - 1) * stdS * (stdS + EPS) * (stdS + EPS)), stdS > 0.0f);
      for (var c = 0; c < C; c++) {
        result[base + c] = (result[base + c] - sumG / f32(C)) / (stdS + EPS) - scale * (zs[base + c] - meanS);
      }`
          : ''
      }`;
}

/** The WebGPU kernel function (registered in dkd.ts): `[B]` losses and `[B, C]` gradient. */
export function dkdWebGpu({
  inputs,
  backend,
  attrs,
}: {
  inputs: { studentLogits: TensorInfo; teacherLogits: TensorInfo; oneHot: TensorInfo };
  backend: WebGpuBackend;
  attrs: DkdKernelAttrs;
}): TensorInfo[] {
  const { studentLogits, teacherLogits, oneHot } = inputs;
  const [batch, classes] = studentLogits.shape;
  const uniforms: Uniform[] = [
    { type: 'int32', data: [batch] },
    { type: 'int32', data: [classes] },
    { type: 'float32', data: [attrs.temperature] },
    { type: 'float32', data: [attrs.alpha] },
    { type: 'float32', data: [attrs.beta] },
  ];
  const run = (p: WebGpuProgram) => backend.runWebGPUProgram(p, [studentLogits, teacherLogits, oneHot], 'float32', uniforms);
  const losses = run(program('Loss', batch, classes, attrs.standardize, LOSS));
  const grad = run(program('Grad', batch, classes, attrs.standardize, gradient(attrs.standardize)));
  return [losses, { ...grad, shape: [batch, classes] }];
}
