// A headless Chromium on a page of the app served by the Vite dev server, for the tools
// that run the project's code in a browser (benchmarks, teacher training and evaluation).
import { chromium, type Page } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumLaunchOptions } from '../../e2e/chromium';

export async function withAppPage<T>(run: (page: Page) => Promise<T>, log = true): Promise<T> {
  // No HMR and no file watching: an edit elsewhere in the tree must not reload a page mid-run.
  const server = await createServer({ logLevel: 'error', server: { port: 0, host: '127.0.0.1', hmr: false, watch: null } });
  await server.listen();
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    if (log) page.on('console', (message) => (message.type() === 'log' ? console.log(`  [page] ${message.text()}`) : undefined));
    page.setDefaultTimeout(0);
    await page.goto(server.resolvedUrls!.local[0]);
    return await run(page);
  } finally {
    await browser.close();
    await server.close();
  }
}
