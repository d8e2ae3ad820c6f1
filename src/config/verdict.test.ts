import { describe, expect, it } from 'vitest';
import { disagreements, formatP, mcnemarExact, pairSentence, pairVerdict, seedSentence, seedVerdict, studentTwoSidedP } from './verdict';

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
    expect(pairSentence(tie)).toBe('KD and DKD disagree on none of 179 test samples: a tie');

    const close = pairVerdict('ce', of(179, first(174)), 'kd', of(179, first(177)));
    expect(close).toMatchObject({ kind: 'within-noise', ahead: 'kd', behind: 'ce', margin: 3 });
    expect(pairSentence(close)).toBe('KD is 3 of 179 test samples (1.7 points) ahead of CE; p = 0.25: within noise, run more seeds');

    const clear = pairVerdict('pcd', of(1000, first(640)), 'kd', of(1000, first(600)));
    expect(clear.kind).toBe('ahead');
    expect(pairSentence(clear, (id) => `«${id}»`)).toBe(
      '«pcd» is 40 of 1,000 test samples (4.0 points) ahead of «kd»; p < 0.001: beyond noise (exact McNemar test)',
    );
    // The same two runs the other way round: `a` behind beyond noise is said so, not "ahead".
    const reversed = pairVerdict('kd', of(1000, first(600)), 'pcd', of(1000, first(640)));
    expect(reversed).toMatchObject({ kind: 'behind', ahead: 'pcd', behind: 'kd' });
    expect(pairSentence(reversed)).toContain('PCD is 40 of 1,000 test samples (4.0 points) ahead of KD; p < 0.001: beyond noise');
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
    // One seed is never evidence, however large the difference.
    expect(seedVerdict('kd', 'ce', [7])).toMatchObject({ kind: 'within-noise', p: 1 });
    expect(() => seedVerdict('kd', 'ce', [])).toThrow(/at least one paired difference/);
    // Every seed the same gain: no spread, so the sign test: 2 seeds never suffice, 6 do.
    expect(seedVerdict('kd', 'ce', [0.5, 0.5])).toMatchObject({ kind: 'within-noise', p: 0.5 });
    expect(seedVerdict('kd', 'ce', [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])).toMatchObject({ kind: 'ahead', p: 2 / 64 });
    // A run behind beyond noise (the detection race's PCD against CE) is "behind", not "ahead".
    const behind = seedVerdict('pcd', 'ce', [-13.1, -8.9, -8.3]);
    expect(behind).toMatchObject({ kind: 'behind', aheadA: 0, aheadB: 3 });
    expect(seedSentence(behind)).toMatch(
      /^CE is 10\.1 ± 2\.6 points ahead of PCD over 3 seeds \(ahead in 3 of 3\); p = 0\.0\d+ \(paired t-test\): beyond noise$/,
    );
  });

  it('says each kind of verdict over seeds in words', () => {
    expect(seedSentence(seedVerdict('both-off', 'pcd', [4.4, 3.8, 4.0]), (id) => id)).toMatch(
      /^both-off is 4\.1 ± 0\.3 points ahead of pcd over 3 seeds \(ahead in 3 of 3\); p = 0\.00\d \(paired t-test\): beyond noise$/,
    );
    // The run behind is named second whatever the order asked.
    expect(seedSentence(seedVerdict('pcd', 'kd', [-1.05, 0.05, -0.2]))).toMatch(
      /^KD is 0\.4 ± 0\.6 points ahead of PCD over 3 seeds \(ahead in 2 of 3\); p = 0\.\d+ \(paired t-test\): within noise, run more seeds$/,
    );
    expect(seedSentence(seedVerdict('kd', 'dkd', [0, 0, 0]))).toBe('KD and DKD tie in every one of 3 seeds');
    expect(seedSentence(seedVerdict('kd', 'ce', [0.5, 0.5]))).toBe(
      'KD is 0.5 ± 0.0 points ahead of CE over 2 seeds (ahead in 2 of 2); p = 0.50 (sign test): within noise, run more seeds',
    );
  });
});
