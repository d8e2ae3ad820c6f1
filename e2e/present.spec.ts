import { expect, test } from '@playwright/test';

// The page in a room and in a hand: the presentation view at 1920 × 1080 and 3840 × 2160
// uses the whole width with type and lines scaled; on a phone, Play stays within reach.
const LINK =
  'dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=32&budget.unit=steps&budget.amount=64&compare=ce,kd&backend=cpu';

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

test('what is happening, always: the first load says it prepares (no Apply to redo it); accuracy zooms to the data on demand', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await page.addInitScript(() => {
    const w = window as unknown as { pending: number };
    w.pending = 0;
    new MutationObserver(() => {
      if (document.body.textContent?.includes('Changes not applied yet')) w.pending++;
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('./#dataset=mnist&student=mnist-mlp&trainSubset=256&batchSize=64&backend=cpu');
  await expect(page.getByText('Training this configuration.')).toBeVisible({ timeout: 120_000 });
  expect(
    await page.evaluate(() => (window as unknown as { pending: number }).pending),
    'no "Changes not applied yet" while the first configuration prepares',
  ).toBe(0);
  await expect(page.getByTestId('apply-preset')).toHaveCount(0);
  // Two evaluations, then the accuracy axis zoomed to the data: its top tick is no longer 100.
  await page.getByTestId('play').click();
  await expect(page.getByTestId('chart-agreement')).toHaveAttribute('data-has-data', 'true', { timeout: 120_000 });
  await page.getByTestId('pause').click();
  // The accuracy plot's lowest y tick (the first axis label drawn): 0 at full scale, above it once zoomed.
  const lowestTick = async () => Number(await page.getByTestId('chart-curves').locator('.plot').nth(1).locator('.axis text').first().textContent());
  expect(await lowestTick()).toBe(0);
  await page.getByTestId('accuracy-zoom').check();
  await expect.poll(lowestTick).toBeGreaterThan(0);
  await page.getByTestId('chart-curves').screenshot({ path: testInfo.outputPath('curves-zoomed.png') });
});
