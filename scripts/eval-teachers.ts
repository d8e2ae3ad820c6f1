// npm run eval:teachers: loads each committed teacher through the app's own loading code
// (src/models/teacher.ts, src/data/load.ts) in headless Chromium, evaluates it on its test
// split, prints the accuracies, and exits non-zero if one is more than 0.2 points below
// what its metadata records.
import type { DatasetId } from '../src/data/dataset';
import { DATASET_IDS } from '../src/data/load';
import type * as Harness from './browser/teachers';
import { withAppPage } from './lib/browser-session';

const TOLERANCE_POINTS = 0.2;
let failed = false;
await withAppPage(async (page) => {
  for (const dataset of DATASET_IDS) {
    const result = await page.evaluate(
      async ([url, name]) => {
        const harness: typeof Harness = await import(/* @vite-ignore */ url);
        return harness.evaluateTeacherInBrowser(name as DatasetId, 'webgl');
      },
      ['/scripts/browser/teachers.ts', dataset] as const,
    );
    const points = 100 * result.accuracy;
    const recorded = 100 * result.metadataAccuracy;
    const ok = points >= recorded - TOLERANCE_POINTS;
    failed ||= !ok;
    const baseline = result.baselineStudent
      ? `; ${result.baselineStudent.modelId} trained from scratch with cross-entropy: ${(100 * result.baselineStudent.testAccuracy).toFixed(2)}% (teacher ${(points - 100 * result.baselineStudent.testAccuracy).toFixed(1)} points ahead)`
      : '';
    const how = dataset === 'mnist' ? 'fetched, checked and decoded' : 'generated';
    console.log(`     ${dataset}: ${result.testCount} test samples; the dataset was ${how} in ${result.loadMs.toFixed(0)} ms in the page`);
    console.log(
      `${ok ? 'OK  ' : 'FAIL'} ${dataset}: teacher ${points.toFixed(2)}% on ${result.testCount} test samples (${result.backend}); metadata says ${recorded.toFixed(2)}%${baseline}`,
    );
  }
}, false);
process.exit(failed ? 1 : 0);
