import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGoldenFile, pcdOptionsFromGolden, type GoldenCase } from '../distill/golden';
import { METHOD_DEFAULTS, type MethodConfig } from '../distill/methods';
import { useCpuBackend } from '../distill/test-setup';
import { numberTensors, runNumbers, stackedObjective } from './stacked-objective';

// The golden values through the stacked objective: every method of a golden case, on two
// "seeds" (the case, and the case with its rows reversed: the same losses, the gradient's rows
// reversed), in one stack. Each run's reported term and the gradient of the stack's total with
// respect to that run's logits must be the golden loss and gradient.
const golden = parseGoldenFile(JSON.parse(readFileSync(new URL('../distill/fixtures/distill-golden.json', import.meta.url), 'utf8')));

beforeAll(useCpuBackend);

/** The methods of a case, each reduced to one bare term (CE weight 0 where it is not CE). */
function methodsOf(c: GoldenCase, alpha: number): { method: MethodConfig; term: string }[] {
  return [
    { method: METHOD_DEFAULTS.ce, term: 'ce' },
    { method: { ...METHOD_DEFAULTS.kd, ceWeight: 0, kdWeight: 1, temperature: c.kd.tau }, term: 'kd' },
    { method: { ...METHOD_DEFAULTS.dkd, ceWeight: 0, alpha: c.dkd.alpha, beta: c.dkd.beta, temperature: c.dkd.tau }, term: 'dkd' },
    ...c.pcd.map((entry) => ({
      method: { ...METHOD_DEFAULTS.pcd, ...pcdOptionsFromGolden(entry.config), ceWeight: 0, alpha } as MethodConfig,
      term: 'pcd',
    })),
  ];
}

/** The stacked objective on a case: per run, its term's values `[seeds]`, its stage losses, and its logits' gradient `[seeds, B, C]`. */
async function stacked(c: GoldenCase, methods: MethodConfig[], activeStage: number | null) {
  const classes = c.studentLogits[0].length;
  const reversed = <T>(rows: T[]) => [...rows].reverse();
  const seeds = [c, { ...c, studentLogits: reversed(c.studentLogits), teacherLogits: reversed(c.teacherLogits), labels: reversed(c.labels) }];
  const logits = tf.tensor3d(methods.flatMap(() => seeds.map((s) => s.studentLogits)));
  const teacher = tf.tensor3d(seeds.map((s) => s.teacherLogits));
  const oneHot = tf.tensor3d(seeds.map((s) => s.labels.map((y) => Array.from({ length: classes }, (_, k) => (k === y ? 1 : 0)))));
  let out: ReturnType<typeof stackedObjective> | null = null;
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor3D) => {
    out = stackedObjective(z, teacher, oneHot, methods, { warm: 1, activeStage });
    return out.total;
  })(logits);
  const { results } = out!;
  const tensors = numberTensors(out!);
  const numbers = runNumbers(results, await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array)));
  const gradient = Array.from(await grad.data());
  const size = c.studentLogits.length * classes;
  const runs = numbers.map((n, m) => ({
    terms: n.terms,
    loss: n.loss,
    stageLosses: n.stageLosses?.[0] ?? null,
    grads: [0, 1].map((k) => gradient.slice((m * 2 + k) * size, (m * 2 + k + 1) * size)),
  }));
  tf.dispose([logits, teacher, oneHot, value, grad, ...tensors]);
  return runs;
}

/** |a − b| within 1e-4 of |b| (floor 1e-6), as the golden test allows on the CPU backend. */
function expectNear(actual: ArrayLike<number>, expected: readonly number[], what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    expect(diff <= 1e-6 || diff / Math.abs(expected[i]) <= 1e-4, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
  }
}

const rowsReversed = (grad: number[][]) => [...grad].reverse().flat();

describe('golden values through the stacked objective (CPU backend)', () => {
  it.each(golden.cases.map((c, i) => [i, c] as const))('case %i: every method on two seeds, joint PCD', async (_, c) => {
    const methods = methodsOf(c, 1);
    const runs = await stacked(
      c,
      methods.map((m) => m.method),
      null,
    );
    const expected = [c.ce, c.kd, c.dkd, ...c.pcd.map((p) => ({ loss: p.jointLoss, grad: p.jointGrad }))];
    runs.forEach((run, m) => {
      const what = `${methods[m].term} ${m}`;
      expectNear(run.terms[methods[m].term], [expected[m].loss, expected[m].loss], `${what} term`);
      expectNear(run.loss, [expected[m].loss, expected[m].loss], `${what} loss`);
      expectNear(run.grads[0], expected[m].grad.flat(), `${what} grad, seed 1`);
      expectNear(run.grads[1], rowsReversed(expected[m].grad), `${what} grad, seed 2 (rows reversed)`);
      if (m >= 3) {
        const entry = c.pcd[m - 3];
        const stageLoss = Object.keys(entry.stages).map((k) => entry.stages[k].loss);
        expectNear(run.stageLosses!.slice(0, stageLoss.length), stageLoss, `${what} stage losses`);
      }
    });
  });

  it.each(golden.cases.map((c, i) => [i, c] as const))('case %i: PCD with stage 1 scheduled alone', async (_, c) => {
    // α = ½ makes the scheduled term α·2·L₁ the bare L₁ (spec §5).
    const methods = methodsOf(c, 0.5).slice(3);
    const runs = await stacked(
      c,
      methods.map((m) => m.method),
      1,
    );
    runs.forEach((run, m) => {
      const stage = c.pcd[m].stages['1'];
      expectNear(run.terms.pcd, [stage.loss, stage.loss], `pcd ${m} L1`);
      expectNear(run.grads[0], stage.grad.flat(), `pcd ${m} L1 grad`);
      expectNear(run.grads[1], rowsReversed(stage.grad), `pcd ${m} L1 grad, rows reversed`);
    });
  });
});
