import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { MethodConfig } from '../distill/objective';
import { selectBackend } from '../tf/backends';
import { boxLoss, detectionObjective, DETECTION_METHOD_DEFAULTS } from './objective';

interface DetectionGoldenCase {
  seed: number;
  sampledRows: number[];
  positive: number[];
  studentLogits: number[][];
  teacherLogits: number[][];
  labels: number[];
  studentBoxes: number[][];
  boxTargets: number[][];
  box: { loss: number; grad: number[][] };
  ce: { loss: number; grad: number[][] };
  kd: { loss: number; grad: number[][] };
  dkd: { alpha: number; beta: number; tau: number; loss: number; grad: number[][] };
  pcd: { config: { adaptive: boolean }; jointLoss: number; jointGrad: number[][] }[];
}

const golden = JSON.parse(readFileSync(new URL('./fixtures/detection-golden.json', import.meta.url), 'utf8')) as { cases: DetectionGoldenCase[] };

/** Each method as the golden file computes it: its config, and its loss and gradient from the file's terms. */
function expectations(c: DetectionGoldenCase): { name: string; config: MethodConfig; loss: number; grad: (b: number, j: number) => number }[] {
  const pcd = DETECTION_METHOD_DEFAULTS.pcd;
  return [
    { name: 'CE', config: DETECTION_METHOD_DEFAULTS.ce, loss: c.ce.loss, grad: (b, j) => c.ce.grad[b][j] },
    {
      name: 'KD',
      config: DETECTION_METHOD_DEFAULTS.kd,
      loss: 0.1 * c.ce.loss + 0.9 * c.kd.loss,
      grad: (b, j) => 0.1 * c.ce.grad[b][j] + 0.9 * c.kd.grad[b][j],
    },
    { name: 'DKD', config: DETECTION_METHOD_DEFAULTS.dkd, loss: c.ce.loss + c.dkd.loss, grad: (b, j) => c.ce.grad[b][j] + c.dkd.grad[b][j] },
    ...c.pcd.map((p) => ({
      name: `PCD (λ ${p.config.adaptive ? 'on' : 'off'})`,
      config: { ...pcd, adaptive: p.config.adaptive },
      loss: c.ce.loss + p.jointLoss,
      grad: (b: number, j: number) => c.ce.grad[b][j] + p.jointGrad[b][j],
    })),
  ];
}

const close = (got: number, want: number) => Math.abs(got - want) / Math.max(1, Math.abs(want));

describe.each(['cpu', 'wasm'] as const)('the detection loss on sampled cells (%s backend), against the float64 golden file', (backend) => {
  afterAll(async () => {
    await selectBackend(['cpu']);
  });

  it('DKD takes its authors’ detection settings', () => {
    expect(DETECTION_METHOD_DEFAULTS.dkd).toMatchObject({ alpha: 1, beta: 0.25, temperature: 1 });
    for (const c of golden.cases) expect(c.dkd).toMatchObject({ alpha: 1, beta: 0.25, tau: 1 });
  });

  it.each(golden.cases.map((c) => [c.seed, c] as const))(
    'case %i: every method’s loss and its gradients for the cells’ logits and the boxes',
    async (_, c) => {
      await selectBackend([backend]);
      const before = tf.memory().numTensors;
      // The cells hold background and positives; the boxes are the positives'.
      expect(c.labels.filter((l) => l === 10).length).toBeGreaterThan(0);
      expect(c.studentBoxes.length).toBe(c.positive.filter((p) => p === 1).length);
      for (const e of expectations(c)) {
        const { loss, logitsGrad, boxesGrad } = tf.tidy(() => {
          const logits = tf.tensor2d(c.studentLogits);
          const boxes = tf.tensor2d(c.studentBoxes);
          const teacher = tf.tensor2d(c.teacherLogits);
          const targets = tf.tensor2d(c.boxTargets);
          const labels = Int32Array.from(c.labels);
          const f = (l: tf.Tensor, b: tf.Tensor) =>
            detectionObjective(e.config, {
              studentLogits: l as tf.Tensor2D,
              teacherLogits: teacher,
              labels,
              studentBoxes: b as tf.Tensor2D,
              boxTargets: targets,
            }).loss;
          const [gl, gb] = tf.grads(f)([logits, boxes]);
          return { loss: f(logits, boxes).dataSync()[0], logitsGrad: gl.arraySync() as number[][], boxesGrad: gb.arraySync() as number[][] };
        });
        expect(close(loss, e.loss + c.box.loss), `${e.name}: loss ${loss} against ${e.loss + c.box.loss}`).toBeLessThan(1e-4);
        let worst = 0;
        logitsGrad.forEach((row, b) => row.forEach((g, j) => (worst = Math.max(worst, close(g, e.grad(b, j))))));
        expect(worst, `${e.name}: the cells' logits' gradient`).toBeLessThan(1e-4);
        let worstBox = 0;
        boxesGrad.forEach((row, p) => row.forEach((g, j) => (worstBox = Math.max(worstBox, close(g, c.box.grad[p][j])))));
        expect(worstBox, `${e.name}: the boxes' gradient`).toBeLessThan(1e-5);
      }
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe('the box loss', () => {
  it('is quadratic within β = 1/9 of the target and linear beyond, over the sampled cells; no positives: 0', async () => {
    await selectBackend(['cpu']);
    const value = (s: number[][], t: number[][], n: number) => tf.tidy(() => boxLoss(tf.tensor2d(s), tf.tensor2d(t), n).dataSync()[0]);
    expect(value([[0.05, 0, 0, 0]], [[0, 0, 0, 0]], 1)).toBeCloseTo((0.5 * 0.05 ** 2) / (1 / 9), 6);
    expect(value([[1, 0, 0, -1]], [[0, 0, 0, 0]], 4)).toBeCloseTo((2 * (1 - 0.5 / 9)) / 4, 6);
    expect(tf.tidy(() => boxLoss(tf.zeros([0, 4]), tf.zeros([0, 4]), 3).dataSync()[0])).toBe(0);
    expect(() => boxLoss(tf.zeros([1, 4]), tf.zeros([1, 4]), 0)).toThrow(/sampled/);
  });
});
