import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

// Labelled controls, roles, contrast: axe-core's WCAG 2 A/AA rules on the page with every
// chart drawn, at both sizes; and play / pause work from the keyboard alone.
test('no WCAG A/AA violations at 1280×800 and 390×844; play and pause from the keyboard', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(
    './#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=128&budget.unit=steps&budget.amount=2000&compare=ce,kd&backend=cpu',
  );
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });

  // Keyboard only: Tab to Play, Enter; Space on the page pauses.
  await page.getByTestId('play').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('status')).toHaveText('running');
  await expect(page.getByTestId('chart-agreement')).toHaveAttribute('data-has-data', 'true', { timeout: 120_000 });
  await page.locator('#charts').focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('status')).toHaveText('paused', { timeout: 30_000 });
  // Paused, the page shows no rate: nothing is being trained.
  await expect(page.getByTestId('throughput')).toHaveText('–');

  // Space right after Apply plays (focus is back on Apply, with nothing new to apply): it does not apply again.
  await page.getByTestId('apply').click();
  await expect(page.getByText('Training this configuration.')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('apply')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('status')).toHaveText('running');
  await expect(page.getByTestId('step-counter')).not.toHaveText(/^0 \//, { timeout: 30_000 });
  await page.keyboard.press('Space');
  await expect(page.getByTestId('status')).toHaveText('paused', { timeout: 30_000 });
  expect(Number((await page.getByTestId('step-counter').textContent())!.split('/')[0].replace(/,/g, '')), 'not restarted').toBeGreaterThan(0);

  for (const size of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(size);
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`);
    console.log(`${size.width}×${size.height}: ${summary.length ? summary.join('; ') : 'no violations'}`);
    expect(summary).toEqual([]);
  }
});
