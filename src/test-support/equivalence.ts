// The fused PCD kernel against the composed reference (src/distill/pcd-reference.ts) on
// random logits, on whichever backend is active: values, gradients and every diagnostic.
// Shared by the unit tests (CPU in Node) and the e2e tests (WebGPU and WebGL in Chromium).
import * as tf from '@tensorflow/tfjs-core';
import { pcdLoss, readPcdDiagnostics, type PcdOptions, type PcdResult } from '../distill/pcd';
import {
  crossEntropyPerSample,
  crossEntropyPerSampleReference,
  dkdPerSample,
  dkdPerSampleReference,
  kdLoss,
  kdLossReference,
} from '../distill/baselines';
import { pcdLossReference } from '../distill/pcd-reference';

export interface EquivalenceCase {
  batch: number;
  classes: number;
  options: Partial<PcdOptions>;
  seed: number;
  /** Options for the reference side only (default: `options`); the tests use it to show a wrong kernel fails. */
  referenceOptions?: Partial<PcdOptions>;
  /** Added to both sides' logits: 0 at the first class down to −spread at the last (groups far apart). */
  spread?: number;
}

/** Sizes up to the issue's bounds (B 256, C 1,000, S 10) and every option of the spec. */
export const EQUIVALENCE_CASES: EquivalenceCase[] = [
  { batch: 8, classes: 10, options: {}, seed: 1 },
  { batch: 16, classes: 7, options: { stages: 7 }, seed: 2 },
  { batch: 32, classes: 100, options: { stages: 3, temperature: 2 }, seed: 3 },
  { batch: 32, classes: 100, options: { stages: 4, adaptive: false }, seed: 4 },
  { batch: 32, classes: 100, options: { stages: 5, ranking: false }, seed: 5 },
  { batch: 32, classes: 100, options: { stages: 3, standardizeLogits: true }, seed: 6 },
  { batch: 32, classes: 100, options: { stages: 3, fineToCoarse: false, alpha: 0.7 }, seed: 7 },
  { batch: 32, classes: 100, options: { stages: 6, activeStage: 4, temperature: 8 }, seed: 8 },
  { batch: 64, classes: 20, options: { stages: 20, standardizeLogits: true, ranking: false }, seed: 9 },
  { batch: 24, classes: 1000, options: { stages: 10 }, seed: 10 },
  // Logits spanning 1,000, groups in class order: at τ = 4 the last groups of stage 8 lie over 200 below their row's maximum.
  { batch: 16, classes: 100, options: { stages: 8, ranking: false }, seed: 11, spread: 1000 },
];

/** KD through the fused kernel (one stage, λ = 1, one pass) against KD composed from TF.js ops. */
export interface KdEquivalenceCase {
  batch: number;
  classes: number;
  temperature: number;
  standardize: boolean;
  seed: number;
}

export const KD_EQUIVALENCE_CASES: KdEquivalenceCase[] = [
  { batch: 8, classes: 10, temperature: 4, standardize: false, seed: 11 },
  { batch: 128, classes: 100, temperature: 2, standardize: false, seed: 12 },
  { batch: 64, classes: 100, temperature: 4, standardize: true, seed: 13 },
  { batch: 256, classes: 1000, temperature: 8, standardize: false, seed: 14 },
];

export async function compareKdWithReference({ batch, classes, temperature, standardize, seed }: KdEquivalenceCase): Promise<EquivalenceReport> {
  const teacher = tf.randomNormal([batch, classes], 0, 3, 'float32', seed) as tf.Tensor2D;
  const student = tf.randomNormal([batch, classes], 0, 1, 'float32', seed + 1000) as tf.Tensor2D;
  const run = async (lossOf: (zs: tf.Tensor2D) => tf.Scalar) => {
    const { value, grad } = tf.valueAndGrad(lossOf)(student);
    const result = { loss: await value.data(), grad: await grad.data() };
    tf.dispose([value, grad]);
    return result;
  };
  try {
    const fused = await run((zs) => kdLoss(zs, teacher, { temperature, standardizeLogits: standardize }));
    const reference = await run((zs) => kdLossReference(zs, teacher, temperature, standardize));
    const worst = { loss: worstError(fused.loss, reference.loss), grad: worstError(fused.grad, reference.grad) };
    return {
      name: `KD B=${batch} C=${classes} τ=${temperature}${standardize ? ' standardized' : ''}`,
      worst,
      ranksDiffer: 0,
      passed: Object.values(worst).every((w) => w <= EQUIVALENCE_TOLERANCE),
    };
  } finally {
    tf.dispose([teacher, student]);
  }
}

/** DKD through its fused kernel against DKD composed from TF.js ops. */
export interface DkdEquivalenceCase {
  batch: number;
  classes: number;
  temperature: number;
  alpha: number;
  beta: number;
  standardize: boolean;
  seed: number;
  /** The reference side's β (default: `beta`); the tests use it to show a wrong kernel fails. */
  referenceBeta?: number;
}

export const DKD_EQUIVALENCE_CASES: DkdEquivalenceCase[] = [
  { batch: 8, classes: 10, temperature: 4, alpha: 1, beta: 8, standardize: false, seed: 21 },
  { batch: 128, classes: 100, temperature: 4, alpha: 1, beta: 8, standardize: false, seed: 22 },
  { batch: 64, classes: 100, temperature: 2, alpha: 0.5, beta: 2, standardize: true, seed: 23 },
  { batch: 16, classes: 2, temperature: 1, alpha: 1, beta: 1, standardize: false, seed: 24 },
  { batch: 64, classes: 1000, temperature: 8, alpha: 2, beta: 4, standardize: false, seed: 25 },
];

/**
 * Each sample's loss, and the gradient of a randomly weighted sum of them (the stacked race
 * weights each run's rows; a wrong upstream gradient shows there), on random logits and labels.
 */
export async function compareDkdWithReference(testCase: DkdEquivalenceCase): Promise<EquivalenceReport> {
  const { batch, classes, temperature, alpha, beta, standardize, seed } = testCase;
  const options = { temperature, alpha, standardizeLogits: standardize };
  return comparePerSample(
    `DKD B=${batch} C=${classes} τ=${temperature} α=${alpha} β=${beta}${standardize ? ' standardized' : ''}`,
    { batch, classes, seed },
    (zs, teacher, labels) => dkdPerSample(zs, teacher, labels, { ...options, beta }),
    (zs, teacher, labels) => dkdPerSampleReference(zs, teacher, labels, { ...options, beta: testCase.referenceBeta ?? beta }),
  );
}

/** Cross-entropy through its kernel (CPU, WASM) against CE composed, as DKD's comparison does it. */
export async function compareCeWithReference(batch: number, classes: number, seed: number): Promise<EquivalenceReport> {
  return comparePerSample(
    `CE B=${batch} C=${classes}`,
    { batch, classes, seed },
    (zs, _, labels) => crossEntropyPerSample(zs, labels),
    (zs, _, labels) => crossEntropyPerSampleReference(zs, labels),
  );
}

type PerSampleLoss = (student: tf.Tensor2D, teacher: tf.Tensor2D, oneHot: tf.Tensor2D) => tf.Tensor1D;

async function comparePerSample(
  name: string,
  { batch, classes, seed }: { batch: number; classes: number; seed: number },
  fusedLoss: PerSampleLoss,
  referenceLoss: PerSampleLoss,
): Promise<EquivalenceReport> {
  const teacher = tf.randomNormal([batch, classes], 0, 3, 'float32', seed) as tf.Tensor2D;
  const student = tf.randomNormal([batch, classes], 0, 1, 'float32', seed + 1000) as tf.Tensor2D;
  const weights = tf.randomUniform([batch], 0.5, 2, 'float32', seed + 2000);
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32', seed + 3000), classes), 'float32') as tf.Tensor2D);
  const run = async (perSample: PerSampleLoss) => {
    const { value, grad } = tf.valueAndGrad((zs: tf.Tensor2D) => tf.sum(tf.mul(perSample(zs, teacher, labels), weights)) as tf.Scalar)(student);
    const losses = perSample(student, teacher, labels);
    const result = { losses: await losses.data(), weighted: await value.data(), grad: await grad.data() };
    tf.dispose([value, grad, losses]);
    return result;
  };
  try {
    const fused = await run(fusedLoss);
    const reference = await run(referenceLoss);
    const worst = {
      losses: worstError(fused.losses, reference.losses),
      weighted: worstError(fused.weighted, reference.weighted),
      grad: worstError(fused.grad, reference.grad),
    };
    return { name, worst, ranksDiffer: 0, passed: Object.values(worst).every((w) => w <= EQUIVALENCE_TOLERANCE) };
  } finally {
    tf.dispose([teacher, student, weights, labels]);
  }
}

export interface EquivalenceReport {
  name: string;
  /** Per field: largest |fused − reference| relative to the largest |reference| value. */
  worst: Record<string, number>;
  ranksDiffer: number;
  passed: boolean;
}

/** Largest |actual − expected| over the field, relative to the field's largest |expected| value. */
function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    const diff = Math.abs(actual[i] - expected[i]);
    worst = Math.max(worst, Number.isNaN(diff) ? Infinity : diff);
  }
  return scale === 0 ? worst : worst / scale;
}

export const EQUIVALENCE_TOLERANCE = 1e-4;

export function caseName({ batch, classes, options, spread }: EquivalenceCase): string {
  return `B=${batch} C=${classes} ${JSON.stringify(options)}${spread ? ` logits spread over ${spread}` : ''}`;
}

/** Runs one case through both implementations on the active backend. */
export async function compareWithReference(testCase: EquivalenceCase): Promise<EquivalenceReport> {
  const { batch, classes, options, seed, spread = 0 } = testCase;
  const [teacher, student] = tf.tidy(() => {
    const offsets = tf.linspace(0, -spread, classes);
    return [
      tf.add(tf.randomNormal([batch, classes], 0, 3, 'float32', seed), offsets) as tf.Tensor2D,
      tf.add(tf.randomNormal([batch, classes], 0, 1, 'float32', seed + 1000), offsets) as tf.Tensor2D,
    ];
  });
  try {
    const run = async (lossOf: (zs: tf.Tensor2D) => PcdResult) => {
      const { value, grad } = tf.valueAndGrad((zs: tf.Tensor2D) => {
        const { loss, ...rest } = lossOf(zs);
        tf.dispose(Object.values(rest));
        return loss;
      })(student);
      const result = lossOf(student);
      const diagnostics = await readPcdDiagnostics(result);
      const values = {
        loss: await value.data(),
        grad: await grad.data(),
        stageLosses: await result.stageLosses.data(),
        groupLosses: diagnostics.groupLosses,
        lambdas: diagnostics.lambdas,
        ranks: diagnostics.ranks,
      };
      tf.dispose([value, grad, ...Object.values(result)]);
      return values;
    };
    const fused = await run((zs) => pcdLoss(zs, teacher, options));
    const reference = await run((zs) => pcdLossReference(zs, teacher, testCase.referenceOptions ?? options));
    const worst: Record<string, number> = {};
    for (const field of ['loss', 'grad', 'stageLosses', 'groupLosses', 'lambdas'] as const) {
      worst[field] = worstError(fused[field], reference[field]);
    }
    let ranksDiffer = 0;
    for (let i = 0; i < fused.ranks.length; i++) if (fused.ranks[i] !== reference.ranks[i]) ranksDiffer++;
    const passed = ranksDiffer === 0 && Object.values(worst).every((w) => w <= EQUIVALENCE_TOLERANCE);
    return { name: caseName(testCase), worst, ranksDiffer, passed };
  } finally {
    tf.dispose([teacher, student]);
  }
}
