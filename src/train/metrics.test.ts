import { describe, expect, it } from 'vitest';
import { evaluationMetrics, spearman } from './metrics';

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
});
