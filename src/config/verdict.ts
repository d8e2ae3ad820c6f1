// What a race's numbers allow one to say, and about what. One seed: two trained students
// evaluated on the same test samples differ only on the samples one gets right and the other
// wrong; McNemar's exact test asks whether that split is more lopsided than a fair coin would
// make it: a verdict on these two students, on this seed (its noise is the test samples').
// Several seeds: the methods' noise is the seed's (initial weights, batch order), so the
// paired differences seed by seed are tested, by the paired t-test, with the permutation test
// beside it (no normality assumed) where the seeds are enough for it to say anything. The
// several comparisons one sentence makes are one family, adjusted by Holm's method
// (config/statistics.ts; docs/spec.md, "Statistics").
import { holm, mcnemarExact, pairedTTest, permutationTest, PERMUTATION_EXACT_UP_TO, signTest, smallestDistributionFreeP } from './statistics';

/** The significance level of the verdicts (two-sided, after Holm's adjustment): a difference is "beyond noise" below it. */
export const VERDICT_ALPHA = 0.05;

/** The fewest seeds whose paired differences are tested (two give a t-test one degree of freedom). */
export const MIN_SEEDS_TESTED = 3;

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

/**
 * Of run `a` against run `b`: `ahead` and `behind` are beyond noise, in that direction;
 * `untested` where the seeds are too few for a test ({@link MIN_SEEDS_TESTED}).
 */
export type VerdictKind = 'tie' | 'within-noise' | 'ahead' | 'behind' | 'untested';

/** Whether a verdict is beyond noise (either way). */
export const beyondNoise = (v: { kind: VerdictKind }) => v.kind === 'ahead' || v.kind === 'behind';

/** What every verdict carries: its test's p, and that p adjusted for the comparisons made beside it. */
interface Tested {
  a: string;
  b: string;
  kind: VerdictKind;
  /** The test's own p (two-sided). */
  p: number;
  /** `p` after Holm's adjustment over {@link family} comparisons (= p alone): what `kind` is decided on. */
  adjustedP: number;
  /** How many comparisons the adjustment counted (1: none). */
  family: number;
}

/** How run `a` compares with run `b` on one seed: who is ahead, by how many samples, and whether that is beyond test-sample noise. */
export interface PairVerdict extends Tested {
  /** The run ahead (null for a tie). */
  ahead: string | null;
  behind: string | null;
  /** Samples the run ahead gets right and the other does not, minus the reverse. */
  margin: number;
  /** Samples on which the two runs disagree. */
  disagree: number;
  samples: number;
}

const kindOf = (p: number, aAhead: boolean, tie: boolean): VerdictKind =>
  tie ? 'tie' : p < VERDICT_ALPHA ? (aAhead ? 'ahead' : 'behind') : 'within-noise';

/**
 * The verdict on two runs from their per-sample correctness on the same test samples: a tie
 * when each gets as many right that the other misses; "ahead" when McNemar's exact test gives
 * p < {@link VERDICT_ALPHA}; else "within noise". Alone (a family of one) until {@link inFamily}.
 */
export function pairVerdict(a: string, correctA: Uint8Array, b: string, correctB: Uint8Array): PairVerdict {
  const { onlyA, onlyB, samples } = disagreements(correctA, correctB);
  const p = mcnemarExact(onlyA, onlyB);
  const aAhead = onlyA > onlyB;
  const kind = kindOf(p, aAhead, onlyA === onlyB);
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
    adjustedP: p,
    family: 1,
  };
}

/** How run `a` compares with run `b` over seeds: their paired differences (a − b, same seed, same weights and batches). */
export interface SeedVerdict extends Tested {
  seeds: number;
  /** Mean and sample standard deviation of a − b, in the differences' units. */
  mean: number;
  std: number;
  /** Seeds in which a is ahead, and in which b is. */
  aheadA: number;
  aheadB: number;
  /**
   * The test `p` is from: the paired t-test (df = seeds − 1); the exact sign test where every
   * difference is the same but not 0 (no spread: t is undefined); none below {@link MIN_SEEDS_TESTED} seeds or when every difference is 0 (p = 1).
   */
  test: 't' | 'sign' | 'none';
  /** The exact permutation test's p, Holm-adjusted like `p` (no normality assumed); null past 20 seeds or untested. */
  permutationP: number | null;
}

/**
 * The verdict over seeds from paired differences a − b: "untested" below
 * {@link MIN_SEEDS_TESTED} seeds, a tie when every difference is 0, "ahead" when the paired
 * t-test gives p < {@link VERDICT_ALPHA}, else "within noise". Alone until {@link inFamily}.
 */
export function seedVerdict(a: string, b: string, differences: readonly number[]): SeedVerdict {
  const n = differences.length;
  if (n === 0) throw new Error('no seeds: a verdict over seeds needs at least one paired difference');
  const mean = differences.reduce((s, d) => s + d, 0) / n;
  const std = n > 1 ? Math.sqrt(differences.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1)) : 0;
  const aheadA = differences.filter((d) => d > 0).length;
  const aheadB = differences.filter((d) => d < 0).length;
  const allZero = differences.every((d) => d === 0);
  const base = { a, b, seeds: n, mean, std, aheadA, aheadB, family: 1 };
  if (allZero) return { ...base, kind: 'tie', p: 1, adjustedP: 1, test: 'none', permutationP: null };
  if (n < MIN_SEEDS_TESTED) return { ...base, kind: 'untested', p: 1, adjustedP: 1, test: 'none', permutationP: null };
  const t = pairedTTest(differences);
  // No spread but a difference (every seed the same gain): the t statistic is undefined; the
  // sign test says how unlikely n seeds all on one side are (3 seeds: 0.25; 6 seeds: 0.03).
  const p = t ? t.p : signTest(differences);
  const permutationP = n <= PERMUTATION_EXACT_UP_TO ? permutationTest(differences) : null;
  return { ...base, kind: kindOf(p, mean >= 0, false), p, adjustedP: p, test: t ? 't' : 'sign', permutationP };
}

export type Verdict = PairVerdict | SeedVerdict;

export const isSeedVerdict = (v: Verdict): v is SeedVerdict => 'seeds' in v;

const aIsAhead = (v: Verdict) => (isSeedVerdict(v) ? v.mean > 0 || (v.mean === 0 && v.aheadA >= v.aheadB) : v.ahead === v.a);

/**
 * The comparisons one sentence (or one table) makes, as one family: every tested verdict's p
 * adjusted by Holm's method over them, and its kind decided on the adjusted p (ties and
 * untested verdicts stay as they are and are not counted).
 */
export function inFamily<V extends Verdict>(verdicts: readonly V[]): V[] {
  const tested = verdicts.filter((v) => v.kind !== 'untested' && v.kind !== 'tie');
  const adjusted = holm(tested.map((v) => v.p));
  const permutation = tested.every((v) => isSeedVerdict(v) && v.permutationP !== null)
    ? holm(tested.map((v) => (v as SeedVerdict).permutationP!))
    : null;
  return verdicts.map((v) => {
    const k = tested.indexOf(v);
    if (k < 0) return v;
    const adjustedP = adjusted[k];
    const next = { ...v, adjustedP, family: tested.length, kind: kindOf(adjustedP, aIsAhead(v), false) };
    return permutation ? { ...next, permutationP: permutation[k] } : next;
  });
}

/** A p-value as people read it: "p = 0.25", "p = 0.003", "p < 0.001". */
export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** ", Holm-adjusted over 6 comparisons" where a family was adjusted. */
const holmNote = (v: Tested) => (v.family > 1 ? `, Holm-adjusted over ${v.family} comparisons` : '');

/**
 * The verdict on one seed in one sentence, about the two trained students (not the methods),
 * e.g. "On this seed KD's student is 3 of 179 test samples (1.7 points) ahead of CE's; p = 0.25
 * (exact McNemar test): within test-sample noise".
 */
export function pairSentence(v: PairVerdict, label: (id: string) => string = (id) => id.toUpperCase()): string {
  const of = `${v.samples.toLocaleString('en')} test samples`;
  if (v.kind === 'tie') {
    return v.disagree === 0
      ? `On this seed ${label(v.a)}'s and ${label(v.b)}'s students disagree on none of ${of}: a tie`
      : `On this seed ${label(v.a)}'s and ${label(v.b)}'s students each get ${(v.disagree / 2).toLocaleString('en')} of ${of} right that the other misses: a tie`;
  }
  // Where one sample is less than 0.1 points, two decimals: 18 of 4,000 is 0.45 points, as a reader divides it (not 0.5).
  const points = ((100 * v.margin) / v.samples).toFixed(v.samples > 1000 ? 2 : 1);
  const lead =
    `On this seed ${label(v.ahead!)}'s student is ${v.margin.toLocaleString('en')} of ${of} (${points} points) ahead of ${label(v.behind!)}'s; ` +
    `${formatP(v.adjustedP)} (exact McNemar test${holmNote(v)})`;
  return beyondNoise(v)
    ? `${lead}: beyond test-sample noise, a difference between these two trained students (one between the methods takes ${MIN_SEEDS_TESTED} seeds or more)`
    : `${lead}: within test-sample noise`;
}

/** What the t-test assumes, and what a distribution-free test says beside it. */
function assumption(v: SeedVerdict): string {
  if (v.test !== 't') return '';
  if (smallestDistributionFreeP(v.seeds) >= VERDICT_ALPHA)
    return `; it assumes the seeds' differences roughly normal: with ${v.seeds} seeds no distribution-free test can go below p = ${smallestDistributionFreeP(v.seeds).toFixed(2)}`;
  return v.permutationP === null ? '' : `; permutation test ${formatP(v.permutationP)}`;
}

/**
 * A verdict over seeds in one sentence (differences in points), about the methods, e.g. "PCD is
 * 0.8 ± 0.6 points ahead of KD over 6 seeds (ahead in 5 of 6); p = 0.04 (paired t-test;
 * permutation test p = 0.03): beyond seed noise".
 */
export function seedSentence(v: SeedVerdict, label: (id: string) => string = (id) => id.toUpperCase()): string {
  if (v.kind === 'tie') return `${label(v.a)} and ${label(v.b)} tie in every one of ${v.seeds} seeds`;
  const aAhead = aIsAhead(v);
  const [ahead, behind] = aAhead ? [v.a, v.b] : [v.b, v.a];
  const inSeeds = aAhead ? v.aheadA : v.aheadB;
  const spread = v.seeds > 1 ? ` ± ${v.std.toFixed(1)}` : '';
  const lead = `${label(ahead)} is ${Math.abs(v.mean).toFixed(1)}${spread} points ahead of ${label(behind)} over ${v.seeds} seed${v.seeds > 1 ? 's' : ''} (ahead in ${inSeeds} of ${v.seeds})`;
  if (v.kind === 'untested') return `${lead}: not tested, a verdict on the methods takes ${MIN_SEEDS_TESTED} seeds or more`;
  const tested = `${lead}; ${formatP(v.adjustedP)} (${v.test === 't' ? 'paired t-test' : 'sign test'}${holmNote(v)}${assumption(v)})`;
  return beyondNoise(v) ? `${tested}: beyond seed noise` : `${tested}: within seed noise`;
}

/** A verdict in one sentence, one seed's or several seeds'. */
export function verdictSentence(v: Verdict, label?: (id: string) => string): string {
  return isSeedVerdict(v) ? seedSentence(v, label) : pairSentence(v, label);
}
