import { withAppPage } from './lib/browser-session';
const hash = process.argv[2] ?? '#backend=webgl';
const wait = Number(process.argv[3] ?? 60);
await withAppPage(async (page) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${page.url().split('#')[0]}${hash}`);
  await page.reload();
  await page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 180_000 });
  await page.screenshot({ path: '/tmp/shots/before.png' });
  await page.getByTestId('play').click();
  await page.waitForTimeout(wait * 1000);
  await page.screenshot({ path: '/tmp/shots/during.png' });
  console.log(await page.getByTestId('step-counter').textContent());
  if (process.argv[4] === 'pause') {
    await page.getByTestId('pause').click();
    await page.waitForTimeout(3000);
    await page.getByTestId('evaluate-now').click();
    await page.waitForTimeout(8000);
    await page.screenshot({ path: '/tmp/shots/paused.png' });
  }
}, false);
