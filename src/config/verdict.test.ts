import { describe, expect, it } from 'vitest';
import { disagreements, formatP, mcnemarExact, pairSentence, pairVerdict } from './verdict';

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
  });

  it('formats p as people read it', () => {
    expect(formatP(0.25)).toBe('p = 0.25');
    expect(formatP(0.0386)).toBe('p = 0.04');
    expect(formatP(0.0031)).toBe('p = 0.003');
    expect(formatP(0.00001)).toBe('p < 0.001');
  });
});
