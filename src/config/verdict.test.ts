import { describe, expect, it } from 'vitest';
import { mcnemarExact, studentTwoSidedP } from './statistics';
import { disagreements, formatP, inFamily, pairSentence, pairVerdict, seedSentence, seedVerdict } from './verdict';

describe("McNemar's exact test", () => {
  it('gives the two-sided binomial p of the disagreements', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(3, 0)).toBeCloseTo(0.25, 12); // 2 · (1/2)^3
    expect(mcnemarExact(0, 3)).toBeCloseTo(0.25, 12);
    expect(mcnemarExact(6, 1)).toBeCloseTo(2 * (8 / 128), 12);
    expect(mcnemarExact(10, 2)).toBeCloseTo(2 * (79 / 4096), 12); // scipy.stats.binomtest(2, 12): 0.0386
    expect(mcnemarExact(5, 5)).toBe(1);
    // Large counts stay finite and tiny: 60 against 20.
    const p = mcnemarExact(60, 20);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-5);
  });

  it('counts the samples only one run gets right, on the same samples only', () => {
    expect(disagreements(Uint8Array.from([1, 1, 0, 0, 1]), Uint8Array.from([1, 0, 1, 0, 0]))).toEqual({ onlyA: 2, onlyB: 1, samples: 5 });
    expect(() => disagreements(new Uint8Array(3), new Uint8Array(4))).toThrow(/3 and 4 samples: expected the same test samples/);
  });
});

describe('a verdict on two runs, in words', () => {
  const of = (n: number, right: number[]) => Uint8Array.from({ length: n }, (_, i) => (right.includes(i) ? 1 : 0));
  const first = (k: number) => Array.from({ length: k }, (_, i) => i);

  it('a tie, within noise, or ahead beyond noise', () => {
    const tie = pairVerdict('kd', of(179, first(177)), 'dkd', of(179, first(177)));
    expect(tie).toMatchObject({ kind: 'tie', ahead: null, disagree: 0, p: 1 });
    expect(pairSentence(tie)).toBe("On this seed KD's and DKD's students disagree on none of 179 test samples: a tie");

    const close = pairVerdict('ce', of(179, first(174)), 'kd', of(179, first(177)));
    expect(close).toMatchObject({ kind: 'within-noise', ahead: 'kd', behind: 'ce', margin: 3 });
    expect(pairSentence(close)).toBe(
      "On this seed KD's student is 3 of 179 test samples (1.7 points) ahead of CE's; p = 0.25 (exact McNemar test): within test-sample noise",
    );

    const clear = pairVerdict('pcd', of(1000, first(640)), 'kd', of(1000, first(600)));
    expect(clear.kind).toBe('ahead');
    // Beyond test-sample noise is about these two trained students: the sentence says so, and what the methods need.
    expect(pairSentence(clear, (id) => `«${id}»`)).toBe(
      "On this seed «pcd»'s student is 40 of 1,000 test samples (4.0 points) ahead of «kd»'s; p < 0.001 (exact McNemar test): beyond test-sample noise, a difference between these two trained students (one between the methods takes 3 seeds or more)",
    );
    // The same two runs the other way round: `a` behind beyond noise is said so, not "ahead".
    const reversed = pairVerdict('kd', of(1000, first(600)), 'pcd', of(1000, first(640)));
    expect(reversed).toMatchObject({ kind: 'behind', ahead: 'pcd', behind: 'kd' });
    expect(pairSentence(reversed)).toContain("PCD's student is 40 of 1,000 test samples (4.0 points) ahead of KD's; p < 0.001");
  });

  it('formats p as people read it', () => {
    expect(formatP(0.25)).toBe('p = 0.25');
    expect(formatP(0.0386)).toBe('p = 0.04');
    expect(formatP(0.0031)).toBe('p = 0.003');
    expect(formatP(0.00001)).toBe('p < 0.001');
  });
});

describe('a verdict over seeds (paired by seed)', () => {
  it("gives Student's t two-sided p as the tables do", () => {
    // The 5% critical values of t: df 1 → 12.706, 2 → 4.303, 4 → 2.776, 10 → 2.228.
    expect(studentTwoSidedP(12.706, 1)).toBeCloseTo(0.05, 4);
    expect(studentTwoSidedP(4.303, 2)).toBeCloseTo(0.05, 4);
    expect(studentTwoSidedP(2.776, 4)).toBeCloseTo(0.05, 4);
    expect(studentTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 4);
    expect(studentTwoSidedP(0, 3)).toBeCloseTo(1, 12);
    // df = 2 has a closed form: p = 1 − t / √(2 + t²).
    for (const t of [0.5, 1, 3, 10]) expect(studentTwoSidedP(t, 2)).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 10);
  });

  it('ahead, within noise or a tie, from the seeds', () => {
    // The ablation's "ranking and λ off" against PCD: ahead in every seed, by 3.8–4.4 points.
    const clear = seedVerdict('both-off', 'pcd', [4.4, 3.8, 4.0]);
    expect(clear).toMatchObject({ kind: 'ahead', seeds: 3, aheadA: 3, aheadB: 0 });
    expect(clear.mean).toBeCloseTo(4.0667, 3);
    expect(clear.p).toBeLessThan(0.01);
    // PCD against KD: −0.4 ± 0.6, ahead in one seed of three.
    const close = seedVerdict('pcd', 'kd', [-1.05, 0.05, -0.2]);
    expect(close).toMatchObject({ kind: 'within-noise', aheadA: 1, aheadB: 2 });
    expect(close.p).toBeGreaterThan(0.3);
    expect(seedVerdict('kd', 'dkd', [0, 0, 0])).toMatchObject({ kind: 'tie', p: 1 });
    // One or two seeds are never evidence about the methods, however large the difference: not tested.
    expect(seedVerdict('kd', 'ce', [7])).toMatchObject({ kind: 'untested', test: 'none' });
    expect(seedVerdict('pcd', 'kd', [1.7, 5.8])).toMatchObject({ kind: 'untested', test: 'none' });
    expect(() => seedVerdict('kd', 'ce', [])).toThrow(/at least one paired difference/);
    // Every seed the same gain: no spread, so the sign test: 3 seeds never suffice, 6 do.
    expect(seedVerdict('kd', 'ce', [0.5, 0.5, 0.5])).toMatchObject({ kind: 'within-noise', test: 'sign' });
    expect(seedVerdict('kd', 'ce', [0.5, 0.5, 0.5]).p).toBeCloseTo(0.25, 12);
    expect(seedVerdict('kd', 'ce', [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])).toMatchObject({ kind: 'ahead', test: 'sign' });
    expect(seedVerdict('kd', 'ce', [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]).p).toBeCloseTo(2 / 64, 12);
    // A run behind beyond noise (the detection race's PCD against CE) is "behind", not "ahead".
    const behind = seedVerdict('pcd', 'ce', [-13.1, -8.9, -8.3]);
    expect(behind).toMatchObject({ kind: 'behind', aheadA: 0, aheadB: 3 });
    expect(seedSentence(behind)).toMatch(
      /^CE is 10\.1 ± 2\.6 points ahead of PCD over 3 seeds \(ahead in 3 of 3\); p = 0\.0\d+ \(paired t-test; it assumes the seeds' differences roughly normal: with 3 seeds no distribution-free test can go below p = 0\.25\): beyond seed noise$/,
    );
  });

  it('says each kind of verdict over seeds in words, and what the test assumes', () => {
    expect(seedSentence(seedVerdict('both-off', 'pcd', [4.4, 3.8, 4.0]), (id) => id)).toMatch(
      /^both-off is 4\.1 ± 0\.3 points ahead of pcd over 3 seeds \(ahead in 3 of 3\); p = 0\.00\d \(paired t-test; it assumes .*\): beyond seed noise$/,
    );
    // The run behind is named second whatever the order asked.
    expect(seedSentence(seedVerdict('pcd', 'kd', [-1.05, 0.05, -0.2]))).toMatch(
      /^KD is 0\.4 ± 0\.6 points ahead of PCD over 3 seeds \(ahead in 2 of 3\); p = 0\.\d+ \(paired t-test; .*\): within seed noise$/,
    );
    expect(seedSentence(seedVerdict('kd', 'dkd', [0, 0, 0]))).toBe('KD and DKD tie in every one of 3 seeds');
    // The issue's table of one's own: seed 2 alone said PCD 1.7 points behind KD; two seeds are not tested.
    expect(seedSentence(seedVerdict('kd', 'pcd', [1.8, -0.4]))).toBe(
      'KD is 0.7 ± 1.6 points ahead of PCD over 2 seeds (ahead in 1 of 2): not tested, a verdict on the methods takes 3 seeds or more',
    );
    expect(seedSentence(seedVerdict('kd', 'ce', [0.5, 0.5, 0.5]))).toBe(
      'KD is 0.5 ± 0.0 points ahead of CE over 3 seeds (ahead in 3 of 3); p = 0.25 (sign test): within seed noise',
    );
    // From 6 seeds a distribution-free test can reach p < 0.05: it is given beside the t-test.
    const six = seedVerdict('pcd', 'kd', [0.6, 0.9, 0.4, 1.1, 0.7, 0.5]);
    expect(six.permutationP).toBeCloseTo(2 / 64, 12);
    expect(seedSentence(six)).toMatch(
      /^PCD is 0\.7 ± 0\.3 points ahead of KD over 6 seeds \(ahead in 6 of 6\); p = 0\.001 \(paired t-test; permutation test p = 0\.03\): beyond seed noise$/,
    );
  });
});

describe('several comparisons in one sentence: Holm’s adjustment', () => {
  it('adjusts every tested p of the family and decides on the adjusted one', () => {
    // Three comparisons, p ≈ 0.0006, 0.03 and 0.06 alone: adjusted, the second (×2) is no longer beyond noise.
    const family = inFamily([
      seedVerdict('pcd', 'kd', [0.9, 0.5, 1.0, 0.6, 0.8, 0.2, 0.7]),
      seedVerdict('pcd', 'dkd', [0.9, 0.1, 1.3, 0.4, 1.2, -0.2, 0.5]),
      seedVerdict('pcd', 'ce', [0.9, -0.3, 1.3, 0.4, 1.2, -0.2, 0.5]),
      seedVerdict('pcd', 'ablation', [0, 0, 0, 0, 0, 0, 0]),
    ]);
    const alone = family.map((v) => v.p);
    expect(alone[1]).toBeLessThan(0.05);
    expect(family.slice(0, 3).map((v) => v.family)).toEqual([3, 3, 3]);
    const sorted = [...alone.slice(0, 3)].sort((a, b) => a - b);
    expect(family.find((v) => v.p === sorted[0])!.adjustedP).toBeCloseTo(3 * sorted[0], 12);
    expect(family[1].adjustedP).toBeCloseTo(2 * alone[1], 12);
    expect(family[1].adjustedP).toBeGreaterThan(0.05);
    expect(family[1].kind).toBe('within-noise');
    expect(family[1].permutationP).toBeGreaterThanOrEqual(alone[1]);
    expect(seedSentence(family[1])).toContain('Holm-adjusted over 3 comparisons');
    // A tie is not counted and stays a tie.
    expect(family[3]).toMatchObject({ kind: 'tie', family: 1 });
  });
});
