import { beforeAll, describe, expect, it } from 'vitest';
import { useCpuBackend } from '../distill/test-setup';
import { hasFusedPcd } from './pcd';
import { hasFusedDkd } from './dkd';
import { hasFusedCe } from './ce';
import {
  caseName,
  DKD_EQUIVALENCE_CASES,
  compareCeWithReference,
  compareDkdWithReference,
  compareKdWithReference,
  compareWithReference,
  EQUIVALENCE_CASES,
  EQUIVALENCE_TOLERANCE,
  KD_EQUIVALENCE_CASES,
} from '../test-support/equivalence';

describe('fused PCD kernel = composed reference on random logits (CPU backend)', () => {
  beforeAll(useCpuBackend);

  // pcdLoss and kdLoss fall back to the composed reference where no kernel is registered:
  // without this, every comparison below would compare the reference with itself.
  it('the fused kernel is registered on the CPU backend', () => {
    expect(hasFusedPcd()).toBe(true);
    expect(hasFusedDkd()).toBe(true);
    expect(hasFusedCe()).toBe(true);
  });

  it.each(EQUIVALENCE_CASES.map((c) => [caseName(c), c] as const))(
    '%s',
    async (_name, testCase) => {
      const report = await compareWithReference(testCase);
      expect(report.ranksDiffer).toBe(0);
      for (const [field, worst] of Object.entries(report.worst)) {
        expect(worst, field).toBeLessThanOrEqual(EQUIVALENCE_TOLERANCE);
      }
    },
    120_000,
  );

  it.each(KD_EQUIVALENCE_CASES.map((c) => [JSON.stringify(c), c] as const))(
    'KD through the fused kernel = composed KD: %s',
    async (_name, testCase) => {
      const report = await compareKdWithReference(testCase);
      for (const [field, worst] of Object.entries(report.worst)) expect(worst, field).toBeLessThanOrEqual(EQUIVALENCE_TOLERANCE);
    },
    60_000,
  );

  it.each(DKD_EQUIVALENCE_CASES.map((c) => [JSON.stringify(c), c] as const))(
    'DKD through its fused kernel = composed DKD: %s',
    async (_name, testCase) => {
      const report = await compareDkdWithReference(testCase);
      for (const [field, worst] of Object.entries(report.worst)) expect(worst, field).toBeLessThanOrEqual(EQUIVALENCE_TOLERANCE);
    },
    60_000,
  );

  it.each([
    [8, 10, 31],
    [256, 100, 32],
    [16, 1000, 33],
  ])('cross-entropy through its kernel = composed CE: B=%i C=%i', async (batch, classes, seed) => {
    const report = await compareCeWithReference(batch, classes, seed);
    for (const [field, worst] of Object.entries(report.worst)) expect(worst, field).toBeLessThanOrEqual(EQUIVALENCE_TOLERANCE);
  });

  it('the DKD comparison catches a kernel that is slightly wrong (β 8 against 8.1)', async () => {
    const report = await compareDkdWithReference({ ...DKD_EQUIVALENCE_CASES[1], referenceBeta: 8.1 });
    expect(report.passed).toBe(false);
    expect(report.worst.grad).toBeGreaterThan(EQUIVALENCE_TOLERANCE);
  });

  it('the comparison catches a kernel that is slightly wrong (τ 4 against 4.05)', async () => {
    const report = await compareWithReference({ batch: 8, classes: 10, options: {}, referenceOptions: { temperature: 4.05 }, seed: 1 });
    expect(report.passed).toBe(false);
    expect(report.worst.grad).toBeGreaterThan(EQUIVALENCE_TOLERANCE);
  });
});
