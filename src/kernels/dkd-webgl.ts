// The fused DKD kernel in GLSL for TF.js's WebGL backend: one program for each sample's
// statistics (its label, the two non-target log-sum-exps, the two target probabilities, its
// loss; every texel of a row recomputes them, C classes a few times over), one for the
// gradient of every class from them (dkd-host.ts has the formulas). 2 programs, 6 more with
// standardization (pcd-webgl.ts's), and one unpack per input that arrives packed.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { DkdKernelAttrs } from './dkd-attrs';
import { float, lossLogits, programRunner, rawGradient, type WebGlBackend, type WebGlProgram } from './pcd-webgl';

/** The channels of the `[6, B]` statistics texture (the loss first: its slice is the loss output, no program). */
const STAT = { loss: 0, restS: 1, restT: 2, targetS: 3, targetT: 4, label: 5 } as const;

/** `[6, B]`: each sample's statistics, every texel computing its row's. */
function statsProgram(batch: number, classes: number, { temperature, alpha, beta }: DkdKernelAttrs): WebGlProgram {
  const tau = float(temperature);
  return {
    variableNames: ['zs', 'zt', 'oneHot'],
    outputShape: [6, batch],
    userCode: `
      void main() {
        ivec2 o = getOutputCoords();
        int channel = o.x;
        int b = o.y;
        int y = 0;
        bool found = false;
        for (int c = 0; c < ${classes}; c++) {
          if (!found && getOneHot(b, c) > 0.5) { y = c; found = true; }
        }
        float maxS = -3.0e38, maxT = -3.0e38, maxRestS = -3.0e38, maxRestT = -3.0e38;
        for (int c = 0; c < ${classes}; c++) {
          float s = getZs(b, c) / ${tau};
          float t = getZt(b, c) / ${tau};
          maxS = max(maxS, s);
          maxT = max(maxT, t);
          if (c != y) { maxRestS = max(maxRestS, s); maxRestT = max(maxRestT, t); }
        }
        float sumS = 0.0, sumT = 0.0, sumRestS = 0.0, sumRestT = 0.0;
        for (int c = 0; c < ${classes}; c++) {
          float s = getZs(b, c) / ${tau};
          float t = getZt(b, c) / ${tau};
          sumS += exp(s - maxS);
          sumT += exp(t - maxT);
          if (c != y) { sumRestS += exp(s - maxRestS); sumRestT += exp(t - maxRestT); }
        }
        float lseS = maxS + log(sumS);
        float lseT = maxT + log(sumT);
        float lseRestS = maxRestS + log(sumRestS);
        float lseRestT = maxRestT + log(sumRestT);
        float logTargetT = getZt(b, y) / ${tau} - lseT;
        float logTargetS = getZs(b, y) / ${tau} - lseS;
        float logRestT = lseRestT - lseT;
        float logRestS = lseRestS - lseS;
        float value = 0.0;
        if (channel == ${STAT.loss}) {
          float tckd = exp(logTargetT) * (logTargetT - logTargetS) + exp(logRestT) * (logRestT - logRestS);
          float nckd = 0.0;
          for (int c = 0; c < ${classes}; c++) {
            if (c == y) continue;
            float logQt = getZt(b, c) / ${tau} - lseRestT;
            nckd += exp(logQt) * (logQt - (getZs(b, c) / ${tau} - lseRestS));
          }
          value = ${tau} * ${tau} * (${float(alpha)} * tckd + ${float(beta)} * nckd);
        }
        else if (channel == ${STAT.restS}) value = lseRestS;
        else if (channel == ${STAT.restT}) value = lseRestT;
        else if (channel == ${STAT.targetS}) value = exp(logTargetS);
        else if (channel == ${STAT.targetT}) value = exp(logTargetT);
        else value = float(y);
        setOutput(value);
      }`,
  };
}

/** `[B, C]`: ∂(sample b's loss)/∂(the logits it used), from its statistics. */
function gradientProgram(batch: number, classes: number, { temperature, alpha, beta }: DkdKernelAttrs): WebGlProgram {
  const tau = float(temperature);
  return {
    variableNames: ['zs', 'zt', 'stats'],
    outputShape: [batch, classes],
    userCode: `
      void main() {
        ivec2 bc = getOutputCoords();
        int b = bc.x;
        int c = bc.y;
        float targetS = getStats(${STAT.targetS}, b);
        float targetT = getStats(${STAT.targetT}, b);
        if (c == int(getStats(${STAT.label}, b) + 0.5)) {
          setOutput(${tau} * ${float(alpha)} * (targetS - targetT));
          return;
        }
        float qs = exp(getZs(b, c) / ${tau} - getStats(${STAT.restS}, b));
        float qt = exp(getZt(b, c) / ${tau} - getStats(${STAT.restT}, b));
        setOutput(${tau} * (${float(alpha)} * qs * (targetT - targetS) + ${float(beta)} * (qs - qt)));
      }`,
  };
}

/** The WebGL kernel function (registered in dkd.ts): `[B]` losses and `[B, C]` gradient. */
export function dkdWebGl({
  inputs,
  backend,
  attrs,
}: {
  inputs: { studentLogits: TensorInfo; teacherLogits: TensorInfo; oneHot: TensorInfo };
  backend: WebGlBackend;
  attrs: DkdKernelAttrs;
}): TensorInfo[] {
  const [batch, classes] = inputs.studentLogits.shape;
  const r = programRunner(backend);
  try {
    const logits = lossLogits(r, inputs, attrs.standardize);
    const { zs, zt } = logits;
    const stats = r.keep(r.run(statsProgram(batch, classes, attrs), [zs, zt, r.unpacked(inputs.oneHot)]));
    const grad = rawGradient(r, r.run(gradientProgram(batch, classes, attrs), [zs, zt, stats]), logits);
    // Channel 0 is contiguous: WebGL's Slice and Reshape share its texture (no program).
    const sliced = r.call('Slice', stats, { begin: [STAT.loss, 0], size: [1, batch] });
    const losses = r.call('Reshape', sliced, { shape: [batch] });
    backend.disposeIntermediateTensorInfo(sliced);
    return [losses, grad];
  } finally {
    r.release();
  }
}
