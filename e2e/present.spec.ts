import { expect, test } from '@playwright/test';
import { layoutFacts } from './support/layout-facts';

// The page in a room and in a hand: the presentation view at 1920 × 1080 and 3840 × 2160
// uses the whole width with type and lines scaled; on a phone, Play stays within reach.
const LINK =
  'dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=32&budget.unit=steps&budget.amount=64&compare=ce,kd&backend=cpu';

// A 4K screen driven at scale 1 and at scale 2 (3840 × 2160 device pixels as 1920 × 1080 CSS
// pixels), and a 1080p projector at 1 and 2: the same page, proportionally, at every size.
for (const scale of [1, 2]) {
  test(`the presentation view at 1920 × 1080 and 3840 × 2160, scale ${scale}: one chart large, the others in a strip, type for the back of a hall`, async ({
    browser,
  }, testInfo) => {
    test.setTimeout(240_000);
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: scale });
    const page = await context.newPage();
    await page.goto(`./#${LINK}&present=1`);
    await expect(page.locator('html')).toHaveClass(/present/);
    await expect(page.getByTestId('present-toggle')).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
    await page.getByTestId('play').click();
    await expect(page.getByTestId('status')).toHaveText('done', { timeout: 120_000 });
    // The setup is hidden: the charts take the whole width.
    await expect(page.getByTestId('setup')).toHaveCount(0);
    for (const width of [1920, 3840]) {
      await page.setViewportSize({ width, height: (width * 9) / 16 });
      await expect.poll(() => page.evaluate(() => document.documentElement.clientWidth)).toBe(width);
      await page.waitForTimeout(300); // the plots redraw at their new width (a ResizeObserver)
      const facts = await layoutFacts(page);
      const at = `at ${width} px, scale ${scale}`;
      expect(facts.overflowX, `no sideways scrolling ${at}`).toBeLessThanOrEqual(0);
      expect(facts.outOfCard, `nothing crosses its card's edge ${at}`).toEqual([]);
      expect(facts.cut, `no title or button cut ${at}`).toEqual([]);
      expect(facts.overlapping, `no two axis labels overlap ${at}`).toEqual([]);
      // 24 px at 1920, proportionally more at 3840.
      const min = (24 * width) / 1920;
      expect(facts.axisPx, `axis labels ${at}`).toBeGreaterThanOrEqual(min);
      expect(facts.legendPx, `legends ${at}`).toBeGreaterThanOrEqual(min);
      expect(facts.titlePx, `card titles ${at}`).toBeGreaterThanOrEqual(min);
      // The large chart first, the whole width; the strip's cards in columns beside one another.
      expect(facts.charts[0].id).toBe('chart-curves');
      expect(facts.charts[0].width).toBeGreaterThan(width * 0.9);
      expect(Math.min(...facts.charts.slice(1).map((c) => c.width))).toBeLessThan(width * 0.4);
      await page.screenshot({ path: testInfo.outputPath(`present-${width}-scale${scale}.png`) });
    }
    // The lecturer picks another chart: it comes first and large, and the link keeps it.
    await page.getByTestId('enlarge-ranking').click();
    await expect.poll(async () => (await layoutFacts(page)).charts[0].id).toBe('chart-ranking');
    expect(page.url()).toContain('present=ranking');
    expect((await layoutFacts(page)).overlapping, 'the class names under the large ranking do not overlap').toEqual([]);
    // The toggle leaves it, and the link follows.
    await page.getByTestId('present-toggle').click();
    await expect(page.locator('html')).not.toHaveClass(/present/);
    expect(page.url()).not.toContain('present=');
    await expect(page.getByTestId('setup')).toBeVisible();
    await context.close();
  });
}

for (const [width, height] of [
  [390, 844],
  [360, 740],
] as const) {
  test(`on a ${width} px phone nothing overflows, the bar at the bottom is one row, and a notice never covers Play`, async ({ page }, testInfo) => {
    test.setTimeout(120_000);
    await page.setViewportSize({ width, height });
    // An unknown setting: the link's notice shows while Play is pressed.
    await page.goto(`./#${LINK}&colour=blue`);
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
    await expect(page.getByTestId('notices')).toContainText('colour');
    const facts = await layoutFacts(page);
    expect(facts.overflowX, 'no sideways scrolling').toBeLessThanOrEqual(0);
    expect(facts.outOfCard).toEqual([]);
    expect(facts.cut).toEqual([]);
    const bar = (await page.getByRole('group', { name: 'Training controls' }).boundingBox())!;
    const play = (await page.getByTestId('play').boundingBox())!;
    expect(bar.height, 'the bar is one row').toBeLessThan(play.height * 1.8);
    expect(bar.y + bar.height).toBeLessThanOrEqual(height + 0.5);
    const notices = (await page.getByTestId('notices').boundingBox())!;
    expect(notices.y + notices.height, 'the notices sit above the bar').toBeLessThanOrEqual(bar.y + 0.5);
    // A presentation link opened on a phone stays within the screen too.
    await page.getByTestId('present-toggle').click();
    await expect(page.locator('html')).toHaveClass(/present/);
    expect((await layoutFacts(page)).overflowX, 'the presentation view on a phone: no sideways scrolling').toBeLessThanOrEqual(0);
    await page.getByTestId('present-toggle').click();
    await page.getByTestId('play').click(); // reachable, not covered
    await expect(page.getByTestId('status')).not.toHaveText('paused', { timeout: 30_000 });
    await page.screenshot({ path: testInfo.outputPath(`phone-${width}.png`) });
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
