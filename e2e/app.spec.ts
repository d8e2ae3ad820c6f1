import { expect, test } from '@playwright/test';

test('with no backend in the link, the page skips a software WebGPU adapter for WebGL and says why', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'webgl', { timeout: 60_000 });
  await expect(page.getByTestId('backend-fallback')).toContainText('Training runs on WebGL: the WebGPU adapter is a software fallback (google swiftshader)');
  await expect(page.getByTestId('backend-fallback')).toContainText('backend=webgpu');
});

test('the page starts TF.js in its worker on WebGPU when the link asks for it, and says so', async ({ page }, testInfo) => {
  await page.goto('./#backend=webgpu');
  const badge = page.getByTestId('backend');
  await expect(badge).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await expect(badge).toContainText('WebGPU');
  await expect(badge).toContainText('swiftshader');
  // TF.js lives in the worker only: the page's own realm never loads it.
  expect(await page.evaluate(() => 'tf' in window || '_tfengine' in globalThis)).toBe(false);
  await page.screenshot({ path: testInfo.outputPath('page-1280x800.png') });
});
