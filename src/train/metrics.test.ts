import { describe, expect, it } from 'vitest';
import { averageRanks, evaluationMetrics, rankScratch, rowRanks, spearman } from './metrics';

describe('evaluation metrics', () => {
  const labels = Int32Array.from([0, 1, 2, 2]);
  const student = Float32Array.from([5, 1, 0, /**/ 0, 4, 1, /**/ 3, 0, 1, /**/ 0, 1, 6]);
  const teacher = Float32Array.from([6, 2, 0, /**/ 0, 5, 2, /**/ 0, 1, 4, /**/ 0, 2, 7]);

  it('accuracy, per-class accuracy and the confusion matrix', () => {
    const m = evaluationMetrics(student, null, labels, 3);
    expect(m.testAccuracy).toBe(0.75);
    expect(m.perClassAccuracy).toEqual([1, 1, 0.5]);
    expect(Array.from(m.confusion)).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 1]);
    expect(m.teacherAgreement).toBeNull();
  });

  it('agreement with the teacher and the non-target metrics', () => {
    const m = evaluationMetrics(student, teacher, labels, 3);
    expect(m.teacherAgreement).toBe(0.75);
    // A student identical to the teacher has zero non-target KL and correlation 1.
    const same = evaluationMetrics(teacher, teacher, labels, 3);
    expect(same.nonTargetKl).toBeCloseTo(0, 12);
    expect(same.nonTargetRankCorrelation).toBeCloseTo(1, 12);
    expect(m.nonTargetKl).toBeGreaterThan(0);
    // Sample 2 orders its two non-target classes the other way round from the teacher.
    expect(m.nonTargetRankCorrelation).toBeCloseTo((1 + 1 - 1 + 1) / 4, 12);
  });

  it('Spearman handles ties and reversals', () => {
    expect(spearman(Float64Array.from([1, 2, 3]), Float64Array.from([10, 20, 30]))).toBeCloseTo(1);
    expect(spearman(Float64Array.from([1, 2, 3]), Float64Array.from([3, 2, 1]))).toBeCloseTo(-1);
    expect(spearman(Float64Array.from([1, 1, 2]), Float64Array.from([5, 5, 9]))).toBeCloseTo(1);
  });

  it('ranks as a comparator sort of the indices does, ties averaged', () => {
    // The plain definition: sort the indices by value, a run of equal values shares the mean of its places.
    const reference = (values: Float64Array) => {
      const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
      const ranks = new Float64Array(values.length);
      for (let i = 0; i < order.length;) {
        let j = i;
        while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
        for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2;
        i = j + 1;
      }
      return ranks;
    };
    let seed = 3;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(next() * 120);
      // Few distinct values in some trials, so ties are common; negative zero beside zero.
      const distinct = trial % 3 === 0 ? 4 : 1e9;
      const values = Float64Array.from({ length: n }, () => (trial % 7 === 0 && next() < 0.2 ? -0 : Math.floor(next() * distinct) / 7 - 3));
      expect(Array.from(averageRanks(values))).toEqual(Array.from(reference(values)));
    }
  });

  it('ranks a float32 row without one entry as averageRanks ranks the rest (ties, −0 beside 0, negatives)', () => {
    let seed = 5;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(next() * 120);
      const distinct = trial % 3 === 0 ? 4 : 1e9;
      const zero = () => (next() < 0.5 ? -0 : 0);
      const row = Float32Array.from({ length: n }, () => (trial % 7 === 0 && next() < 0.4 ? zero() : Math.floor(next() * distinct) / 7 - 3));
      const skip = Math.floor(next() * n);
      const rest = Float64Array.from(row.filter((_, c) => c !== skip));
      const out = new Float64Array(n - 1);
      expect(Array.from(rowRanks(row, skip, rankScratch(n - 1), out)), `trial ${trial}`).toEqual(Array.from(averageRanks(rest)));
    }
  });

  it('gives every run the same numbers when the teacher’s side is kept between evaluations', () => {
    const first = evaluationMetrics(student, teacher, labels, 3);
    const again = evaluationMetrics(student, teacher, labels, 3);
    expect(again.nonTargetKl).toBe(first.nonTargetKl);
    expect(again.nonTargetRankCorrelation).toBe(first.nonTargetRankCorrelation);
    // The same teacher rows read with other labels are computed for those labels.
    const other = Int32Array.from([1, 0, 2, 2]);
    const fresh = evaluationMetrics(student, Float32Array.from(teacher), other, 3);
    expect(evaluationMetrics(student, teacher, other, 3).nonTargetKl).toBe(fresh.nonTargetKl);
    // A subarray of later rows (an evaluation of the first samples reads the same buffer at offset 0; these start at row 2).
    const tail = evaluationMetrics(student.subarray(6), teacher.subarray(6), labels.subarray(2), 3);
    const tailFresh = evaluationMetrics(student.subarray(6), Float32Array.from(teacher.subarray(6)), labels.subarray(2), 3);
    expect(tail.nonTargetRankCorrelation).toBe(tailFresh.nonTargetRankCorrelation);
    expect(tail.nonTargetKl).toBe(tailFresh.nonTargetKl);
  });
});
