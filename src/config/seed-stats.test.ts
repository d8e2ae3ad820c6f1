import { describe, expect, it } from 'vitest';
import { bandKind, bandsOver, seedBand } from './seed-stats';

describe('a run over seeds: mean and band', () => {
  it('no band with one seed, the range with 2–3, ± 1 sample std from 4', () => {
    expect(seedBand([70])).toEqual({ mean: 70, lo: 70, hi: 70, seeds: 1 });
    expect(seedBand([70, 74, 72])).toEqual({ mean: 72, lo: 70, hi: 74, seeds: 3 });
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32 / 7.
    const b = seedBand([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(b.mean).toBe(5);
    expect(b.hi - b.mean).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(b.mean - b.lo).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect([1, 2, 3, 4, 10].map(bandKind)).toEqual(['none', 'range', 'range', 'std', 'std']);
    expect(() => seedBand([])).toThrow('no values');
  });

  it('gathers points only where every seed has one', () => {
    const bands = bandsOver([
      [
        { x: 0, y: 10 },
        { x: 5, y: 20 },
        { x: 10, y: 30 },
      ],
      [
        { x: 0, y: 12 },
        { x: 5, y: 24 },
      ],
    ]);
    expect(bands).toEqual([
      { x: 0, mean: 11, lo: 10, hi: 12, seeds: 2 },
      { x: 5, mean: 22, lo: 20, hi: 24, seeds: 2 },
    ]);
    expect(bandsOver([])).toEqual([]);
  });
});
