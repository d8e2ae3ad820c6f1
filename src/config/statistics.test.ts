// The verdicts' tests against scipy's and statsmodels' values for the same inputs
// (src/config/fixtures/statistics-reference.json, written by scripts/statistics-reference.py).
import { describe, expect, it } from 'vitest';
import reference from './fixtures/statistics-reference.json';
import { holm, mcnemarExact, pairedTTest, permutationTest, signTest, smallestDistributionFreeP, studentTwoSidedP } from './statistics';

const close = (actual: number, expected: number, label: string) =>
  expect(Math.abs(actual - expected), `${label}: ${actual} against ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

describe('the tests behind the verdicts give scipy’s values', () => {
  it('McNemar’s exact test: scipy.stats.binomtest of the disagreements', () => {
    for (const { onlyA, onlyB, p } of reference.mcnemar) close(mcnemarExact(onlyA, onlyB), p, `${onlyA}/${onlyB}`);
  });

  it('the paired t-test: scipy.stats.ttest_1samp of the per-seed differences', () => {
    for (const r of reference.paired) {
      const t = pairedTTest(r.differences);
      if (!t) throw new Error(`no t-test for ${r.differences}`);
      close(t.t, r.t, `t of ${r.differences}`);
      expect(t.df).toBe(r.df);
      close(t.p, r.tP, `p of ${r.differences}`);
    }
  });

  it('Student’s t two-sided p: 2 · scipy.stats.t.sf(|t|, df), the tables’ 5% critical values among them', () => {
    for (const { t, df, p } of reference.student) close(studentTwoSidedP(t, df), p, `t ${t}, df ${df}`);
  });

  it('the sign test: scipy.stats.binomtest of the seeds above and below 0 (zeros left out)', () => {
    for (const r of reference.paired) close(signTest(r.differences), r.signP, `${r.differences}`);
  });

  it('the exact permutation test: scipy.stats.permutation_test, paired (sign flips), every pattern', () => {
    for (const r of reference.paired) close(permutationTest(r.differences), r.permutationP, `${r.differences}`);
  });

  it('Holm’s adjustment: statsmodels’ multipletests(method="holm")', () => {
    for (const { p, adjusted } of reference.holm) holm(p).forEach((a, i) => close(a, adjusted[i], `${p}[${i}]`));
  });
});

describe('what the tests can and cannot say', () => {
  it('no distribution-free test goes below 2 / 2^n with n seeds: 5 seeds cannot reach p < 0.05', () => {
    expect(smallestDistributionFreeP(5)).toBe(0.0625);
    expect(smallestDistributionFreeP(6)).toBe(0.03125);
    expect(permutationTest([1, 2, 3, 4, 5])).toBe(0.0625);
    expect(signTest([1, 2, 3, 4, 5])).toBe(0.0625);
  });

  it('a t-test needs two seeds with some spread', () => {
    expect(pairedTTest([0.4])).toBeNull();
    expect(pairedTTest([0.4, 0.4, 0.4])).toBeNull();
    expect(() => permutationTest([])).toThrow(/at least one/);
    expect(() => permutationTest(new Array(21).fill(1))).toThrow(/21 differences: the exact permutation test enumerates up to 20/);
  });
});
