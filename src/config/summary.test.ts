import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../train/session-reports';
import { metricOf, raceSummary, stillLearning, summarySentence } from './summary';

/** An evaluation; with `right`, its per-sample results: the first `right` of `testCount` samples correct (or the given array). */
const evaluation = (id: string, step: number, testAccuracy: number, testCount = 4000, right?: number | Uint8Array, seed = 1) =>
  ({
    id,
    seed,
    step,
    testAccuracy,
    testCount,
    correct:
      right === undefined
        ? new Uint8Array(0)
        : typeof right === 'number'
          ? Uint8Array.from({ length: testCount }, (_, i) => (i < right ? 1 : 0))
          : right,
  }) as EvaluationReport;

/** Per-sample results of `n` samples with 1 at the given positions. */
const rightAt = (n: number, positions: number[]) => {
  const out = new Uint8Array(n);
  for (const i of positions) out[i] = 1;
  return out;
};
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('the race summary', () => {
  it('prints no number a reader cannot recompute from the numbers printed beside it', () => {
    // 2,649, 2,631 and 2,306 of 4,000 right: 66.225%, 65.775% and 57.65%, where rounding
    // each on its own gave "18 samples (0.5 points)" beside 66.2 and 65.8, and "+8.6" beside 66.2 and 57.7.
    const n = 4000;
    const evaluations = [evaluation('pcd', 64, 2649 / n, n, 2649), evaluation('kd', 64, 2631 / n, n, 2631), evaluation('ce', 64, 2306 / n, n, 2306)];
    const summary = raceSummary(evaluations, ['ce', 'kd', 'pcd'], 64, 0.927)!;
    const sentence = summarySentence(summary);
    const accuracy = (id: string) => Number(new RegExp(`${id} (?:[a-z ]+ with )?(\\d+\\.\\d)%`).exec(sentence)![1]);
    const [pcd, kd, ce] = [accuracy('PCD'), accuracy('KD'), accuracy('CE')];
    // "18 of 4,000 test samples (x points)": x is 18 / 4,000 as a reader divides it.
    const [, margin, of, points] = /is (\d+) of ([\d,]+) test samples \(([\d.]+) points\)/.exec(sentence)!;
    expect(Number(points)).toBeCloseTo((100 * Number(margin)) / Number(of.replace(/,/g, '')), 2);
    // "Over CE (no teacher): PCD +x, KD +y": each the difference of the accuracies printed.
    const gains = sentence.slice(sentence.indexOf('Over CE'));
    const gain = (id: string) => Number(new RegExp(`${id} ([+−]\\d+\\.\\d)`).exec(gains)![1].replace('−', '-'));
    expect(gain('PCD')).toBeCloseTo(pcd - ce, 6);
    expect(gain('KD')).toBeCloseTo(kd - ce, 6);
    expect([pcd, kd]).toEqual([66.2, 65.8]);
    expect(points).toBe('0.45');
  });

  it('takes the latest step every run was evaluated at, best first, with gains over CE', () => {
    const evaluations = [
      evaluation('ce', 16, 0.3),
      evaluation('kd', 16, 0.25),
      evaluation('pcd', 16, 0.28),
      evaluation('ce', 32, 0.5),
      evaluation('kd', 32, 0.6),
      evaluation('pcd', 32, 0.55),
      evaluation('ce', 48, 0.52), // the others have not reported step 48 yet
    ];
    const summary = raceSummary(evaluations, ['ce', 'kd', 'pcd'], 64, 0.9)!;
    expect(summary.step).toBe(32);
    expect(summary.final).toBe(false);
    expect(summary.rows.map((r) => r.id)).toEqual(['kd', 'pcd', 'ce']);
    expect(summary.rows[0].gainOverCe).toBeCloseTo(10, 10);
    expect(summary.rows[1].gainOverCe).toBeCloseTo(5, 10);
    expect(summary.rows[2].gainOverCe).toBeNull();
    expect(summary.rows[0].gapToTeacher).toBeCloseTo(30, 10);
    expect(summary.testCount).toBe(4000);
    // Without per-sample results (an older export) no winner is named, only who has the most.
    expect(summary.verdicts).toEqual([]);
    expect(summarySentence(summary)).toBe(
      'At step 32 of 64: KD has the most, 60.0%; PCD 55.0%, CE 50.0%. Over CE (no teacher): KD +10.0, PCD +5.0 points. The teacher has 90.0%.',
    );
  });

  it('names a winner only when it is ahead of every other run beyond noise (McNemar), at the end', () => {
    // 1,000 samples: CE right on the first 600, PCD on the first 550: CE gets 50 right that PCD misses, never the reverse.
    const summary = raceSummary([evaluation('ce', 64, 0.6, 1000, 600), evaluation('pcd', 64, 0.55, 1000, 550)], ['ce', 'pcd'], 64, null)!;
    expect(summary.final).toBe(true);
    expect(summary.verdicts.map((v) => v.kind)).toEqual(['ahead']);
    expect(summarySentence(summary)).toBe(
      "After all 64 steps: CE won on this seed with 60.0%, ahead of every other run beyond noise; PCD 55.0%. On this seed CE's student is 50 of 1,000 test samples (5.0 points) ahead of PCD's; p < 0.001 (exact McNemar test): beyond test-sample noise, a difference between these two trained students (one between the methods takes 3 seeds or more). Over CE (no teacher): PCD −5.0 points.",
    );
  });

  it('says "ahead, within noise" on a one-sample difference, and which gains over CE are within noise', () => {
    // 179 samples as in the digits race: KD right on 177, DKD on 176, CE on 174 (KD 3 ahead of CE, p = 0.25).
    const n = 179;
    const summary = raceSummary(
      [evaluation('ce', 40, 174 / n, n, 174), evaluation('kd', 40, 177 / n, n, 177), evaluation('dkd', 40, 176 / n, n, 176)],
      ['ce', 'kd', 'dkd'],
      40,
      0.99,
    )!;
    expect(summary.verdicts.map((v) => [v.b, v.kind])).toEqual([
      ['dkd', 'within-noise'],
      ['ce', 'within-noise'],
    ]);
    expect(summarySentence(summary)).toBe(
      "After all 40 steps: KD is ahead with 98.9%, within noise of DKD and CE; DKD 98.3%, CE 97.2%. On this seed KD's student is 1 of 179 test samples (0.6 points) ahead of DKD's; p = 1.00 (exact McNemar test, Holm-adjusted over 3 comparisons): within test-sample noise. Over CE (no teacher): KD +1.7 (within noise), DKD +1.1 (within noise) points. The teacher has 99.0%.",
    );
  });

  it('calls a tie a tie, whatever the run order: equal counts of samples only one run gets right', () => {
    const n = 179;
    // KD and DKD both right on 177 samples, but not the same ones: each gets 2 the other misses.
    const kd = rightAt(n, range(0, 177));
    const dkd = rightAt(n, [...range(0, 175), 177, 178]);
    for (const runs of [
      ['kd', 'dkd'],
      ['dkd', 'kd'],
    ]) {
      const summary = raceSummary([evaluation('kd', 40, 177 / n, n, kd), evaluation('dkd', 40, 177 / n, n, dkd)], runs, 40, null)!;
      const [first, second] = summary.rows.map((r) => r.id.toUpperCase());
      expect(summarySentence(summary)).toBe(
        `After all 40 steps: ${first} and ${second} tie with 98.9%. On this seed ${first}'s and ${second}'s students each get 2 of 179 test samples right that the other misses: a tie.`,
      );
    }
    // Identical predictions: they disagree on none.
    const same = raceSummary([evaluation('kd', 40, 0.5, 10, 5), evaluation('pcd', 40, 0.5, 10, 5)], ['kd', 'pcd'], 40, null)!;
    expect(summarySentence(same)).toBe(
      "After all 40 steps: KD and PCD tie with 50.0%. On this seed KD's and PCD's students disagree on none of 10 test samples: a tie.",
    );
  });

  it('leads (not "won") before the end, and compares only results on the same test samples', () => {
    const summary = raceSummary([evaluation('kd', 16, 0.6, 1000, 600), evaluation('ce', 16, 0.4, 1000, 400)], ['ce', 'kd'], 64, null)!;
    expect(summarySentence(summary)).toMatch(
      /^At step 16 of 64: KD leads on this seed with 60\.0%, ahead of every other run beyond noise; CE 40\.0%\. On this seed KD's student is 200 of 1,000 test samples/,
    );
    // One run's results on another number of samples: no sample-by-sample verdict.
    const mixed = raceSummary([evaluation('kd', 16, 0.6, 1000, 600), evaluation('ce', 16, 0.4, 1000, new Uint8Array(500))], ['ce', 'kd'], 64, null)!;
    expect(mixed.verdicts).toEqual([]);
  });

  it('has nothing to say before every run has an evaluation, and ignores runs of another session', () => {
    expect(raceSummary([evaluation('ce', 16, 0.3)], ['ce', 'kd'], 64, 0.9)).toBeNull();
    expect(raceSummary([], [], 64, 0.9)).toBeNull();
    const summary = raceSummary([evaluation('kd', 16, 0.3), evaluation('old', 16, 0.9)], ['kd'], 64, 0.9)!;
    expect(summary.rows.map((r) => r.id)).toEqual(['kd']);
    expect(summarySentence(summary)).toBe('At step 16 of 64: KD has 30.0%. The teacher has 90.0%.');
  });
});

describe('the race summary over several seeds', () => {
  /** The final evaluations (step 64 of 64, 1,000 test samples) of runs over seeds, from each run's accuracy per seed. */
  const race = (accuracies: Record<string, number[]>) =>
    Object.entries(accuracies).flatMap(([id, perSeed]) => perSeed.map((a, k) => evaluation(id, 64, a, 1000, Math.round(a * 1000), 7 + k)));

  it('means, bands and a paired verdict seed by seed: a winner only beyond noise', () => {
    // PCD ahead of KD in every seed by 3.5–4.8 points; KD ahead of CE in 2 of 3. Holm: the leader's comparisons among all 3 pairs.
    const summary = raceSummary(race({ ce: [0.6, 0.61, 0.62], kd: [0.61, 0.6, 0.63], pcd: [0.654, 0.648, 0.665] }), ['ce', 'kd', 'pcd'], 64, null)!;
    expect(summary.seeds).toEqual([7, 8, 9]);
    expect(summary.rows.map((r) => r.id)).toEqual(['pcd', 'kd', 'ce']);
    expect(summary.rows[0].seedAccuracies).toEqual([0.654, 0.648, 0.665]);
    expect(summary.rows[0].testAccuracy).toBeCloseTo(0.6557, 3);
    expect(summary.rows[0].band).toMatchObject({ lo: 0.648, hi: 0.665, seeds: 3 });
    expect(summary.rows[0].gainOverCe).toBeCloseTo(100 * (0.6557 - 0.61), 1);
    expect(summary.verdicts.map((v) => v.family)).toEqual([3, 3]);
    expect(summary.overCe.map((v) => v.family)).toEqual([2, 2]);
    expect(summary.verdicts.map((v) => [v.b, v.kind])).toEqual([
      ['kd', 'ahead'],
      ['ce', 'ahead'],
    ]);
    expect(summary.overCe.map((v) => [v.a, v.kind])).toEqual([
      ['pcd', 'ahead'],
      ['kd', 'within-noise'],
    ]);
    expect(summarySentence(summary)).toMatch(
      /^After all 64 steps, mean of 3 seeds: PCD won with 65\.6%, ahead of every other run beyond noise; KD 61\.3%, CE 61\.0%\. PCD is 4\.2 ± 0\.7 points ahead of KD over 3 seeds \(ahead in 3 of 3\); p = 0\.02 \(paired t-test, Holm-adjusted over 3 comparisons; it assumes the seeds' differences roughly normal: with 3 seeds no distribution-free test can go below p = 0\.25\): beyond seed noise\. Over CE \(no teacher\): PCD \+4\.6, KD \+0\.3 \(within noise\) points\.$/,
    );
  });

  it('says "ahead, within noise" when the seeds disagree, and ties only when every seed ties', () => {
    const close = raceSummary(race({ kd: [0.6, 0.62, 0.61], dkd: [0.61, 0.6, 0.605] }), ['kd', 'dkd'], 64, null)!;
    expect(close.verdicts[0]).toMatchObject({ a: 'kd', b: 'dkd', kind: 'within-noise', aheadA: 2, aheadB: 1 });
    expect(summarySentence(close)).toMatch(
      /KD is ahead with 61\.0%, within noise of DKD.* \(ahead in 2 of 3\); p = 0\.\d+ \(paired t-test; it assumes .*\): within seed noise\./,
    );
    const tie = raceSummary(race({ kd: [0.6, 0.62], dkd: [0.6, 0.62] }), ['kd', 'dkd'], 64, null)!;
    expect(tie.verdicts[0].kind).toBe('tie');
    expect(summarySentence(tie)).toContain('KD and DKD tie with 61.0%');
    expect(summarySentence(tie)).toContain('KD and DKD tie in every one of 2 seeds.');
  });

  it('waits for every seed: a step one seed has not reported is not summarised', () => {
    const evaluations = [
      ...race({ ce: [0.5, 0.6], kd: [0.55, 0.62] }),
      evaluation('ce', 96, 0.7, 1000, 700, 7),
      evaluation('kd', 96, 0.7, 1000, 700, 7),
    ];
    expect(raceSummary(evaluations, ['ce', 'kd'], 128, null)!.step).toBe(64);
  });
});

describe('the race summary of a detection race (AP)', () => {
  it('scores on AP seed by seed and says AP, with no per-sample verdict for one seed', () => {
    const ap = (id: string, value: number, seed: number) => evaluation(id, 600, value, 1000, undefined, seed);
    const evaluations = [ap('ce', 0.2, 1), ap('ce', 0.18, 2), ap('ce', 0.22, 3), ap('dkd', 0.19, 1), ap('dkd', 0.17, 2), ap('dkd', 0.2, 3)];
    const summary = raceSummary(evaluations, ['ce', 'dkd'], 600, 0.467)!;
    expect(summarySentence(summary, undefined, metricOf('detection'))).toMatch(
      /^After all 600 steps, mean of 3 seeds: CE is ahead with AP 20\.0, within noise of DKD; DKD AP 18\.7\. .* Over CE \(no teacher\): DKD −1\.3 \(within noise\) points\. The teacher has AP 46\.7\.$/,
    );
    // One seed: AP has no per-sample results, so no verdict is claimed.
    const one = raceSummary([ap('ce', 0.2, 1), ap('dkd', 0.19, 1)], ['ce', 'dkd'], 600, 0.467)!;
    expect(one.verdicts).toEqual([]);
    expect(summarySentence(one, undefined, metricOf('detection'))).toContain('CE has the most, AP 20.0');
  });
});

describe('the summary at the end: the whole split, and students still learning', () => {
  const at = (id: string, step: number, accuracy: number, seed: number, whole?: number) => ({
    ...evaluation(id, step, accuracy, 1000, Math.round(accuracy * 1000), seed),
    ...(whole === undefined
      ? {}
      : { whole: { testCount: 4000, testAccuracy: whole, testLoss: 1, correct: rightAt(4000, range(0, Math.round(whole * 4000))) } }),
  });

  it('reads the whole split where every run has it, and says so', () => {
    const summary = raceSummary([at('ce', 64, 0.6, 1, 0.58), at('kd', 64, 0.65, 1, 0.66)], ['ce', 'kd'], 64, null)!;
    expect(summary).toMatchObject({ onWhole: true, testCount: 4000 });
    expect(summary.rows.map((r) => [r.id, r.testAccuracy])).toEqual([
      ['kd', 0.66],
      ['ce', 0.58],
    ]);
    // One run without it (an older export): the curves' samples for all.
    const mixed = raceSummary([at('ce', 64, 0.6, 1, 0.58), at('kd', 64, 0.65, 1)], ['ce', 'kd'], 64, null)!;
    expect(mixed).toMatchObject({ onWhole: false, testCount: 1000 });
  });

  it('names the runs whose curves still rose over the last quarter of the budget, over the mean of the seeds', () => {
    const evaluations = [1, 2, 3].flatMap((seed) => [
      at('ce', 48, 0.58, seed),
      at('ce', 64, 0.585, seed),
      at('kd', 48, 0.6, seed),
      at('kd', 64, seed === 1 ? 0.64 : 0.62, seed),
    ]);
    const summary = raceSummary(evaluations, ['ce', 'kd'], 64, null)!;
    expect(summary.stillLearning.map((r) => [r.id, r.fromStep, +r.rise.toFixed(6)])).toEqual([['kd', 48, 2.666667]]);
    expect(summarySentence(summary)).toMatch(
      / Still learning at the end: KD \+2\.7 points since step 48 \(the last quarter of the budget\); a longer budget may change the verdict\.$/,
    );
    // Before the end nothing is said; a run that levelled off is not named.
    expect(
      raceSummary(
        evaluations.filter((e) => e.step === 48),
        ['ce', 'kd'],
        64,
        null,
      )!.stillLearning,
    ).toEqual([]);
    expect(stillLearning(evaluations, ['ce'], 64)).toEqual([]);
    // No evaluation in the first three quarters: nothing to compare with.
    expect(
      stillLearning(
        evaluations.filter((e) => e.step === 64),
        ['ce', 'kd'],
        64,
      ),
    ).toEqual([]);
  });
});
