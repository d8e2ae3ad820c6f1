// Loaded into the app's page by the e2e test and the loss benchmark (through the Vite
// dev server): runs the project's own loss code on a chosen TF.js backend in the browser.
import * as tf from '@tensorflow/tfjs-core';
import { checkGoldenCase, parseGoldenFile, type CaseReport, type Tolerance } from '../../src/distill/golden';
import { hasFusedPcd } from '../../src/kernels/pcd';
import { hasFusedDkd } from '../../src/kernels/dkd';
import {
  compareDkdWithReference,
  compareKdWithReference,
  compareWithReference,
  DKD_EQUIVALENCE_CASES,
  KD_EQUIVALENCE_CASES,
  type EquivalenceCase,
  type EquivalenceReport,
} from '../../src/test-support/equivalence';
import { selectBackend, type BackendInUse, type BackendName } from '../../src/tf/backends';

export async function checkGoldenInBrowser(
  backend: BackendName,
  goldenJson: unknown,
  tolerance: Tolerance,
): Promise<{ backendInUse: string; adapter: string | null; fused: boolean; reports: CaseReport[] }> {
  const inUse: BackendInUse = await selectBackend([backend]);
  const golden = parseGoldenFile(goldenJson);
  const reports: CaseReport[] = [];
  for (const [index, goldenCase] of golden.cases.entries()) {
    reports.push(await checkGoldenCase(goldenCase, `case ${index}`, tolerance));
  }
  return { backendInUse: tf.getBackend(), adapter: inUse.adapter, fused: hasFusedPcd() && hasFusedDkd(), reports };
}

/** The fused PCD kernel of `backend` (and KD through it) and the fused DKD kernel against the composed references on random logits. */
export async function checkEquivalenceInBrowser(
  backend: BackendName,
  cases: EquivalenceCase[],
): Promise<{ backendInUse: string; fused: boolean; reports: EquivalenceReport[] }> {
  await selectBackend([backend]);
  const reports: EquivalenceReport[] = [];
  for (const testCase of cases) reports.push(await compareWithReference(testCase));
  for (const testCase of KD_EQUIVALENCE_CASES) reports.push(await compareKdWithReference(testCase));
  for (const testCase of DKD_EQUIVALENCE_CASES) reports.push(await compareDkdWithReference(testCase));
  return { backendInUse: tf.getBackend(), fused: hasFusedPcd() && hasFusedDkd(), reports };
}
