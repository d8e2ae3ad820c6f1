import { expect, test, type Page } from '@playwright/test';

// Pause within a second whatever the configuration: the slowest ones a page can set, each a
// race of four, trained past its first step, then paused three times (mid-step,
// mid-evaluation, wherever it lands). A slow step is split into chunks of bounded work with a pause check after each
// (src/train/trainer.ts, trainStepUnlessStopped); an evaluation checks after every batch.
// Each pause is timed from the click to the status leaving "running" and the figures are
// printed; they are not pass/fail (a loaded machine stretches them: `npm run first-minute`
// is the benchmark). What is asserted is what load cannot change: every pause is honoured,
// and once paused nothing trains on (the step counter stays where it stopped).
const SLOWEST: [string, string][] = [
  ['CPU, batch 1', 'dataset=synthetic100&trainSubset=2000&batchSize=1&backend=cpu'],
  ['CPU, batch 4096, S = 10', 'dataset=synthetic100&trainSubset=8192&batchSize=4096&method.stages=10&backend=cpu'],
  ['WebGPU, batch 4096, S = 10', 'dataset=synthetic100&trainSubset=8192&batchSize=4096&method.stages=10&backend=webgpu'],
  ['WebGL, MNIST CNN, batch 512', 'dataset=mnist&trainSubset=2048&batchSize=512&backend=webgl'],
];

async function timedPause(page: Page): Promise<number> {
  const pressed = await page.evaluate(() => performance.now());
  await page.getByTestId('pause').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent !== 'running', null, { timeout: 60_000 });
  return (await page.evaluate(() => performance.now())) - pressed;
}

for (const [name, settings] of SLOWEST) {
  test(`pause is honoured, mid-step or mid-evaluation: ${name}`, async ({ page }) => {
    test.setTimeout(300_000);
    await page.goto(`./#${settings}&budget.unit=epochs&budget.amount=100&compare=ce,kd,dkd`);
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 180_000 });
    // Trained until a first step is done (the chunks then have their measured size and their
    // programs are compiled), then paused three times at uneven moments.
    await page.getByTestId('play').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=step-counter]')?.textContent?.startsWith('0 '), null, {
      timeout: 180_000,
    });
    const pauses: number[] = [];
    for (const wait of [1700, 2900, 4100]) {
      if ((await page.getByTestId('status').textContent()) !== 'running') await page.getByTestId('play').click();
      await expect(page.getByTestId('status')).toHaveText('running');
      await page.waitForTimeout(wait);
      pauses.push(await timedPause(page));
      await expect(page.getByTestId('status')).toHaveText('paused');
      const stoppedAt = await page.getByTestId('step-counter').textContent();
      await page.waitForTimeout(1500);
      expect(await page.getByTestId('step-counter').textContent()).toBe(stoppedAt);
    }
    const step = await page.getByTestId('step-counter').textContent();
    console.log(`${name}: pauses ${pauses.map((ms) => ms.toFixed(0)).join(', ')} ms (step ${step})`);
  });
}
