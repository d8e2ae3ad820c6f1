// The fused PCD kernel in WGSL for TF.js's WebGPU backend. One workgroup per sample does
// the whole row (pcd-host.ts is the same algorithm as plain loops): the row's moments for
// standardization, every class's rank by counting larger gaps (one thread per class), each
// group's statistics (one thread per group, serially over its C/k positions), then every
// class's gradient from its S groups (one thread per class). Three workgroup barriers without
// standardization: a barrier costs much on a software GPU, and these rows are short. The
// row's outputs go to one packed buffer; small programs then copy each output out of it and
// reduce the group losses over the batch. 7 dispatches in all, whatever S.
//
// What a run changes while it trains is passed as uniforms, not written into the shader:
// B (the last batch of an epoch, a chunk of a split step), C, τ, α and the stage weights (a
// scheduled phase switching stage). Only the structure is compiled in (S, and the adaptive,
// ranking and standardization switches), so a live τ or α, a new phase or a smaller batch
// reuses the pipelines TF.js has cached, as TF.js's own kernels do.
import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';
import { groupCount, type PcdKernelAttrs } from './pcd-attrs';

/**
 * The part of TF.js's WebGPU program interface these programs fill in, and the backend's
 * `runWebGPUProgram` (tfjs-backend-webgpu 4.x: webgpu_program.d.ts, backend_webgpu.d.ts).
 * Internal to TF.js: an upgrade must check that `uniforms` is still appended to the
 * `Uniforms` struct after the shapes, that `programDefinedUniform` entries (scalars here)
 * are laid out in that order, and that the shader key still leaves out input sizes (it
 * holds only their ranks), or every batch size would compile again.
 */
export interface WebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  /** WGSL fields appended to TF.js's `Uniforms` struct (`name : type, `). */
  uniforms?: string;
  getUserCode: () => string;
}

export type Uniform = { type: 'float32' | 'int32'; data: number[] };

interface WebGpuBackend {
  runWebGPUProgram(program: WebGpuProgram, inputs: TensorInfo[], outputDtype: 'float32', programDefinedUniform?: Uniform[]): TensorInfo;
  disposeData(dataId: DataId): boolean;
}

/** The uniforms every program here declares, in this order. */
const UNIFORMS =
  'batch : i32, classes : i32, tau : f32, alphaOverBatch : f32, jointWeight : f32, activeStage : i32, activeWeight : f32, offset : i32, size : i32, ';

/**
 * The stage weights as uniforms: the same weight for every stage (the joint loss, 1 or 2
 * passes), or one stage's alone (a scheduled phase). Those are the weights `stageWeights`
 * gives; any other pattern is refused rather than compiled into a shader per value.
 */
function weightUniforms(weights: number[]): { jointWeight: number; activeStage: number; activeWeight: number } {
  if (weights.every((w) => w === weights[0])) return { jointWeight: weights[0], activeStage: 0, activeWeight: 0 };
  const nonZero = weights.flatMap((w, i) => (w !== 0 ? [i] : []));
  if (nonZero.length === 1) return { jointWeight: 0, activeStage: nonZero[0] + 1, activeWeight: weights[nonZero[0]] };
  throw new Error(`stage weights [${weights.join(', ')}]: the WebGPU kernel takes one weight for all stages or one stage's alone`);
}

function uniformValues(batch: number, classes: number, attrs: PcdKernelAttrs, offset = 0, size = 0): Uniform[] {
  const weights = weightUniforms(attrs.stageWeights);
  const f = (value: number): Uniform => ({ type: 'float32', data: [value] });
  const i = (value: number): Uniform => ({ type: 'int32', data: [value] });
  return [
    i(batch),
    i(classes),
    f(attrs.temperature),
    f(attrs.alpha / batch),
    f(weights.jointWeight),
    i(weights.activeStage),
    f(weights.activeWeight),
    i(offset),
    i(size),
  ];
}

/** WGSL: stage k's weight in the loss (before α / B), from the uniforms. */
const STAGE_WEIGHT = `
    fn stageWeight(k : i32) -> f32 {
      if (uniforms.activeStage == 0) { return uniforms.jointWeight; }
      return select(0.0f, uniforms.activeWeight, k == uniforms.activeStage);
    }`;

/** WGSL: where each output lies in the packed buffer (as packedLayout), from the uniforms. */
const LAYOUT = `
    fn ranksAt() -> i32 { return uniforms.batch * uniforms.classes; }
    fn groupLossesAt() -> i32 { return 2 * uniforms.batch * uniforms.classes; }
    fn lambdasAt() -> i32 { return groupLossesAt() + uniforms.batch * G; }
    fn orderAt() -> i32 { return lambdasAt() + uniforms.batch * G; }
    fn statsAt() -> i32 { return orderAt() + uniforms.batch * uniforms.classes; }`;

const ROW_THREADS = 64;
const FLAT_THREADS = 64;
const STATS_PER_GROUP = 8;

/** Where each output lies in the packed buffer of the row program. */
function packedLayout(batch: number, classes: number, groups: number) {
  const grad = 0;
  const ranks = grad + batch * classes;
  const groupLosses = ranks + batch * classes;
  const lambdas = groupLosses + batch * groups;
  const order = lambdas + batch * groups; // scratch: the class at each rank position
  const stats = order + batch * classes; // scratch: each group's shifts, sums, KL and cosine terms
  return { grad, ranks, groupLosses, lambdas, order, stats, size: stats + batch * groups * STATS_PER_GROUP };
}

/** The row program: its structure only (S and the switches); sizes, τ, α and weights are uniforms. */
function rowProgram(batch: number, classes: number, attrs: PcdKernelAttrs): WebGpuProgram {
  const { stages, adaptive, ranking, standardize } = attrs;
  const groups = groupCount(stages);
  const at = packedLayout(batch, classes, groups);
  const key = [stages, adaptive, ranking, standardize].join(',');
  const userCode = `
    const S : i32 = ${stages};
    const G : i32 = ${groups};
    const WG : i32 = ${ROW_THREADS};
    const EPS : f32 = 1e-7f;
    var<private> C : i32;
    var<private> TAU : f32;
    ${STAGE_WEIGHT}
    ${LAYOUT}
    var<workgroup> partial : array<vec4<f32>, ${ROW_THREADS}>;
    var<private> row : i32;
    var<private> meanS : f32 = 0.0f;
    var<private> meanT : f32 = 0.0f;
    var<private> stdS : f32 = 1.0f - 1e-7f;
    var<private> stdT : f32 = 1.0f - 1e-7f;

    fn sum4(value : vec4<f32>) -> vec4<f32> {
      let lid = localIndex;
      partial[lid] = value;
      workgroupBarrier();
      for (var s = u32(WG) / 2u; s > 0u; s = s / 2u) {
        if (lid < s) { partial[lid] = partial[lid] + partial[lid + s]; }
        workgroupBarrier();
      }
      let total = partial[0];
      workgroupBarrier();
      return total;
    }

    fn student(c : i32) -> f32 { ${standardize ? 'return (zs[row * C + c] - meanS) / (stdS + EPS);' : 'return zs[row * C + c];'} }
    fn teacher(c : i32) -> f32 { ${standardize ? 'return (zt[row * C + c] - meanT) / (stdT + EPS);' : 'return zt[row * C + c];'} }
    fn gapOf(c : i32) -> f32 { return abs(teacher(c) - student(c)); }
    fn classAt(r : i32) -> i32 { return clamp(i32(result[orderAt() + row * C + r]), 0, C - 1); }

    fn main(index : i32) {
      C = uniforms.classes;
      TAU = uniforms.tau;
      row = i32(workgroupId.x);
      let lid = i32(localIndex);
      let base = row * C;
      ${
        standardize
          ? `
      var acc = vec4<f32>(0.0f);
      for (var c = lid; c < C; c += WG) { acc += vec4<f32>(zs[base + c], zt[base + c], 0.0f, 0.0f); }
      let sums = sum4(acc);
      meanS = sums.x / f32(C);
      meanT = sums.y / f32(C);
      acc = vec4<f32>(0.0f);
      for (var c = lid; c < C; c += WG) {
        let ds = zs[base + c] - meanS;
        let dt = zt[base + c] - meanT;
        acc += vec4<f32>(ds * ds, dt * dt, 0.0f, 0.0f);
      }
      let squares = sum4(acc);
      stdS = sqrt(squares.x / f32(C - 1));
      stdT = sqrt(squares.y / f32(C - 1));`
          : ''
      }

      // Spec §1: a class's rank is the number of classes with a larger gap, plus those with an
      // equal gap and a lower index.
      for (var c = lid; c < C; c += WG) {
        var rank = c;
        ${
          ranking
            ? `let gap = gapOf(c);
        rank = 0;
        for (var j = 0; j < C; j++) {
          let other = gapOf(j);
          if (other > gap || (other == gap && j < c)) { rank++; }
        }`
            : ''
        }
        result[ranksAt() + base + c] = f32(rank);
        result[orderAt() + base + rank] = f32(c);
      }
      storageBarrier();
      workgroupBarrier();

      // Spec §2–§3: one thread per group (every group of every stage) computes its statistics
      // serially over the group's rank positions: the two maxima, then six sums.
      for (var slot = lid; slot < G; slot += WG) {
        var k = 1;
        for (var s = 2; s <= S; s++) { if (slot >= (s * (s - 1)) / 2) { k = s; } }
        let g = slot - (k * (k - 1)) / 2;
        let start = (g * C + k - 1) / k;
        let end = ((g + 1) * C + k - 1) / k;
        var shiftT = -3.0e38f;
        var shiftS = -3.0e38f;
        for (var r = start; r < end; r++) {
          let c = classAt(r);
          shiftT = max(shiftT, teacher(c) / TAU);
          shiftS = max(shiftS, student(c) / TAU);
        }
        var sumT = 0.0f;
        var sumS = 0.0f;
        var weighted = 0.0f;
        var dotTS = 0.0f;
        var squaresT = 0.0f;
        var squaresS = 0.0f;
        for (var r = start; r < end; r++) {
          let c = classAt(r);
          let ut = teacher(c) / TAU;
          let us = student(c) / TAU;
          let et = exp(ut - shiftT);
          let es = exp(us - shiftS);
          sumT += et;
          sumS += es;
          weighted += et * (ut - us);
          dotTS += et * es;
          squaresT += et * et;
          squaresS += es * es;
        }
        let kl = weighted / sumT - shiftT + shiftS - log(sumT) + log(sumS);
        let cosine = dotTS / sqrt(squaresT * squaresS);
        let lambda = ${adaptive ? '1.0f - cosine' : '1.0f'};
        let normP = sqrt(squaresT) / sumT;
        let normQ = sqrt(squaresS) / sumS;
        let cell = row * G + slot;
        result[groupLossesAt() + cell] = TAU * TAU * lambda * kl;
        result[lambdasAt() + cell] = lambda;
        let stat = statsAt() + cell * ${STATS_PER_GROUP};
        result[stat] = shiftT;
        result[stat + 1] = shiftS;
        result[stat + 2] = sumT;
        result[stat + 3] = sumS;
        result[stat + 4] = kl;
        result[stat + 5] = cosine;
        result[stat + 6] = normP * normQ;
        result[stat + 7] = normQ * normQ;
      }
      storageBarrier();
      workgroupBarrier();

      // ∂loss/∂z_c: the class's group at every weighted stage, ∂D/∂z_c = τ·(∂λ/∂u_c·KL + λ·(q_c − p_c)).
      for (var c = lid; c < C; c += WG) {
        let r = i32(result[ranksAt() + base + c] + 0.5f);
        let ut = teacher(c) / TAU;
        let us = student(c) / TAU;
        var total = 0.0f;
        for (var k = 1; k <= S; k++) {
          // The gradient weight of stage k: α · w_k / B.
          let weight = uniforms.alphaOverBatch * stageWeight(k);
          if (weight == 0.0f) { continue; }
          let cell = row * G + (k * (k - 1)) / 2 + (r * k) / C;
          let stat = statsAt() + cell * ${STATS_PER_GROUP};
          let p = exp(ut - result[stat]) / result[stat + 2];
          let q = exp(us - result[stat + 1]) / result[stat + 3];
          let lambda = result[lambdasAt() + cell];
          let dLambda = ${adaptive ? '-q * (p / result[stat + 6] - result[stat + 5] * q / result[stat + 7])' : '0.0f'};
          total += weight * TAU * (dLambda * result[stat + 4] + lambda * (q - p));
        }
        result[base + c] = total;
      }
      ${
        standardize
          ? `
      // Back through z = (x − μ)/(σ + ε) (pcd-host.ts has the formula).
      storageBarrier();
      var back = vec4<f32>(0.0f);
      for (var c = lid; c < C; c += WG) {
        let g = result[base + c];
        back += vec4<f32>(g, g * (zs[base + c] - meanS), 0.0f, 0.0f);
      }
      let gs = sum4(back);
      let scale = select(0.0f, gs.y / (f32(C - 1) * stdS * (stdS + EPS) * (stdS + EPS)), stdS > 0.0f);
      for (var c = lid; c < C; c += WG) {
        let g = result[base + c];
        result[base + c] = (g - gs.x / f32(C)) / (stdS + EPS) - scale * (zs[base + c] - meanS);
      }`
          : ''
      }
    }
  `;
  return {
    outputShape: [at.size],
    shaderKey: `pcdRow_${key}`,
    dispatchLayout: { x: [0] },
    dispatch: [batch, 1, 1],
    variableNames: ['zs', 'zt'],
    workgroupSize: [ROW_THREADS, 1, 1],
    uniforms: UNIFORMS,
    getUserCode: () => userCode,
  };
}

/**
 * A program of one thread per output element over the packed buffer; `body` reads the
 * uniforms (sizes, offsets, weights), so its pipeline is compiled once per S.
 */
function flatProgram(name: string, size: number, stages: number, body: string): WebGpuProgram {
  const userCode = `
    const G : i32 = ${groupCount(stages)};
    const S : i32 = ${stages};
    ${STAGE_WEIGHT}
    ${LAYOUT}
    fn main(index : i32) {
      if (index < uniforms.size) { ${body} }
    }
  `;
  return {
    outputShape: [size],
    shaderKey: `pcd${name}_${stages}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(size / FLAT_THREADS), 1, 1],
    variableNames: ['packed'],
    workgroupSize: [FLAT_THREADS, 1, 1],
    uniforms: UNIFORMS,
    getUserCode: () => userCode,
  };
}

/** WGSL: L_k summed over the batch (before its mean) into `total`, from the packed group losses. */
const STAGE_SUM = (k: string) => `
      var total = 0.0f;
      for (var b = 0; b < uniforms.batch; b++) {
        for (var g = 0; g < ${k}; g++) { total += packed[groupLossesAt() + b * G + (${k} * (${k} - 1)) / 2 + g]; }
      }`;

/** The WebGPU kernel function (registered in pcd.ts). */
export function pcdWebGpu({
  inputs,
  backend,
  attrs,
}: {
  inputs: { studentLogits: TensorInfo; teacherLogits: TensorInfo };
  backend: WebGpuBackend;
  attrs: PcdKernelAttrs;
}): TensorInfo[] {
  const { studentLogits, teacherLogits } = inputs;
  const [batch, classes] = studentLogits.shape;
  const { stages } = attrs;
  const groups = groupCount(stages);
  const at = packedLayout(batch, classes, groups);
  const run = (program: WebGpuProgram, input: TensorInfo[], offset = 0, size = program.outputShape[0]) =>
    backend.runWebGPUProgram(program, input, 'float32', uniformValues(batch, classes, attrs, offset, size));
  const packed = run(rowProgram(batch, classes, attrs), [studentLogits, teacherLogits]);
  try {
    const copy = (offset: number, shape: number[]): TensorInfo => {
      const size = shape.reduce((a, b) => a * b, 1);
      const out = run(flatProgram('Copy', size, stages, 'result[index] = packed[uniforms.offset + index];'), [packed], offset, size);
      return { ...out, shape };
    };
    // L_k = (1/B) Σ_b Σ_{g of stage k} D; loss = (α/B) Σ_k w_k Σ_b Σ_g D, both from the packed group losses.
    const stageLosses = run(
      flatProgram('Stages', stages, stages, `let k = index + 1; ${STAGE_SUM('k')} result[index] = total / f32(uniforms.batch);`),
      [packed],
    );
    const loss = run(
      flatProgram(
        'Loss',
        1,
        stages,
        `var loss = 0.0f;
        for (var k = 1; k <= S; k++) { ${STAGE_SUM('k')} loss += uniforms.alphaOverBatch * stageWeight(k) * total; }
        result[0] = loss;`,
      ),
      [packed],
    );
    const outputs = [{ ...loss, shape: [] }, stageLosses, copy(at.grad, [batch, classes])];
    if (!attrs.diagnostics) return outputs;
    return [...outputs, copy(at.ranks, [batch, classes]), copy(at.groupLosses, [batch, groups]), copy(at.lambdas, [batch, groups])];
  } finally {
    backend.disposeData(packed.dataId);
  }
}
