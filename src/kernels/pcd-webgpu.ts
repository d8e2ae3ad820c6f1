// The fused PCD kernel in WGSL for TF.js's WebGPU backend. One workgroup per sample does
// the whole row (pcd-host.ts is the same algorithm as plain loops): the row's moments for
// standardization, every class's rank by counting larger gaps (one thread per class), each
// group's statistics (one thread per group, serially over its C/k positions), then every
// class's gradient from its S groups (one thread per class). Three workgroup barriers without
// standardization: a barrier costs much on a software GPU, and these rows are short. The
// row's outputs go to one packed buffer; small programs then copy each output out of it and
// reduce the group losses over the batch. 7 dispatches in all, whatever S.
import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';
import { groupCount, type PcdKernelAttrs } from './pcd-attrs';

/** The part of TF.js's WebGPU program interface these programs fill in (webgpu_program.d.ts). */
interface WebGpuProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  getUserCode: () => string;
}

interface WebGpuBackend {
  runWebGPUProgram(program: WebGpuProgram, inputs: TensorInfo[], outputDtype: 'float32'): TensorInfo;
  disposeData(dataId: DataId): boolean;
}

const ROW_THREADS = 64;
const FLAT_THREADS = 64;
const STATS_PER_GROUP = 8;

/** A WGSL f32 literal. */
function f32(value: number): string {
  return `${value.toExponential()}f`;
}

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

function rowProgram(batch: number, classes: number, attrs: PcdKernelAttrs): WebGpuProgram {
  const { stages, temperature, alpha, adaptive, ranking, standardize, stageWeights } = attrs;
  const groups = groupCount(stages);
  const at = packedLayout(batch, classes, groups);
  // The gradient weight of stage k: α · w_k / B.
  const weights = stageWeights.map((w) => f32((alpha * w) / batch)).join(', ');
  const key = [batch, classes, stages, temperature, alpha, adaptive, ranking, standardize, stageWeights.join('_')].join(',');
  const userCode = `
    const C : i32 = ${classes};
    const S : i32 = ${stages};
    const G : i32 = ${groups};
    const WG : i32 = ${ROW_THREADS};
    const TAU : f32 = ${f32(temperature)};
    const EPS : f32 = 1e-7f;
    var<private> stageWeight : array<f32, ${stages}> = array<f32, ${stages}>(${weights});
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
    fn classAt(r : i32) -> i32 { return clamp(i32(result[${at.order} + row * C + r]), 0, C - 1); }

    fn main(index : i32) {
      _ = uniforms.NAN; // TF.js binds its uniforms to every program: they must be used
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
        result[${at.ranks} + base + c] = f32(rank);
        result[${at.order} + base + rank] = f32(c);
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
        result[${at.groupLosses} + cell] = TAU * TAU * lambda * kl;
        result[${at.lambdas} + cell] = lambda;
        let stat = ${at.stats} + cell * ${STATS_PER_GROUP};
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
        let r = i32(result[${at.ranks} + base + c] + 0.5f);
        let ut = teacher(c) / TAU;
        let us = student(c) / TAU;
        var total = 0.0f;
        for (var k = 1; k <= S; k++) {
          let weight = stageWeight[k - 1];
          if (weight == 0.0f) { continue; }
          let cell = row * G + (k * (k - 1)) / 2 + (r * k) / C;
          let stat = ${at.stats} + cell * ${STATS_PER_GROUP};
          let p = exp(ut - result[stat]) / result[stat + 2];
          let q = exp(us - result[stat + 1]) / result[stat + 3];
          let lambda = result[${at.lambdas} + cell];
          let dLambda = ${adaptive ? '-q * (p / result[stat + 6] - result[stat + 5] * q / result[stat + 7])' : '0.0f'};
          total += weight * TAU * (dLambda * result[stat + 4] + lambda * (q - p));
        }
        result[${at.grad} + base + c] = total;
      }
      ${
        standardize
          ? `
      // Back through z = (x − μ)/(σ + ε) (pcd-host.ts has the formula).
      storageBarrier();
      var back = vec4<f32>(0.0f);
      for (var c = lid; c < C; c += WG) {
        let g = result[${at.grad} + base + c];
        back += vec4<f32>(g, g * (zs[base + c] - meanS), 0.0f, 0.0f);
      }
      let gs = sum4(back);
      let scale = select(0.0f, gs.y / (f32(C - 1) * stdS * (stdS + EPS) * (stdS + EPS)), stdS > 0.0f);
      for (var c = lid; c < C; c += WG) {
        let g = result[${at.grad} + base + c];
        result[${at.grad} + base + c] = (g - gs.x / f32(C)) / (stdS + EPS) - scale * (zs[base + c] - meanS);
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
    getUserCode: () => userCode,
  };
}

function flatProgram(name: string, size: number, body: string): WebGpuProgram {
  const userCode = `
    fn main(index : i32) {
      _ = uniforms.NAN; // TF.js binds its uniforms to every program: they must be used
      if (index < ${size}) { ${body} }
    }
  `;
  return {
    outputShape: [size],
    shaderKey: `pcd${name}_${size}_${body.length}_${body}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(size / FLAT_THREADS), 1, 1],
    variableNames: ['packed'],
    workgroupSize: [FLAT_THREADS, 1, 1],
    getUserCode: () => userCode,
  };
}

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
  const { stages, alpha, stageWeights } = attrs;
  const groups = groupCount(stages);
  const at = packedLayout(batch, classes, groups);
  const packed = backend.runWebGPUProgram(rowProgram(batch, classes, attrs), [studentLogits, teacherLogits], 'float32');
  try {
    const copy = (offset: number, shape: number[]): TensorInfo => {
      const size = shape.reduce((a, b) => a * b, 1);
      const out = backend.runWebGPUProgram(flatProgram('Copy', size, `result[index] = packed[${offset} + index];`), [packed], 'float32');
      return { ...out, shape };
    };
    // L_k = (1/B) Σ_b Σ_{g of stage k} D; loss = α Σ_k w_k L_k, both from the packed group losses.
    const stageSum = (k: string) => `
      var total = 0.0f;
      for (var b = 0; b < ${batch}; b++) {
        for (var g = 0; g < ${k}; g++) { total += packed[${at.groupLosses} + b * ${groups} + (${k} * (${k} - 1)) / 2 + g]; }
      }`;
    const stageLosses = backend.runWebGPUProgram(
      flatProgram('Stages', stages, `let k = index + 1; ${stageSum('k')} result[index] = total / ${f32(batch)};`),
      [packed],
      'float32',
    );
    const weights = stageWeights.map((w) => f32((alpha * w) / batch)).join(', ');
    const loss = backend.runWebGPUProgram(
      flatProgram(
        'Loss',
        1,
        `var weight = array<f32, ${stages}>(${weights});
        var loss = 0.0f;
        for (var k = 1; k <= ${stages}; k++) { ${stageSum('k')} loss += weight[k - 1] * total; }
        result[0] = loss;`,
      ),
      [packed],
      'float32',
    );
    const outputs = [{ ...loss, shape: [] }, stageLosses, copy(at.grad, [batch, classes])];
    if (!attrs.diagnostics) return outputs;
    return [...outputs, copy(at.ranks, [batch, classes]), copy(at.groupLosses, [batch, groups]), copy(at.lambdas, [batch, groups])];
  } finally {
    backend.disposeData(packed.dataId);
  }
}
