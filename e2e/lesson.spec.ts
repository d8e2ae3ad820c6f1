import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { toHash } from '../src/config/link';
import { CHAPTERS, LESSON_CHARTS } from '../src/lessons/chapters';

// The lesson as a class or a learner alone meets it: the real page, worker, datasets and
// teachers, every chapter in turn through its own buttons. Each chapter trains its own
// configuration; the test trains only until the chapter's live cue has something to say.

async function stepCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('step-counter').textContent())!.split('/')[0].replace(/,/g, ''));
}

/**
 * The chapter's charts are shown, the others folded away (not gone); a chart of the other task
 * is neither (the boxes are a detection race's, the agreement chart classification's).
 */
async function checkCharts(page: Page, index: number, detection = false): Promise<void> {
  const chapter = CHAPTERS[index];
  const ofTask = (id: string) => (detection ? id !== 'agreement' : id !== 'scenes');
  for (const id of chapter.charts.filter(ofTask))
    await expect(page.getByTestId(id === 'summary' ? 'summary' : `chart-${id}`), `${chapter.title}: ${id}`).toBeVisible();
  const folded = LESSON_CHARTS.filter((id) => id !== 'temperature' && ofTask(id) && !chapter.charts.includes(id));
  if (folded.length) await expect(page.getByTestId('folded-charts')).toContainText(`Other charts (${folded.length})`);
  else await expect(page.getByTestId('folded-charts')).toHaveCount(0);
}

/** Trains until the chapter's cue reports what happened, then pauses. */
async function trainUntilCue(page: Page, pattern: RegExp): Promise<void> {
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('play').click();
  await expect(page.getByTestId('lesson-cue')).toHaveText(pattern, { timeout: 180_000 });
  await page.getByTestId('pause').click();
  await expect(page.getByTestId('status')).toHaveText('paused', { timeout: 30_000 });
}

test('walks every chapter of the lesson: its text, charts, live cue and variants; then free play keeps the configuration', async ({
  page,
}, testInfo) => {
  test.setTimeout(900_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  // A lecturer's link: the chapter, and the backend that trains fastest on this machine.
  await page.goto('./#lesson=1&backend=webgl');
  const title = page.locator('#lesson-title');
  const shoot = (n: number) => page.screenshot({ path: testInfo.outputPath(`lesson-chapter-${n}.png`), fullPage: true });

  // 1. Dark knowledge: no training; the slider softens the teacher at once.
  await expect(title).toHaveText(CHAPTERS[0].title);
  await expect(page.getByTestId('lesson')).toHaveAttribute('data-chapter', '1');
  await checkCharts(page, 0);
  // The formula is typeset (KaTeX's MathML), named by its plain reading.
  await expect(page.getByTestId('formula').locator('math')).toHaveCount(1);
  await expect(page.getByTestId('formula')).toHaveAttribute('data-says', 'softmax_τ(z)_c = exp(z_c / τ) / Σ_j exp(z_j / τ)');
  await expect(page.getByTestId('chart-temperature')).toHaveAttribute('data-has-data', 'true', { timeout: 120_000 });
  await expect(page.getByTestId('lesson-cue')).toHaveText(/at τ = 1\.0 the teacher gives “\d” [\d.e+-]+% and its runner-up “\d” [\d.e+-]+%/);
  const share = async () => Number((await page.getByTestId('temperature-readout').textContent())!.match(/share ([\d.e+-]+)%/)![1]);
  const cold = await share();
  await page.getByTestId('temperature-slider').fill('8');
  await expect(page.getByTestId('temperature-readout')).toContainText('At τ = 8.0');
  expect(await share(), 'τ = 8 gives the other classes more probability than τ = 1').toBeGreaterThan(cold * 10);
  // The cue quotes the τ the reader set, in one number format.
  await expect(page.getByTestId('lesson-cue')).toHaveText(/at τ = 8\.0 the teacher gives “\d” [\d.e+-]+% and its runner-up “\d” [\d.e+-]+%/);
  // Nothing trains in this chapter, so it prepared no teacher logits for the test split.
  await expect(page.getByTestId('lesson-cue')).not.toContainText('Press ▶ Play');
  expect(await stepCount(page)).toBe(0);
  await shoot(1);

  // 2. CE against KD: trains until the cue says who is ahead after the first evaluation.
  await page.getByTestId('lesson-next').click();
  await expect(title).toHaveText(CHAPTERS[1].title);
  await expect(title).toBeFocused();
  await checkCharts(page, 1);
  await expect(page.getByTestId('formula').locator('math')).toHaveCount(4);
  await expect(page.getByTestId('formula').first()).toHaveAttribute('data-says', /^KD = τ² · KL/);
  await trainUntilCue(page, /^Now: (At step \d+ CE is ahead|KD has (passed CE at step \d+|been ahead of CE since the first evaluation))/);
  await shoot(2);

  // 3. The logit-gap ranking.
  await page.getByTestId('lesson-next').click();
  await expect(title).toHaveText(CHAPTERS[2].title);
  await checkCharts(page, 2);
  await trainUntilCue(page, /furthest from the teacher on “[^”]+”: a logit gap of \d+\.\d\d, rank 1/);
  const stepsIn3 = await stepCount(page);
  expect(stepsIn3).toBeGreaterThan(0);
  await shoot(3);

  // 4. Stages: the same configuration as chapter 3, so the run goes on (no restart).
  await page.getByTestId('lesson-next').click();
  await expect(title).toHaveText(CHAPTERS[3].title);
  await checkCharts(page, 3);
  expect(await stepCount(page)).toBe(stepsIn3);
  await trainUntilCue(
    page,
    /^Now: At step [1-9]\d*, over the 8 probe samples, stage 3’s groups \(largest gaps first\) hold \d+% \/ \d+% \/ \d+% of its loss: .* Since step \d+, λ /,
  );
  // The chart shows the cue's numbers: each group's share of stage 3's loss over the probe batch, beside the sample's own D.
  const cueShares = /hold (\d+)% \/ (\d+)% \/ (\d+)% of its loss/.exec((await page.getByTestId('lesson-cue').textContent())!)!.slice(1);
  const chartShares = await Promise.all(
    [0, 1, 2].map(async (g) => /(\d+)% of D/.exec((await page.getByTestId(`group-batch-3-${g}`).textContent())!)![1]),
  );
  expect(chartShares).toEqual(cueShares);
  // Back on the history slider, the cue speaks of the step the charts show, and says so.
  await page.locator('#history-slider').fill('0');
  await expect(page.getByTestId('lesson-cue')).toHaveText(/^On the history slider: At step 0, over the 8 probe samples/);
  await page.getByRole('button', { name: 'Follow live' }).click();
  await expect(page.getByTestId('lesson-cue')).toHaveText(/^Now: At step [1-9]/);
  await shoot(4);

  // 5. Schedules: the cue follows the phase from the step.
  await page.getByTestId('lesson-next').click();
  await expect(title).toHaveText(CHAPTERS[4].title);
  await checkCharts(page, 4);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('lesson-cue')).toHaveText(/^Now: Step 0 of 640: phase 1 of 6 trains stage 3 alone\./);
  await trainUntilCue(page, /^Now: Step [1-9]\d* of 640: phase \d of 6 trains stage \d alone\. (In this first phase|In this phase|This time)/);
  await shoot(5);

  // 6. Ablation: a variant in one click, then its race summary.
  await page.getByTestId('lesson-next').click();
  await expect(title).toHaveText(CHAPTERS[5].title);
  await checkCharts(page, 5);
  await page.getByTestId('lesson-variant').filter({ hasText: 'PCD without ranking' }).first().click();
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 640', { timeout: 120_000 });
  // The loaded variant is marked, and named as a variant wherever the page names its run.
  await expect(page.getByTestId('lesson-variant').and(page.locator('[aria-pressed="true"]'))).toHaveText('✓ PCD without ranking');
  await trainUntilCue(page, /^Now: At step \d+ of 640: (?=.*PCD without ranking).*\b(leads|is ahead|tie|has the most)\b.* \d+\.\d%/);
  expect(await page.getByTestId('lesson-cue').textContent()).not.toMatch(/PCD(?! without)/);
  await expect(page.getByTestId('summary')).toContainText('PCD without ranking');
  await shoot(6);

  // 7. Detection: the digit scenes' race of four detectors, its probe scenes at step 0.
  await page.keyboard.press('Alt+ArrowRight');
  await expect(title).toHaveText(CHAPTERS[6].title);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 180_000 });
  await checkCharts(page, 6, true);
  await expect(page.getByTestId('chart-scenes').locator('figure.scene')).toHaveCount(4);
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 600');
  await shoot(7);

  // 8. Your turn: every chart (of the task); leaving keeps the configuration (the scenes' race).
  await page.keyboard.press('Alt+ArrowRight');
  await expect(title).toHaveText(CHAPTERS[7].title);
  await checkCharts(page, 7, true);
  await shoot(8);
  await page.getByTestId('lesson-leave-last').click();
  await expect(page.getByTestId('lesson')).toHaveCount(0);
  await expect(page.getByTestId('setup')).toBeVisible();
  await expect(page.getByLabel('Dataset')).toHaveValue('scenes');
  expect(page.url()).not.toContain('lesson=');

  // Keyboard back into the lesson: the header's Lesson button opens chapter 1.
  await page.getByTestId('lesson-start').click();
  await expect(title).toHaveText(CHAPTERS[0].title);
  expect(page.url()).toContain('lesson=1');
});

test('a lecturer’s link opens straight into a chapter, at 390 px too, with no WCAG A/AA violation', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  for (const size of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(size);
    await page.goto(`./?w=${size.width}#lesson=2&hide=setup&backend=cpu`);
    await expect(page.locator('#lesson-title')).toHaveText(CHAPTERS[1].title);
    await expect(page.getByTestId('setup')).toHaveCount(0);
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
    // The chapter's own configuration: KD raced against CE.
    await expect(page.getByTestId('step-counter')).toHaveText('0 / 640');
    const lesson = (await page.getByTestId('lesson').boundingBox())!;
    expect(lesson.width).toBeLessThanOrEqual(size.width);
    // One cue only; on the phone it stands right above the chart it talks about (the curves), not in the text far above them.
    await expect(page.getByTestId('lesson-cue')).toHaveCount(1);
    const cue = (await page.getByTestId('lesson-cue').boundingBox())!;
    const curves = (await page.getByTestId('chart-curves').boundingBox())!;
    if (size.width < 500) {
      expect(await page.getByTestId('lesson').getByTestId('lesson-cue').count()).toBe(0);
      expect(curves.y - (cue.y + cue.height), 'cue to chart, px').toBeGreaterThanOrEqual(0);
      expect(curves.y - (cue.y + cue.height), 'cue to chart, px').toBeLessThan(40);
    } else {
      expect(await page.getByTestId('lesson').getByTestId('lesson-cue').count()).toBe(1);
    }
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`);
    expect(summary, `${size.width} px`).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath(`lesson-link-${size.width}.png`), fullPage: true });
  }
  // A bad chapter number is ignored with a notice; the page stays in free play.
  await page.goto(`./#lesson=42&backend=cpu`);
  await expect(page.getByText(/lesson = "42" is not a chapter 1–8: ignored/)).toBeVisible();
  await expect(page.getByTestId('lesson')).toHaveCount(0);
});

test('a lesson link carries its own settings: the chapter with a tiny budget', async ({ page }) => {
  test.setTimeout(240_000);
  const chapter = CHAPTERS[1].page!;
  const tiny = { ...chapter, config: { ...chapter.config, budget: { unit: 'steps' as const, amount: 20 } } };
  await page.goto(`./${toHash(tiny, { lesson: 1, backend: 'cpu' })}`);
  await expect(page.locator('#lesson-title')).toHaveText(CHAPTERS[1].title);
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 20', { timeout: 120_000 });
});

test('a chapter that prepares says so: no cue, chart or step from the previous chapter meanwhile', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('./#lesson=2&backend=cpu');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('play').click();
  await expect(page.getByTestId('lesson-cue')).toHaveText(/^Now: (At step \d+ CE is ahead|KD has)/, { timeout: 120_000 });
  // Next while it trains. Everything the cue, the step counter and the chart cards say from the click on Next until chapter 3 is ready.
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[] };
    w.seen = [];
    const record = () => {
      const cue = document.querySelector('[data-testid=lesson-cue]')?.textContent ?? '';
      const step = document.querySelector('[data-testid=step-counter]')?.textContent ?? '';
      const preparing = document.querySelector('.chart-card[data-preparing=true]') !== null;
      // Only what shows while chapter 3 is open (the pause's last report may still land in chapter 2).
      if (document.querySelector('[data-testid=lesson]')?.getAttribute('data-chapter') === '3') w.seen.push(`${cue} | ${step} | ${preparing}`);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.getByTestId('lesson-next').click();
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 640');
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  // Chapter 2's cue (CE against KD) never shows in chapter 3, and its step never stands beside it.
  expect(seen.filter((s) => /CE is ahead|KD has/.test(s))).toEqual([]);
  // While it prepared, the page said so (the step counter shows no step, the charts say "preparing").
  expect(seen.some((s) => s.includes('Preparing this chapter’s run') && s.includes('| – |') && s.endsWith('| true'))).toBe(true);
});

test('keyboard: a chapter title is focused below the sticky header; focus never drops to the body when a panel goes or opens', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 700 });
  await page.goto('./#lesson=2&backend=cpu');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  // Scroll down first, so the next chapter's title must come back into view under the header.
  await page.mouse.wheel(0, 2000);
  await page.keyboard.press('Alt+ArrowRight');
  const title = page.locator('#lesson-title');
  await expect(title).toHaveText(CHAPTERS[2].title);
  await expect(title).toBeFocused();
  const [titleBox, headerBox] = [await title.boundingBox(), await page.locator('.app-header').boundingBox()];
  expect(titleBox!.y, 'the focused title is not hidden under the sticky header').toBeGreaterThanOrEqual(headerBox!.y + headerBox!.height - 1);
  // Leave the lesson: focus goes to the setup panel that takes its place.
  await page.getByTestId('lesson-leave').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#setup-title')).toBeFocused();
  // "Your data" opens at the top, and focus goes with it.
  await page.getByTestId('open-local').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#local-title')).toBeFocused();
  await page.getByTestId('local-close').click();
  // Apply this preset: the button goes, focus stays in the panel.
  await page.getByLabel('Preset').selectOption('tiny');
  await page.getByTestId('apply-preset').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#setup-title')).toBeFocused();
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
});
