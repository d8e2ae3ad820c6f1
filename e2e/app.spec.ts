import { expect, test } from '@playwright/test';

test('the page starts TF.js in its worker on WebGPU and says so', async ({ page }, testInfo) => {
  await page.goto('./');
  const badge = page.getByTestId('backend');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await expect(badge).toContainText('WebGPU');
  await expect(badge).toContainText('swiftshader');
  // TF.js lives in the worker only: the page's own realm never loads it.
  expect(await page.evaluate(() => 'tf' in window || '_tfengine' in globalThis)).toBe(false);
  await page.screenshot({ path: testInfo.outputPath('page-1280x800.png') });
});
