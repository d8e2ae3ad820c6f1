import * as tf from '@tensorflow/tfjs-core';
import { z } from '../data/zod';
import { crossEntropyLoss, dkdLoss, kdLoss } from './baselines';
import { groupSlot, pcdLoss, readPcdDiagnostics, type PcdOptions } from './pcd';

/**
 * The golden-value format of `shared/golden/distill-golden.json` (docs/spec.md, "The
 * golden file") and the comparison of this project's losses against it, shared by
 * `npm run check:golden`, the unit tests and the in-browser WebGPU test.
 */
const matrix = z.array(z.array(z.number()));
const lossAndGrad = z.object({ loss: z.number(), grad: matrix });
const pcdStage = z.object({ loss: z.number(), grad: matrix, groups: matrix, groupLoss: matrix });
const pcdEntry = z.object({
  config: z.object({
    stages: z.number(),
    tau: z.number(),
    adaptive: z.boolean(),
    standardize_logits: z.boolean(),
    ranking: z.boolean(),
    fine_to_coarse: z.boolean().optional(),
    coarse_to_fine: z.boolean().optional(),
  }),
  ranks: matrix,
  jointLoss: z.number(),
  jointGrad: matrix,
  stages: z.record(z.string(), pcdStage),
});
const goldenCase = z.object({
  seed: z.number().optional(),
  studentLogits: matrix,
  teacherLogits: matrix,
  labels: z.array(z.number()),
  ce: lossAndGrad,
  kd: lossAndGrad.extend({ tau: z.number() }),
  dkd: lossAndGrad.extend({ alpha: z.number(), beta: z.number(), tau: z.number() }),
  pcd: z.array(pcdEntry),
});
const goldenFile = z.object({ about: z.string().optional(), cases: z.array(goldenCase).min(1) });

export type GoldenCase = z.infer<typeof goldenCase>;
export type GoldenFile = z.infer<typeof goldenFile>;
type GoldenPcdConfig = z.infer<typeof pcdEntry>['config'];

/** Parses a golden file, with an error naming the first field that does not fit. */
export function parseGoldenFile(json: unknown, source = 'golden file'): GoldenFile {
  const parsed = goldenFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export interface Tolerance {
  /** Largest accepted |actual − expected| / |expected|. */
  relative: number;
  /** Differences up to this are accepted whatever the relative error. */
  absoluteFloor: number;
}

export const CPU_TOLERANCE: Tolerance = { relative: 1e-4, absoluteFloor: 1e-6 };

/**
 * Extra absolute slack for the per-group diagnostics only (losses and gradients keep the
 * tolerance given). A group's D_G is τ² times a sum of differences of float32
 * log-probabilities of size ~log C, so its absolute precision is ~τ²·1e-7·log C ≈ 1e-5
 * at τ = 4, whatever its value: a near-zero group loss cannot meet a relative bound.
 */
export const GROUP_LOSS_ABSOLUTE_FLOOR = 1e-5;

export interface CaseReport {
  name: string;
  /** Worst relative error over every compared value (differences under the floor count 0). */
  worstRelativeError: number;
  /** What was compared, e.g. 'pcd[2].stage3.grad', for every comparison that failed. */
  failures: string[];
  passed: boolean;
}

export function pcdOptionsFromGolden(config: GoldenPcdConfig): Partial<PcdOptions> {
  return {
    stages: config.stages,
    temperature: config.tau,
    adaptive: config.adaptive,
    ranking: config.ranking,
    standardizeLogits: config.standardize_logits,
    fineToCoarse: config.fine_to_coarse ?? true,
    coarseToFine: config.coarse_to_fine ?? true,
  };
}

class Comparison {
  worst = 0;
  readonly failures: string[] = [];
  constructor(private readonly tolerance: Tolerance) {}

  values(what: string, actual: ArrayLike<number>, expected: readonly number[], absoluteFloor = this.tolerance.absoluteFloor): void {
    if (actual.length !== expected.length) {
      this.failures.push(`${what} (length ${actual.length}, expected ${expected.length})`);
      this.worst = Infinity;
      return;
    }
    let caseWorst = 0;
    for (let i = 0; i < expected.length; i++) {
      const diff = Math.abs(actual[i] - expected[i]);
      const error = Number.isNaN(diff) ? Infinity : diff <= absoluteFloor ? 0 : diff / Math.abs(expected[i]);
      caseWorst = Math.max(caseWorst, error);
    }
    this.worst = Math.max(this.worst, caseWorst);
    if (caseWorst > this.tolerance.relative) this.failures.push(`${what} (relative error ${caseWorst.toExponential(2)})`);
  }

  exact(what: string, actual: ArrayLike<number>, expected: readonly number[]): void {
    const same = actual.length === expected.length && expected.every((v, i) => actual[i] === v);
    if (!same) {
      this.failures.push(`${what} (differs)`);
      this.worst = Infinity;
    }
  }
}

async function lossAndGradient(
  lossOf: (studentLogits: tf.Tensor2D) => tf.Scalar,
  studentLogits: tf.Tensor2D,
): Promise<{ loss: number; grad: Float32Array }> {
  const { value, grad } = tf.valueAndGrad(lossOf)(studentLogits);
  try {
    return { loss: (await value.data())[0], grad: (await grad.data()) as Float32Array };
  } finally {
    value.dispose();
    grad.dispose();
  }
}

/** Runs one golden case through the project's losses on the current backend. */
export async function checkGoldenCase(golden: GoldenCase, name: string, tolerance: Tolerance = CPU_TOLERANCE): Promise<CaseReport> {
  const compare = new Comparison(tolerance);
  const studentLogits = tf.tensor2d(golden.studentLogits);
  const teacherLogits = tf.tensor2d(golden.teacherLogits);
  const { labels } = golden;
  const scalar = async (what: string, lossOf: (zs: tf.Tensor2D) => tf.Scalar, expected: { loss: number; grad: number[][] }) => {
    const result = await lossAndGradient(lossOf, studentLogits);
    compare.values(`${what}.loss`, [result.loss], [expected.loss]);
    compare.values(`${what}.grad`, result.grad, expected.grad.flat());
  };
  try {
    await scalar('ce', (zs) => crossEntropyLoss(zs, labels), golden.ce);
    await scalar('kd', (zs) => kdLoss(zs, teacherLogits, { temperature: golden.kd.tau }), golden.kd);
    const dkd = { temperature: golden.dkd.tau, alpha: golden.dkd.alpha, beta: golden.dkd.beta };
    await scalar('dkd', (zs) => dkdLoss(zs, teacherLogits, labels, dkd), golden.dkd);

    for (const [index, entry] of golden.pcd.entries()) {
      const options = pcdOptionsFromGolden(entry.config);
      const what = `pcd[${index}]`;
      await scalar(`${what}.joint`, (zs) => pcdLoss(zs, teacherLogits, options).loss, {
        loss: entry.jointLoss,
        grad: entry.jointGrad,
      });
      const diagnostics = pcdLoss(studentLogits, teacherLogits, options);
      const { ranks, stageGroups, groupLosses } = await readPcdDiagnostics(diagnostics);
      tf.dispose(Object.values(diagnostics));
      compare.exact(`${what}.ranks`, ranks, entry.ranks.flat());
      const [batch, classes] = studentLogits.shape;
      const stages = entry.config.stages;
      const slots = groupLosses.length / batch;
      for (const [key, stage] of Object.entries(entry.stages)) {
        const k = Number(key);
        await scalar(
          `${what}.stage${k}`,
          // L_k alone is the scheduled loss α·2·L_k at α = ½ (spec §5).
          (zs) => pcdLoss(zs, teacherLogits, { ...options, activeStage: k, alpha: 0.5 }).loss,
          stage,
        );
        const groupsOfStage: number[] = [];
        const lossesOfStage: number[] = [];
        for (let b = 0; b < batch; b++) {
          for (let c = 0; c < classes; c++) groupsOfStage.push(stageGroups[(b * stages + (k - 1)) * classes + c]);
          for (let g = 0; g < k; g++) lossesOfStage.push(groupLosses[b * slots + groupSlot(k, g)]);
        }
        compare.exact(`${what}.stage${k}.groups`, groupsOfStage, stage.groups.flat());
        compare.values(
          `${what}.stage${k}.groupLoss`,
          lossesOfStage,
          stage.groupLoss.flat(),
          Math.max(tolerance.absoluteFloor, GROUP_LOSS_ABSOLUTE_FLOOR),
        );
      }
    }
  } finally {
    studentLogits.dispose();
    teacherLogits.dispose();
  }
  return {
    name,
    worstRelativeError: compare.worst,
    failures: compare.failures,
    passed: compare.failures.length === 0,
  };
}

/** One line per case, as `check:golden` prints it. */
export function formatCaseReport(report: CaseReport): string {
  const worst = Number.isFinite(report.worstRelativeError) ? report.worstRelativeError.toExponential(2) : 'n/a';
  const status = report.passed ? 'PASS' : 'FAIL';
  const detail = report.passed ? '' : `  failed: ${report.failures.join('; ')}`;
  return `${status} ${report.name}  worst relative error ${worst}${detail}`;
}
