// What the charts draw for a run over several seeds: the mean and a band of its spread. With
// 2–3 seeds a standard deviation says little, so the band is the range (min to max); from 4
// seeds on it is the mean ± 1 sample standard deviation. One seed: no band.

/** Below this many seeds the band is min–max; from it on, mean ± 1 std. */
export const STD_BAND_FROM = 4;

export interface SeedBand {
  mean: number;
  lo: number;
  hi: number;
  seeds: number;
}

/** The kind of band `seeds` values get: none (1 seed), their range (2–3) or ± 1 std (4 and more). */
export function bandKind(seeds: number): 'none' | 'range' | 'std' {
  return seeds < 2 ? 'none' : seeds < STD_BAND_FROM ? 'range' : 'std';
}

/** The mean of `values` and its band (see {@link bandKind}). */
export function seedBand(values: readonly number[]): SeedBand {
  const n = values.length;
  if (n === 0) throw new Error('no values: a band needs at least one seed');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const kind = bandKind(n);
  if (kind === 'none') return { mean, lo: mean, hi: mean, seeds: n };
  if (kind === 'range') return { mean, lo: Math.min(...values), hi: Math.max(...values), seeds: n };
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, lo: mean - std, hi: mean + std, seeds: n };
}

/**
 * Per-seed series (x ascending) gathered at the x every seed has, as bands: a seed that has
 * not reached a point yet leaves it out, so the mean never mixes a different set of seeds.
 */
export function bandsOver(perSeed: readonly { x: number; y: number }[][]): ({ x: number } & SeedBand)[] {
  if (!perSeed.length) return [];
  const at = new Map<number, number[]>();
  for (const points of perSeed) for (const p of points) (at.get(p.x) ?? at.set(p.x, []).get(p.x)!).push(p.y);
  return [...at.entries()]
    .filter(([, ys]) => ys.length === perSeed.length)
    .sort((a, b) => a[0] - b[0])
    .map(([x, ys]) => ({ x, ...seedBand(ys) }));
}
