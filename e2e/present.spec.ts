import { expect, test } from '@playwright/test';

// The page in a room and in a hand: the presentation view at 1920 × 1080 and 3840 × 2160
// uses the whole width with type and lines scaled; on a phone, Play stays within reach.
const LINK = 'dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=32&budget.unit=steps&budget.amount=64&compare=ce,kd&backend=cpu';

for (const [width, height] of [
  [1920, 1080],
  [3840, 2160],
] as const) {
  test(`the presentation view at ${width} × ${height}: the whole width, larger type, thicker lines`, async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    await page.setViewportSize({ width, height });
    await page.goto(`./#${LINK}&present=1`);
    await expect(page.locator('html')).toHaveClass(/present/);
    await expect(page.getByTestId('present-toggle')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
    await page.getByTestId('play').click();
    await expect(page.getByTestId('status')).toHaveText('done', { timeout: 120_000 });
    const layout = await page.getByTestId('layout').boundingBox();
    expect(layout!.width, 'the content uses the width (it stopped at ~1,450 px)').toBeGreaterThan(width * 0.9);
    const sizes = await page.evaluate(() => ({
      body: parseFloat(getComputedStyle(document.querySelector('.lesson, .setup, .explain')!).fontSize),
      axis: parseFloat(getComputedStyle(document.querySelector('.plot .axis text')!).fontSize),
    }));
    expect(sizes.axis, 'axis labels readable from the back of a room').toBeGreaterThanOrEqual(14);
    expect(sizes.body).toBeGreaterThanOrEqual(18);
    expect(page.url()).toContain('present=1');
    await page.screenshot({ path: testInfo.outputPath(`present-${width}x${height}.png`) });
    // The toggle leaves it, and the link follows.
    await page.getByTestId('present-toggle').click();
    await expect(page.locator('html')).not.toHaveClass(/present/);
    expect(page.url()).not.toContain('present=1');
  });
}

test('on a phone, Play stays within reach at the bottom while the charts scroll', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`./#${LINK}`);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await page.mouse.wheel(0, 3000);
  await page.waitForFunction(() => window.scrollY > 1000);
  const box = await page.getByTestId('play').boundingBox();
  expect(box!.y).toBeGreaterThan(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(844);
  await page.getByTestId('play').click(); // reachable, not covered
  await expect(page.getByTestId('status')).not.toHaveText('paused', { timeout: 30_000 });
  await page.screenshot({ path: testInfo.outputPath('phone-scrolled.png') });
});
