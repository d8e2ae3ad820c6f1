import { expect, test } from '@playwright/test';

// Debugging a stage schedule as a researcher does: in a scheduled mode the stage that trains
// is marked on every chart that shows stages, and the probe charts follow it until a stage
// is picked. Screenshots of the schedule view in every scheduled mode.
const BASE =
  'dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=32&budget.unit=steps&budget.amount=40&method.method=pcd&compare=&backend=cpu';

test('a custom schedule: the training stage is marked in the timeline, the class groups and the probe stage, which follows it until one is picked', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 1000 });
  // S = 4; phases 4 (steps 0–20), 1 (20–30), 3 (30–40).
  await page.goto(`./#${BASE}&method.stages=4&schedule.kind=custom&schedule.segments=4:2,1:1,3:1`);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('chart-groups')).toHaveAttribute('data-has-data', 'true', { timeout: 30_000 });
  // Step 0: stage 4 trains.
  await expect(page.getByTestId('probe-stage')).toHaveValue('follow');
  await expect(page.getByTestId('probe-stage').locator('option:checked')).toHaveText('the one training (now 4)');
  await expect(page.getByTestId('stage-row-4')).toHaveAttribute('aria-current', 'step');
  await expect(page.getByTestId('stage-row-1')).not.toHaveAttribute('aria-current', 'step');
  await expect(page.getByTestId('chart-ranking')).toContainText("Colours are the groups of stage 4, the stage training at this snapshot's step");
  await page.screenshot({ path: testInfo.outputPath('schedule-custom-step0.png'), fullPage: true });

  // To the end: the last phase trains stage 3, and the probe follows it.
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('probe-stage').locator('option:checked')).toHaveText('the one training (now 3)', { timeout: 10_000 });
  await expect(page.getByTestId('stage-row-3')).toHaveAttribute('aria-current', 'step');
  await expect(page.getByTestId('stage-row-4')).not.toHaveAttribute('aria-current', 'step');
  // Picking a stage stops the following; the mark stays on the training stage.
  await page.getByTestId('probe-stage').selectOption('2');
  await expect(page.getByTestId('chart-ranking')).toContainText(
    "Colours are the groups of stage 2 (stage 3 is the one training at this snapshot's step",
  );
  await expect(page.getByTestId('stage-row-3')).toHaveAttribute('aria-current', 'step');
  // Each stage's loss is its own line; a log axis on demand.
  await expect(page.getByTestId('chart-schedule').getByRole('img', { name: /one line per stage, each stage’s phases shaded/ })).toBeVisible();
  await page.getByTestId('stage-loss-log').check();
  await page.getByTestId('chart-schedule').screenshot({ path: testInfo.outputPath('schedule-custom-log.png') });
});

for (const kind of ['bidirectional', 'fine-to-coarse', 'coarse-to-fine'] as const) {
  test(`the schedule view in the ${kind} mode`, async ({ page }, testInfo) => {
    test.setTimeout(180_000);
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.goto(`./#${BASE}&method.stages=3&schedule.kind=${kind}`);
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
    await page.getByTestId('play').click();
    await expect(page.getByTestId('status')).toHaveText('done', { timeout: 120_000 });
    // At the end, the last phase's stage trains: 3 for bidirectional and coarse → fine, 1 for fine → coarse.
    const last = kind === 'fine-to-coarse' ? 1 : 3;
    await expect(page.getByTestId(`stage-row-${last}`)).toHaveAttribute('aria-current', 'step', { timeout: 10_000 });
    await page.getByTestId('chart-schedule').screenshot({ path: testInfo.outputPath(`schedule-${kind}.png`) });
    await page.getByTestId('chart-groups').screenshot({ path: testInfo.outputPath(`groups-${kind}.png`) });
  });
}
