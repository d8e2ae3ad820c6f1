import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goldenFileText } from './lib/golden-cases';
import { detectionGoldenText } from './lib/golden-detection';
import { goldenCase, type PcdGoldenOptions } from './lib/golden-float64';

const fixture = (name: string) => readFileSync(new URL(`../src/distill/fixtures/${name}`, import.meta.url), 'utf8');

describe('npm run golden:make', () => {
  it('regenerates the committed golden file byte for byte', () => {
    expect(goldenFileText() === fixture('distill-golden.json')).toBe(true);
  });

  it('regenerates the committed detection golden file byte for byte', () => {
    expect(detectionGoldenText() === readFileSync(new URL('../src/detect/fixtures/detection-golden.json', import.meta.url), 'utf8')).toBe(true);
  });

  // distill-golden-reference.json was computed from the same specification by someone else, in
  // float64 with automatic differentiation: two independent implementations must agree on it.
  it('reproduces every value of the reference golden file from its inputs', () => {
    const reference = JSON.parse(fixture('distill-golden-reference.json')) as {
      cases: ({ seed: number; batch: number; classes: number; pcd: { config: PcdGoldenOptions }[] } & Parameters<typeof goldenCase>[0])[];
    };
    let compared = 0;
    let worst = 0;
    const mismatches: string[] = [];
    const compare = (mine: unknown, theirs: unknown, path: string): void => {
      if (typeof theirs === 'number') {
        compared++;
        if (typeof mine !== 'number') return void mismatches.push(`${path}: missing`);
        const error = Math.abs(mine - theirs);
        worst = Math.max(worst, error / Math.max(Math.abs(theirs), 1e-300));
        if (error > 1e-8 * Math.abs(theirs) + 1e-15) mismatches.push(`${path}: ${mine} against ${theirs}`);
      } else if (theirs !== null && typeof theirs === 'object') {
        for (const [key, value] of Object.entries(theirs)) compare((mine as Record<string, unknown> | undefined)?.[key], value, `${path}.${key}`);
      } else if (mine !== theirs) mismatches.push(`${path}: ${String(mine)} against ${String(theirs)}`);
    };
    reference.cases.forEach((c, i) => {
      // The case's header (seed and shape) is not a computed value.
      const expected: Record<string, unknown> = { ...c };
      for (const key of ['seed', 'batch', 'classes']) delete expected[key];
      compare(
        goldenCase(
          c,
          c.pcd.map((p) => p.config),
        ),
        expected,
        `case ${i}`,
      );
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(70_000);
    expect(worst).toBeLessThan(1e-8);
  });

  it('agrees with a case worked by hand: ranks by gap, λ below 1 shrinking the loss', () => {
    const inputs = { studentLogits: [[0.5, -1, 2, 0]], teacherLogits: [[3, 1, -2, 0.5]], labels: [0] };
    const options: PcdGoldenOptions = { stages: 2, tau: 4, adaptive: true, standardize_logits: false, ranking: true };
    const adaptive = goldenCase(inputs, [options]).pcd[0];
    const plain = goldenCase(inputs, [{ ...options, adaptive: false }]).pcd[0];
    expect(adaptive.jointLoss).toBeLessThan(plain.jointLoss); // λ ∈ [0, 1) shrinks every group's term
    expect(adaptive.ranks).toEqual([[1, 2, 0, 3]]); // gaps 2.5, 2, 4, 0.5: class 2 first, class 3 last
  });
});
