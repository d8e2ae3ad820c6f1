import { expect, test } from '@playwright/test';

test('with no backend in the link, the page picks the fastest here for the student and says why; a CNN student trains on WASM too', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('./');
  // A software GPU (SwiftShader) and the default preset's MLP students: the WASM backend.
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  const notice = page.getByTestId('backend-fallback');
  await expect(notice).toContainText('Training runs on WASM: the WebGPU adapter is a software fallback (google swiftshader)');
  await expect(notice).toContainText('on which the WASM backend trains MLP students faster');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  // It trains: a step of the race on WASM.
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText(/^1 \//, { timeout: 60_000 });
  // A CNN student: WASM still (its conv gradients are the project's, src/tf/wasm-conv.ts).
  await page.evaluate(() => (location.hash = '#dataset=mnist&student=mnist-cnn-small&trainSubset=64&compare=ce'));
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm');
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText('1 / 10', { timeout: 60_000 });
  // Opened on a CNN student, the page says why WASM and not the software WebGL.
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(notice).toContainText('on which the WASM backend trains CNN students faster');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText('1 / 10', { timeout: 60_000 });
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
