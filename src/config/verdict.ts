// What a race's numbers allow one to say. Two runs evaluated on the same test samples differ
// only on the samples one gets right and the other wrong; McNemar's exact test asks whether
// that split is more lopsided than a fair coin would make it. A winner is named only when it
// is (p < 0.05, two-sided); otherwise the page says "ahead, within noise" or "a tie".

/** The significance level of the verdicts (two-sided): a difference is "beyond noise" below it. */
export const VERDICT_ALPHA = 0.05;

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space (exact for any n a test split has). */
function binomialHalfCdf(k: number, n: number): number {
  let logTerm = -n * Math.LN2; // log C(n, 0) / 2^n
  let total = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    total += Math.exp(logTerm);
  }
  return total;
}

/**
 * McNemar's exact test (two-sided): `onlyA` samples only run A gets right, `onlyB` only run B.
 * p = min(1, 2 · P(X ≤ min(onlyA, onlyB))), X ~ Binomial(onlyA + onlyB, 1/2); 1 when they
 * never disagree.
 */
export function mcnemarExact(onlyA: number, onlyB: number): number {
  const n = onlyA + onlyB;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialHalfCdf(Math.min(onlyA, onlyB), n));
}

/** Two runs' disagreements on the same test samples (1 = right), from their per-sample correctness. */
export function disagreements(a: Uint8Array, b: Uint8Array): { onlyA: number; onlyB: number; samples: number } {
  if (a.length !== b.length) throw new Error(`per-sample results of ${a.length} and ${b.length} samples: expected the same test samples`);
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && !b[i]) onlyA++;
    else if (b[i] && !a[i]) onlyB++;
  }
  return { onlyA, onlyB, samples: a.length };
}

/** Of run `a` against run `b`: `ahead` and `behind` are beyond noise, in that direction. */
export type VerdictKind = 'tie' | 'within-noise' | 'ahead' | 'behind';

/** Whether a verdict is beyond noise (either way). */
export const beyondNoise = (v: { kind: VerdictKind }) => v.kind === 'ahead' || v.kind === 'behind';

/** How run `a` compares with run `b` on one seed: who is ahead, by how many samples, and whether that is beyond noise. */
export interface PairVerdict {
  a: string;
  b: string;
  kind: VerdictKind;
  /** The run ahead (null for a tie). */
  ahead: string | null;
  behind: string | null;
  /** Samples the run ahead gets right and the other does not, minus the reverse. */
  margin: number;
  /** Samples on which the two runs disagree. */
  disagree: number;
  samples: number;
  p: number;
}

/**
 * The verdict on two runs from their per-sample correctness on the same test samples: a tie
 * when each gets as many right that the other misses; "ahead" when McNemar's exact test gives
 * p < {@link VERDICT_ALPHA}; else "within noise".
 */
export function pairVerdict(a: string, correctA: Uint8Array, b: string, correctB: Uint8Array): PairVerdict {
  const { onlyA, onlyB, samples } = disagreements(correctA, correctB);
  const p = mcnemarExact(onlyA, onlyB);
  const aAhead = onlyA > onlyB;
  const kind: VerdictKind = onlyA === onlyB ? 'tie' : p < VERDICT_ALPHA ? (aAhead ? 'ahead' : 'behind') : 'within-noise';
  return {
    a,
    b,
    kind,
    ahead: kind === 'tie' ? null : aAhead ? a : b,
    behind: kind === 'tie' ? null : aAhead ? b : a,
    margin: Math.abs(onlyA - onlyB),
    disagree: onlyA + onlyB,
    samples,
    p,
  };
}

/** A p-value as people read it: "p = 0.25", "p = 0.003", "p < 0.001". */
export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** The verdict in one sentence, e.g. "KD is 3 of 179 test samples (1.7 points) ahead of CE; p = 0.25: within noise, run more seeds". */
export function pairSentence(v: PairVerdict, label: (id: string) => string = (id) => id.toUpperCase()): string {
  const of = `${v.samples.toLocaleString('en')} test samples`;
  if (v.kind === 'tie') {
    return v.disagree === 0
      ? `${label(v.a)} and ${label(v.b)} disagree on none of ${of}: a tie`
      : `${label(v.a)} and ${label(v.b)} each get ${(v.disagree / 2).toLocaleString('en')} of ${of} right that the other misses: a tie`;
  }
  const points = ((100 * v.margin) / v.samples).toFixed(1);
  const lead = `${label(v.ahead!)} is ${v.margin.toLocaleString('en')} of ${of} (${points} points) ahead of ${label(v.behind!)}; ${formatP(v.p)}`;
  return beyondNoise(v) ? `${lead}: beyond noise (exact McNemar test)` : `${lead}: within noise, run more seeds`;
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
    9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz's method). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x)) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 300; i++) {
    const m = Math.floor(i / 2);
    const numerator =
      i === 0
        ? 1
        : i % 2 === 0
          ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
          : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + numerator * d;
    d = Math.abs(d) < tiny ? tiny : d;
    d = 1 / d;
    c = 1 + numerator / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const step = c * d;
    f *= step;
    if (Math.abs(1 - step) < 1e-14) break;
  }
  return front * (f - 1);
}

/** Two-sided p of Student's t with `df` degrees of freedom: P(|T| ≥ |t|). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** How run `a` compares with run `b` over seeds: their paired differences (a − b, same seed, same weights and batches). */
export interface SeedVerdict {
  a: string;
  b: string;
  kind: VerdictKind;
  seeds: number;
  /** Mean and sample standard deviation of a − b, in the differences' units. */
  mean: number;
  std: number;
  /** Seeds in which a is ahead, and in which b is. */
  aheadA: number;
  aheadB: number;
  /**
   * Two-sided paired t-test (df = seeds − 1); 1 with one seed or when every difference is 0;
   * with differences all equal but not 0 (no spread: the t statistic is undefined), the exact
   * sign test, 2 · (1/2)^seeds.
   */
  p: number;
}

/**
 * The verdict over seeds from paired differences a − b: "ahead" when the paired t-test gives
 * p < {@link VERDICT_ALPHA} (which takes at least 3 seeds in practice), a tie when every
 * difference is 0, else "within noise".
 */
export function seedVerdict(a: string, b: string, differences: readonly number[]): SeedVerdict {
  const n = differences.length;
  if (n === 0) throw new Error('no seeds: a verdict over seeds needs at least one paired difference');
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  const std = n > 1 ? Math.sqrt(differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1)) : 0;
  const aheadA = differences.filter((d) => d > 0).length;
  const aheadB = differences.filter((d) => d < 0).length;
  const allZero = differences.every((d) => d === 0);
  // No spread but a difference (every seed the same gain): the t statistic is undefined; the
  // sign test says how unlikely n seeds all on one side are (2 seeds: 0.5; 6 seeds: 0.03).
  const p = n < 2 || allZero ? 1 : std === 0 ? Math.min(1, 2 * 0.5 ** n) : studentTwoSidedP(mean / (std / Math.sqrt(n)), n - 1);
  const kind: VerdictKind = allZero ? 'tie' : p < VERDICT_ALPHA ? (mean >= 0 ? 'ahead' : 'behind') : 'within-noise';
  return { a, b, kind, seeds: n, mean, std, aheadA, aheadB, p };
}

/**
 * A verdict over seeds in one sentence (differences in points of test accuracy), e.g. "PCD is
 * 0.8 ± 0.6 points ahead of KD over 5 seeds (ahead in 4 of 5); p = 0.04 (paired t-test): beyond noise".
 */
export function seedSentence(v: SeedVerdict, label: (id: string) => string = (id) => id.toUpperCase()): string {
  if (v.kind === 'tie') return `${label(v.a)} and ${label(v.b)} tie in every one of ${v.seeds} seeds`;
  const aAhead = v.mean > 0 || (v.mean === 0 && v.aheadA >= v.aheadB);
  const [ahead, behind] = aAhead ? [v.a, v.b] : [v.b, v.a];
  const inSeeds = aAhead ? v.aheadA : v.aheadB;
  const spread = v.seeds > 1 ? ` ± ${v.std.toFixed(1)}` : '';
  const lead =
    `${label(ahead)} is ${Math.abs(v.mean).toFixed(1)}${spread} points ahead of ${label(behind)} over ${v.seeds} seed${v.seeds > 1 ? 's' : ''} ` +
    `(ahead in ${inSeeds} of ${v.seeds}); ${formatP(v.p)} (${v.std === 0 && v.seeds > 1 ? 'sign test' : 'paired t-test'})`;
  return beyondNoise(v) ? `${lead}: beyond noise` : `${lead}: within noise, run more seeds`;
}
