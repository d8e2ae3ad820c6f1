// The tests behind the verdicts (docs/spec.md, "Statistics"): McNemar's exact test on two
// runs' per-sample results, and over seeds the paired t-test with two distribution-free tests
// beside it (the sign test and the exact sign-flip permutation test), Holm's adjustment for
// the several comparisons a sentence makes. Pure functions; `src/config/fixtures/
// statistics-reference.json` holds scipy's and statsmodels' values for the same inputs.

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

/** The exact two-sided binomial test of p = 1/2: min(1, 2 · P(X ≤ min(a, b))), X ~ Binomial(a + b, 1/2); 1 when a + b = 0. */
function binomialHalfTwoSided(a: number, b: number): number {
  const n = a + b;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialHalfCdf(Math.min(a, b), n));
}

/**
 * McNemar's exact test (two-sided): `onlyA` samples only run A gets right, `onlyB` only run B.
 * The binomial test of the disagreements: 1 when they never disagree.
 */
export function mcnemarExact(onlyA: number, onlyB: number): number {
  return binomialHalfTwoSided(onlyA, onlyB);
}

/**
 * The exact sign test (two-sided) of paired differences: how many are above 0 against how many
 * below, as a fair coin would split them; differences of exactly 0 are left out.
 */
export function signTest(differences: readonly number[]): number {
  return binomialHalfTwoSided(differences.filter((d) => d > 0).length, differences.filter((d) => d < 0).length);
}

/** Seeds past which the exact permutation test (2^n sign patterns) is not enumerated. */
export const PERMUTATION_EXACT_UP_TO = 20;

/**
 * The exact paired permutation test (two-sided): under "no difference" each seed's difference is
 * as likely to have either sign, so p is the share of the 2^n sign patterns whose sum is at least
 * as far from 0 as the observed one (ties within scipy's tolerance, 100 ε of the observed sum).
 * Assumes only that the differences are symmetric about 0 under the null: no normality.
 */
export function permutationTest(differences: readonly number[]): number {
  const n = differences.length;
  if (n === 0) throw new Error('no differences: a permutation test needs at least one');
  if (n > PERMUTATION_EXACT_UP_TO) throw new Error(`${n} differences: the exact permutation test enumerates up to ${PERMUTATION_EXACT_UP_TO}`);
  const observed = Math.abs(differences.reduce((s, d) => s + d, 0));
  const tolerance = 100 * Number.EPSILON * observed;
  let atLeast = 0;
  for (let pattern = 0; pattern < 2 ** n; pattern++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += pattern & (1 << i) ? -differences[i] : differences[i];
    if (Math.abs(sum) >= observed - tolerance) atLeast++;
  }
  return atLeast / 2 ** n;
}

/** The smallest p the exact two-sided permutation (or sign) test can give with `n` seeds: 2 / 2^n. */
export const smallestDistributionFreeP = (n: number) => Math.min(1, 2 / 2 ** n);

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

/**
 * The paired t-test (two-sided) of differences against 0: t = mean / (sd / √n), df = n − 1.
 * Null when it is undefined: fewer than 2 differences, or no spread (every difference equal, up
 * to the rounding of their mean: 1e-12 of it).
 */
export function pairedTTest(differences: readonly number[]): { t: number; df: number; p: number } | null {
  const n = differences.length;
  if (n < 2) return null;
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  const std = Math.sqrt(differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
  if (std <= 1e-12 * Math.abs(mean) || std === 0) return null;
  const t = mean / (std / Math.sqrt(n));
  return { t, df: n - 1, p: studentTwoSidedP(t, n - 1) };
}

/**
 * Holm's step-down adjustment of `m` p-values for the family of comparisons they come from:
 * sorted ascending, the i-th (from 0) becomes max over j ≤ i of min(1, (m − j) · p_(j)); in
 * the input's order. A comparison is beyond noise at level α when its adjusted p is below α,
 * which keeps the chance of any false "beyond noise" in the family under α.
 */
export function holm(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
