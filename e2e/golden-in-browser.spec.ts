import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { EQUIVALENCE_CASES, EQUIVALENCE_TOLERANCE } from '../src/test-support/equivalence';
import type * as Harness from './harness/golden-in-browser';

const golden = JSON.parse(readFileSync(new URL('../src/distill/fixtures/distill-golden.json', import.meta.url), 'utf8'));

for (const backend of ['webgpu', 'webgl'] as const) {
  test(`every loss and gradient on ${backend} in Chromium matches the golden values`, async ({ page }) => {
    test.setTimeout(300_000);
    await page.goto('./');
    await expect(page.getByRole('heading', { name: 'PCD playground' })).toBeVisible();
    const result = await page.evaluate(
      async ([harnessUrl, backendName, goldenJson]) => {
        // The dev server serves the harness module to the page; it runs there, not here.
        const harness: typeof Harness = await import(/* @vite-ignore */ harnessUrl);
        // GPU float math differs slightly from the CPU's: relative 1e-3 (issue 2).
        return harness.checkGoldenInBrowser(backendName, goldenJson, { relative: 1e-3, absoluteFloor: 1e-6 });
      },
      ['/e2e/harness/golden-in-browser.ts', backend, golden] as const,
    );
    console.log(`backend ${result.backendInUse}, adapter ${result.adapter ?? 'unknown'}`);
    for (const report of result.reports) {
      console.log(`${report.name}: worst relative error ${report.worstRelativeError.toExponential(2)}`);
    }
    expect(result.backendInUse).toBe(backend);
    expect(result.fused, 'PCD, KD and DKD run through the fused kernels').toBe(true);
    expect(result.reports).toHaveLength(golden.cases.length);
    for (const report of result.reports) expect(report.failures, report.name).toEqual([]);
  });
}

for (const backend of ['webgpu', 'webgl'] as const) {
  test(`the fused PCD kernel on ${backend} equals the composed reference on random logits`, async ({ page }) => {
    test.setTimeout(600_000);
    await page.goto('./');
    await expect(page.getByRole('heading', { name: 'PCD playground' })).toBeVisible();
    const result = await page.evaluate(
      async ([harnessUrl, backendName, cases]) => {
        const harness: typeof Harness = await import(/* @vite-ignore */ harnessUrl);
        return harness.checkEquivalenceInBrowser(backendName, cases);
      },
      ['/e2e/harness/golden-in-browser.ts', backend, EQUIVALENCE_CASES] as const,
    );
    expect(result.backendInUse).toBe(backend);
    expect(result.fused).toBe(true);
    for (const report of result.reports) {
      console.log(`${report.name}: ranks differ ${report.ranksDiffer}, worst ${JSON.stringify(report.worst)}`);
      expect(report.ranksDiffer, report.name).toBe(0);
      for (const [field, worst] of Object.entries(report.worst)) expect(worst, `${report.name} ${field}`).toBeLessThanOrEqual(EQUIVALENCE_TOLERANCE);
    }
  });
}
