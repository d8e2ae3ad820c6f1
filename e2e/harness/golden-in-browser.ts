// Loaded into the app's page by the e2e test and the loss benchmark (through the Vite
// dev server): runs the project's own loss code on a chosen TF.js backend in the browser.
import * as tf from '@tensorflow/tfjs-core';
import { checkGoldenCase, parseGoldenFile, type CaseReport, type Tolerance } from '../../src/distill/golden';
import { selectBackend, type BackendInUse, type BackendName } from '../../src/tf/backends';

export async function checkGoldenInBrowser(
  backend: BackendName,
  goldenJson: unknown,
  tolerance: Tolerance,
): Promise<{ backendInUse: string; adapter: string | null; reports: CaseReport[] }> {
  const inUse: BackendInUse = await selectBackend([backend]);
  const golden = parseGoldenFile(goldenJson);
  const reports: CaseReport[] = [];
  for (const [index, goldenCase] of golden.cases.entries()) {
    reports.push(await checkGoldenCase(goldenCase, `case ${index}`, tolerance));
  }
  return { backendInUse: tf.getBackend(), adapter: inUse.adapter, reports };
}
