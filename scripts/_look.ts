import { withAppPage } from './lib/browser-session';
const hash = process.argv[2] ?? '';
const wait = Number(process.argv[3] ?? 15000);
await withAppPage(async (page) => {
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
  page.on('console', (m) => m.type() === 'error' && console.log('CONSOLE', m.text()));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(page.url().split('#')[0] + hash);
  await page.reload();
  await page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 60000 });
  await page.click('[data-testid=play]');
  await page.waitForTimeout(wait);
  await page.screenshot({ path: '/tmp/shots/desk.png', fullPage: false });
  await page.screenshot({ path: '/tmp/shots/desk-full.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(1000);
  await page.screenshot({ path: '/tmp/shots/phone.png', fullPage: false });
  console.log(await page.locator('[data-testid=status]').textContent(), await page.locator('[data-testid=step-counter]').textContent());
}, false);
