// npm run screenshot [-- --seconds N]: opens the playground in headless Chromium on its
// default preset (the race of CE, KD, DKD and PCD on the synthetic 100 classes, on the
// backend the page picks), trains for N seconds (default 60), and saves
// docs/playground.png, the README's picture, mid-training.
import { withAppPage } from './lib/browser-session';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg >= 0 ? Number(process.argv[secondsArg + 1]) : 60;

await withAppPage(async (page) => {
  await page.setViewportSize({ width: 1440, height: 1500 });
  await page.goto(page.url().split('#')[0]);
  await page.getByTestId('play').waitFor();
  await page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 120_000 });
  await page.getByTestId('play').click();
  await page.waitForTimeout(seconds * 1000);
  await page.screenshot({ path: 'docs/playground.png' });
  console.log(`docs/playground.png at step ${await page.getByTestId('step-counter').textContent()}`);
}, false);
