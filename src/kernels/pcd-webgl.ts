// The fused PCD kernel in GLSL for TF.js's WebGL backend. A fragment program computes each
// output value on its own, with no shared memory, so the one-pass algorithm of pcd-host.ts
// is cut into a few programs that each read the previous ones' textures: the gaps, every
// class's rank (by counting larger gaps) and the class at each rank position (both packed,
// a 2 × 2 block per texel, then unpacked once), ten statistics per group (shifts, sums, KL,
// cosine, λ, D), the gradient per class from its S groups, and the stage losses and loss
// over the batch: 9 programs whatever S (5 with ranking off), 6 more with standardization,
// and one unpack per input that arrives packed.
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import { groupCount, type PcdKernelAttrs } from './pcd-attrs';

/** The part of TF.js's WebGL program interface these programs fill in (gpgpu_math.d.ts). */
export interface WebGlProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

export interface WebGlBackend {
  runWebGLProgram(program: WebGlProgram, inputs: TensorInfo[], outputDtype: DataType): TensorInfo;
  disposeIntermediateTensorInfo(info: TensorInfo): void;
  texData: { get(dataId: object): { isPacked?: boolean } };
  unpackTensor(info: TensorInfo): TensorInfo;
}

/** A GLSL float literal. */
export function float(value: number): string {
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

const EPSILON = '1e-7';

/** Statistics per group, the channels of the `[10, B, G]` stats texture. */
const STAT = { groupLoss: 0, lambda: 1, shiftT: 2, shiftS: 3, sumT: 4, sumS: 5, kl: 6, cosine: 7, normPQ: 8, normQ2: 9 } as const;
const STAT_COUNT = 10;

/** `[B, 2]`: each row's mean and unbiased standard deviation (docs/spec.md, logit standardization). */
function momentsProgram(batch: number, classes: number): WebGlProgram {
  return {
    variableNames: ['x'],
    outputShape: [batch, 2],
    userCode: `
      void main() {
        ivec2 bi = getOutputCoords();
        float mean = 0.0;
        for (int j = 0; j < ${classes}; j++) mean += getX(bi.x, j);
        mean /= ${float(classes)};
        if (bi.y == 0) { setOutput(mean); return; }
        float squares = 0.0;
        for (int j = 0; j < ${classes}; j++) { float d = getX(bi.x, j) - mean; squares += d * d; }
        setOutput(sqrt(squares / ${float(classes - 1)}));
      }`,
  };
}

/** `(x − mean)/(std + ε)` per row, from the row's moments. */
function standardizeProgram(batch: number, classes: number): WebGlProgram {
  return {
    variableNames: ['x', 'moments'],
    outputShape: [batch, classes],
    userCode: `
      void main() {
        ivec2 bc = getOutputCoords();
        setOutput((getX(bc.x, bc.y) - getMoments(bc.x, 0)) / (getMoments(bc.x, 1) + ${EPSILON}));
      }`,
  };
}

/** `[B, C]` |zt − zs|, read once per comparison by the rank program. */
function gapProgram(batch: number, classes: number): WebGlProgram {
  return {
    variableNames: ['zs', 'zt'],
    outputShape: [batch, classes],
    userCode: `
      void main() {
        ivec2 bc = getOutputCoords();
        setOutput(abs(getZt(bc.x, bc.y) - getZs(bc.x, bc.y)));
      }`,
  };
}

/**
 * Spec §1: a class's rank is the number of classes with a larger gap plus those with an equal
 * gap and a lower index. A packed output: each texel ranks a 2 × 2 block (two samples, two
 * classes), so every pass over a row serves four classes.
 */
function rankProgram(batch: number, classes: number, ranking: boolean): WebGlProgram & { packedOutput?: boolean } {
  if (!ranking) return { variableNames: [], outputShape: [batch, classes], userCode: 'void main() { setOutput(float(getOutputCoords().y)); }' };
  return {
    variableNames: ['gaps'],
    outputShape: [batch, classes],
    packedOutput: true,
    userCode: `
      void main() {
        ivec2 bc = getOutputCoords();
        int b0 = bc.x;
        int b1 = min(bc.x + 1, ${batch - 1});
        int c0 = bc.y;
        int c1 = min(bc.y + 1, ${classes - 1});
        vec4 gap = vec4(getGaps(b0, c0), getGaps(b0, c1), getGaps(b1, c0), getGaps(b1, c1));
        ivec4 index = ivec4(c0, c1, c0, c1);
        vec4 rank = vec4(0.0);
        for (int j = 0; j < ${classes}; j++) {
          vec4 other = vec4(getGaps(b0, j), getGaps(b0, j), getGaps(b1, j), getGaps(b1, j));
          bvec4 larger = greaterThan(other, gap);
          bvec4 tiedBefore = bvec4(equal(other, gap).x && j < index.x, equal(other, gap).y && j < index.y,
                                   equal(other, gap).z && j < index.z, equal(other, gap).w && j < index.w);
          rank += vec4(larger) + vec4(tiedBefore) * vec4(not(larger));
        }
        setOutput(rank);
      }`,
  };
}

/** The class at each rank position (the inverse permutation of the ranks), packed like the ranks: a 2 × 2 block per texel. */
function orderProgram(batch: number, classes: number): WebGlProgram & { packedOutput: boolean } {
  return {
    variableNames: ['ranks'],
    outputShape: [batch, classes],
    packedOutput: true,
    userCode: `
      void main() {
        ivec2 br = getOutputCoords();
        int b1 = min(br.x + 1, ${batch - 1});
        vec4 wanted = vec4(float(br.y), float(br.y + 1), float(br.y), float(br.y + 1));
        vec4 at = vec4(0.0);
        for (int c = 0; c < ${classes}; c++) {
          float rank0 = floor(getRanks(br.x, c) + 0.5);
          float rank1 = floor(getRanks(b1, c) + 0.5);
          at += float(c) * vec4(equal(vec4(rank0, rank0, rank1, rank1), wanted));
        }
        setOutput(at);
      }`,
  };
}

function classAtSnippet(ranking: boolean): string {
  return ranking ? 'int classAt(int b, int r) { return int(getOrder(b, r) + 0.5); }' : 'int classAt(int b, int r) { return r; }';
}

/** `[10, B, G]`: each channel of each group, every texel recomputing its group's sums (C/k classes). */
function statsProgram(batch: number, classes: number, attrs: PcdKernelAttrs): WebGlProgram {
  const { stages, temperature, adaptive, ranking } = attrs;
  const tau = float(temperature);
  return {
    variableNames: ranking ? ['zs', 'zt', 'order'] : ['zs', 'zt'],
    outputShape: [STAT_COUNT, batch, groupCount(stages)],
    userCode: `
      ${classAtSnippet(ranking)}
      void main() {
        ivec3 o = getOutputCoords();
        int channel = o.x;
        int b = o.y;
        int slot = o.z;
        int k = 1;
        for (int s = 1; s <= ${stages}; s++) if (slot >= (s * (s - 1)) / 2) k = s;
        int g = slot - (k * (k - 1)) / 2;
        int start = (g * ${classes} + k - 1) / k;
        int end = ((g + 1) * ${classes} + k - 1) / k;
        float shiftT = -3.0e38;
        float shiftS = -3.0e38;
        for (int r = start; r < end; r++) {
          int c = classAt(b, r);
          shiftT = max(shiftT, getZt(b, c) / ${tau});
          shiftS = max(shiftS, getZs(b, c) / ${tau});
        }
        float sumT = 0.0, sumS = 0.0, weighted = 0.0, dotTS = 0.0, squaresT = 0.0, squaresS = 0.0;
        for (int r = start; r < end; r++) {
          int c = classAt(b, r);
          float ut = getZt(b, c) / ${tau};
          float us = getZs(b, c) / ${tau};
          float et = exp(ut - shiftT);
          float es = exp(us - shiftS);
          sumT += et;
          sumS += es;
          weighted += et * (ut - us);
          dotTS += et * es;
          squaresT += et * et;
          squaresS += es * es;
        }
        float kl = weighted / sumT - shiftT + shiftS - log(sumT) + log(sumS);
        float cosine = dotTS / sqrt(squaresT * squaresS);
        float lambda = ${adaptive ? '1.0 - cosine' : '1.0'};
        float normP = sqrt(squaresT) / sumT;
        float normQ = sqrt(squaresS) / sumS;
        float value = ${tau} * ${tau} * lambda * kl;
        if (channel == ${STAT.lambda}) value = lambda;
        else if (channel == ${STAT.shiftT}) value = shiftT;
        else if (channel == ${STAT.shiftS}) value = shiftS;
        else if (channel == ${STAT.sumT}) value = sumT;
        else if (channel == ${STAT.sumS}) value = sumS;
        else if (channel == ${STAT.kl}) value = kl;
        else if (channel == ${STAT.cosine}) value = cosine;
        else if (channel == ${STAT.normPQ}) value = normP * normQ;
        else if (channel == ${STAT.normQ2}) value = normQ * normQ;
        setOutput(value);
      }`,
  };
}

/** `[B, C]`: ∂loss/∂(the logits the loss uses), summed over the class's group at every weighted stage. */
function gradientProgram(batch: number, classes: number, attrs: PcdKernelAttrs): WebGlProgram {
  const { stages, temperature, alpha, adaptive, ranking, stageWeights } = attrs;
  const tau = float(temperature);
  const weightOf = stageWeights.map((w, i) => `if (k == ${i + 1}) return ${float((alpha * w) / batch)};`).join(' ');
  return {
    variableNames: ['zs', 'zt', 'ranks', 'stats'],
    outputShape: [batch, classes],
    userCode: `
      float stageWeight(int k) { ${weightOf} return 0.0; }
      void main() {
        ivec2 bc = getOutputCoords();
        int b = bc.x;
        int c = bc.y;
        int r = ${ranking ? 'int(getRanks(b, c) + 0.5)' : 'c'};
        float ut = getZt(b, c) / ${tau};
        float us = getZs(b, c) / ${tau};
        float total = 0.0;
        for (int k = 1; k <= ${stages}; k++) {
          float weight = stageWeight(k);
          if (weight == 0.0) continue;
          int slot = (k * (k - 1)) / 2 + (r * k) / ${classes};
          float p = exp(ut - getStats(${STAT.shiftT}, b, slot)) / getStats(${STAT.sumT}, b, slot);
          float q = exp(us - getStats(${STAT.shiftS}, b, slot)) / getStats(${STAT.sumS}, b, slot);
          float lambda = getStats(${STAT.lambda}, b, slot);
          float kl = getStats(${STAT.kl}, b, slot);
          float dLambda = ${
            adaptive
              ? `-q * (p / getStats(${STAT.normPQ}, b, slot) - getStats(${STAT.cosine}, b, slot) * q / getStats(${STAT.normQ2}, b, slot))`
              : '0.0'
          };
          total += weight * ${tau} * (dLambda * kl + lambda * (q - p));
        }
        setOutput(total);
      }`,
  };
}

/** `[B, 2]`: Σ_j g_j and Σ_j g_j·(x_j − μ) per row, for the gradient through standardization. */
function gradientSumsProgram(batch: number, classes: number): WebGlProgram {
  return {
    variableNames: ['gz', 'x', 'moments'],
    outputShape: [batch, 2],
    userCode: `
      void main() {
        ivec2 bi = getOutputCoords();
        float mean = getMoments(bi.x, 0);
        float total = 0.0;
        for (int j = 0; j < ${classes}; j++) total += getGz(bi.x, j) * (bi.y == 0 ? 1.0 : getX(bi.x, j) - mean);
        setOutput(total);
      }`,
  };
}

/** Back through z = (x − μ)/(σ + ε) (pcd-host.ts has the formula), from the row sums. */
function standardizeBackProgram(batch: number, classes: number): WebGlProgram {
  return {
    variableNames: ['gz', 'x', 'moments', 'sums'],
    outputShape: [batch, classes],
    userCode: `
      void main() {
        ivec2 bc = getOutputCoords();
        int b = bc.x;
        float mean = getMoments(b, 0);
        float std = getMoments(b, 1);
        float scale = std > 0.0 ? getSums(b, 1) / (${float(classes - 1)} * std * (std + ${EPSILON}) * (std + ${EPSILON})) : 0.0;
        setOutput((getGz(b, bc.y) - getSums(b, 0) / ${float(classes)}) / (std + ${EPSILON}) - scale * (getX(b, bc.y) - mean));
      }`,
  };
}

/** `[S]`: L_k = (1/B) Σ_b Σ_{g of stage k} D. */
function stageLossProgram(batch: number, stages: number): WebGlProgram {
  return {
    variableNames: ['stats'],
    outputShape: [stages],
    userCode: `
      void main() {
        int k = getOutputCoords() + 1;
        float total = 0.0;
        for (int b = 0; b < ${batch}; b++) {
          for (int g = 0; g < k; g++) total += getStats(${STAT.groupLoss}, b, (k * (k - 1)) / 2 + g);
        }
        setOutput(total / ${float(batch)});
      }`,
  };
}

/** `[1]`: α Σ_k w_k L_k. */
function lossProgram(attrs: PcdKernelAttrs): WebGlProgram {
  const terms = attrs.stageWeights.map((w, i) => `${float(attrs.alpha * w)} * getStageLosses(${i})`).join(' + ');
  return { variableNames: ['stageLosses'], outputShape: [1], userCode: `void main() { setOutput(${terms}); }` };
}

/** Runs programs for one kernel call and frees its intermediate textures at the end (`release`). */
export function programRunner(backend: WebGlBackend) {
  const intermediates: TensorInfo[] = [];
  const keep = (info: TensorInfo) => (intermediates.push(info), info);
  return {
    run: (program: WebGlProgram, programInputs: TensorInfo[]) => backend.runWebGLProgram(program, programInputs, 'float32'),
    /** An intermediate, freed by `release`. */
    keep,
    // These programs read unpacked textures; TF.js would unpack a packed input again for every
    // program that reads it, so unpack each once.
    unpacked: (info: TensorInfo) => (backend.texData.get(info.dataId).isPacked ? keep(backend.unpackTensor(info)) : info),
    /** A TF.js WebGL kernel called directly (Slice and Reshape of a contiguous part share its texture: no program). */
    call: (name: string, x: TensorInfo, attrs: Record<string, number[]>) =>
      getKernel(name, 'webgl')!.kernelFunc({ inputs: { x }, backend: backend as never, attrs }) as TensorInfo,
    release: () => intermediates.forEach((info) => backend.disposeIntermediateTensorInfo(info)),
  };
}

type ProgramRunner = ReturnType<typeof programRunner>;

/** The inputs unpacked, and standardized when the switch is on (docs/spec.md): the logits the loss uses. */
export function lossLogits(r: ProgramRunner, inputs: { studentLogits: TensorInfo; teacherLogits: TensorInfo }, standardize: boolean) {
  const [batch, classes] = inputs.studentLogits.shape;
  const studentLogits = r.unpacked(inputs.studentLogits);
  const teacherLogits = r.unpacked(inputs.teacherLogits);
  const studentMoments = standardize ? r.keep(r.run(momentsProgram(batch, classes), [studentLogits])) : null;
  const teacherMoments = standardize ? r.keep(r.run(momentsProgram(batch, classes), [teacherLogits])) : null;
  return {
    studentLogits,
    studentMoments,
    zs: studentMoments ? r.keep(r.run(standardizeProgram(batch, classes), [studentLogits, studentMoments])) : studentLogits,
    zt: teacherMoments ? r.keep(r.run(standardizeProgram(batch, classes), [teacherLogits, teacherMoments])) : teacherLogits,
  };
}

/** The gradient with respect to the raw student logits, from `gz`, the gradient with respect to the logits the loss used. */
export function rawGradient(r: ProgramRunner, gz: TensorInfo, { studentLogits, studentMoments }: ReturnType<typeof lossLogits>): TensorInfo {
  if (!studentMoments) return gz;
  const [batch, classes] = gz.shape;
  const sums = r.keep(r.run(gradientSumsProgram(batch, classes), [gz, studentLogits, studentMoments]));
  return r.run(standardizeBackProgram(batch, classes), [r.keep(gz), studentLogits, studentMoments, sums]);
}

/** The WebGL kernel function (registered in pcd.ts). */
export function pcdWebGl({
  inputs,
  backend,
  attrs,
}: {
  inputs: { studentLogits: TensorInfo; teacherLogits: TensorInfo };
  backend: WebGlBackend;
  attrs: PcdKernelAttrs;
}): TensorInfo[] {
  const [batch, classes] = inputs.studentLogits.shape;
  const { stages, ranking, standardize } = attrs;
  const groups = groupCount(stages);
  const r = programRunner(backend);
  const { run, keep, unpacked, call } = r;
  try {
    const logits = lossLogits(r, inputs, standardize);
    const { zs, zt } = logits;
    const gaps = ranking ? [keep(run(gapProgram(batch, classes), [zs, zt]))] : [];
    const packedRanks = run(rankProgram(batch, classes, ranking), gaps);
    // Unpacked once here (the ranks are an output, and the gradient program reads them too).
    const ranks = backend.texData.get(packedRanks.dataId).isPacked ? backend.unpackTensor(keep(packedRanks)) : packedRanks;
    const order = ranking ? [keep(unpacked(keep(run(orderProgram(batch, classes), [ranks]))))] : [];
    const stats = keep(run(statsProgram(batch, classes, attrs), [zs, zt, ...order]));
    const grad = rawGradient(r, run(gradientProgram(batch, classes, attrs), [zs, zt, ranks, stats]), logits);
    const stageLosses = run(stageLossProgram(batch, stages), [stats]);
    const loss = run(lossProgram(attrs), [stageLosses]);
    // Channels 0 and 1 of the stats are contiguous: WebGL's Slice and Reshape share their texture (no program).
    const channel = (index: number) => {
      const sliced = call('Slice', stats, { begin: [index, 0, 0], size: [1, batch, groups] });
      const flat = call('Reshape', sliced, { shape: [batch, groups] });
      backend.disposeIntermediateTensorInfo(sliced);
      return flat;
    };
    const scalar = call('Reshape', loss, { shape: [] });
    backend.disposeIntermediateTensorInfo(loss);
    if (!attrs.diagnostics) {
      backend.disposeIntermediateTensorInfo(ranks);
      return [scalar, stageLosses, grad];
    }
    return [scalar, stageLosses, grad, ranks, channel(STAT.groupLoss), channel(STAT.lambda)];
  } finally {
    r.release();
  }
}
