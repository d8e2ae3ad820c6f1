import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium';
import { serveDirectory } from '../src/test-support/static-server';
const site = await serveDirectory('dist');
const browser = await chromium.launch(chromiumLaunchOptions());
for (const hide of process.argv.slice(2)) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(() => {
    const tasks: number[] = [];
    (window as unknown as { lt: number[] }).lt = tasks;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(Math.round(e.duration)); }).observe({ type: 'longtask' });
  });
  await page.goto(`${site.url}#dataset=synthetic100&trainSubset=2000&batchSize=64&budget.unit=epochs&budget.amount=200&compare=ce,kd,dkd&backend=cpu&hide=${hide}`);
  await page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 60000 });
  await page.waitForTimeout(2000);
  await page.evaluate(() => ((window as unknown as { lt: number[] }).lt.length = 0));
  await page.click('[data-testid=play]');
  await page.waitForTimeout(12000);
  const lt = await page.evaluate(() => (window as unknown as { lt: number[] }).lt);
  console.log(hide.padEnd(60), lt.length, 'long tasks, sum', lt.reduce((a, b) => a + b, 0), 'max', Math.max(0, ...lt));
  await page.close();
}
await browser.close(); await site.close();
