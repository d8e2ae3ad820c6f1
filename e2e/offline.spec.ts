import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import { chromiumLaunchOptions } from './chromium';
import { buildSite, serveBuiltSite } from './site-build';

// The built site in a lecture hall: installable, and after one visit it works with the
// network off (the service worker of vite.config.ts), saying what it can still train on.
test.describe.configure({ mode: 'serial' });

let root = '';
let site: { url: string; close: () => Promise<void> };
const SUB = 'lecture/pcd/';

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const served = await serveBuiltSite('pcd-offline-', SUB);
  site = served;
  root = served.root;
});

test.afterAll(async () => {
  await site?.close();
});

test('installable; after one visit the race and MNIST train with the network off, and the page says so', async () => {
  test.setTimeout(300_000);
  // A profile of its own, as a student's browser is (Chromium offers no install in an incognito context).
  const context = await chromium.launchPersistentContext(join(root, 'profile'), chromiumLaunchOptions());
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site.url}${SUB}#backend=cpu`);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  // The service worker takes the page on its first visit.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });

  // Chromium finds the site installable (manifest, icons, service worker).
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
  expect(installabilityErrors).toEqual([]);

  // MNIST, opened once online, is kept too.
  await page.getByLabel('Preset').selectOption('mnist-few');
  await page.getByTestId('apply').click();
  await expect(page.getByText('Training this configuration.')).toBeVisible({ timeout: 120_000 });
  const kept = () =>
    page.evaluate(async () => {
      const urls = await Promise.all(
        (await caches.keys())
          .filter((n) => n.startsWith('pcd-site-files-'))
          .map(async (n) => (await (await caches.open(n)).keys()).map((r) => r.url)),
      );
      return urls
        .flat()
        .map((u) => u.replace(/^.*\/lecture\/pcd\//, ''))
        .sort();
    });
  await expect.poll(kept, { timeout: 60_000 }).toContain('data/mnist/mnist.bin');
  expect(await kept()).toEqual(expect.arrayContaining(['models/mnist/teacher/weights.bin', 'models/synthetic100/teacher/weights.bin']));

  // The network goes: the page reloads from the cache, says what it has, and trains.
  await context.setOffline(true);
  await page.reload();
  // The digit scenes were never opened here: the page says they need the network once.
  await expect(page.getByTestId('notices')).toContainText(
    'You are offline: the 100-class data and MNIST are available offline; the digit-scene data needs the network once.',
    {
      timeout: 60_000,
    },
  );
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByLabel('Preset')).toHaveValue('mnist-few');
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText(/^1 \//, { timeout: 60_000 });
  // The race, offline too.
  await page.getByLabel('Preset').selectOption('race');
  await page.getByTestId('apply').click();
  await expect(page.getByText('Training this configuration.')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText(/^1 \//, { timeout: 60_000 });
  // Exports are made in the page: they work offline.
  const download = page.waitForEvent('download');
  await page.getByTestId('export-config').click();
  expect((await download).suggestedFilename()).toMatch(/\.json$/);

  await context.setOffline(false);
  // The page asks the site every 5 s while offline (and when the browser fires 'online', which it
  // does not here: after a reload under Playwright's offline emulation navigator.onLine stays true).
  await expect(page.getByTestId('notices')).toContainText('Back online.', { timeout: 20_000 });
  expect(errors).toEqual([]);
  await context.close();
});

test('offline, a chapter whose data was never opened says so: no previous run under it, the backend kept; online, Try again opens it', async () => {
  test.setTimeout(300_000);
  const context = await chromium.launchPersistentContext(join(root, 'profile-chapter'), chromiumLaunchOptions());
  const page = context.pages()[0] ?? (await context.newPage());
  // One visit: the 100-class race only (chapter 1 trains on MNIST, never opened here).
  await page.goto(
    `${site.url}${SUB}#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=32&budget.unit=steps&budget.amount=64&compare=kd`,
  );
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText(/^1 \//, { timeout: 60_000 });
  const backend = await page.getByTestId('backend').getAttribute('data-backend');

  await context.setOffline(true);
  await page.getByTestId('lesson-start').click();
  await expect(page.getByTestId('lesson')).toHaveAttribute('data-chapter', '1');
  await expect(page.getByTestId('chapter-unavailable')).toContainText('MNIST needs the network once', { timeout: 60_000 });
  // Nothing of the 100-class run under a text about digits: no chart, no cue from it.
  await expect(page.locator('[data-testid^="chart-"]')).toHaveCount(0);
  await expect(page.getByTestId('lesson-cue')).toHaveText(/could not be prepared/);
  await expect(page.getByTestId('lesson-cue')).not.toContainText('s17');
  expect(await page.getByTestId('backend').getAttribute('data-backend'), 'the backend is kept').toBe(backend);
  // The run it refused to replace is kept, paused, and not trained under the chapter's text.
  await expect(page.getByTestId('status')).toHaveText('paused');
  await expect(page.getByTestId('play')).toBeDisabled();
  await expect(page.getByTestId('step-counter')).toHaveText('–');
  await page.screenshot({ path: test.info().outputPath('chapter-offline.png') });

  await context.setOffline(false);
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('chapter-unavailable')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('chart-temperature')).toBeVisible();
  await context.close();
});

test('a new release waits for the reader: the running race goes on, and "Reload now" brings it', async () => {
  test.setTimeout(300_000);
  // The same site rebuilt as another release.
  buildSite(join(root, 'next'), { PCD_BUILD_ID: 'next-release' });
  const context = await chromium.launchPersistentContext(join(root, 'profile-update'), chromiumLaunchOptions());
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(
    `${site.url}${SUB}#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=32&budget.unit=steps&budget.amount=100000&compare=kd&backend=cpu`,
  );
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
  const version = await page.getByTestId('build-id').textContent();
  expect(version).not.toContain('next-release');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('running');

  // The host now serves the new release; the page looks for it (as it would on its next navigation or check).
  rmSync(join(root, 'www', SUB), { recursive: true, force: true });
  cpSync(join(root, 'next'), join(root, 'www', SUB), { recursive: true });
  await page.evaluate(async () => void (await (await navigator.serviceWorker.getRegistration())!.update()));
  await expect(page.getByTestId('notices')).toContainText('A new version of the playground is ready.', { timeout: 60_000 });
  // Nothing was swapped under the running race: it is still this release, still training.
  const stepAtPrompt = Number((await page.getByTestId('step-counter').textContent())!.split('/')[0].replace(/,/g, ''));
  await expect
    .poll(async () => Number((await page.getByTestId('step-counter').textContent())!.split('/')[0].replace(/,/g, '')), { timeout: 30_000 })
    .toBeGreaterThan(stepAtPrompt);
  await expect(page.getByTestId('status')).toHaveText('running');
  expect(await page.getByTestId('build-id').textContent()).toBe(version);

  // The reader chooses when.
  await page.getByTestId('notice-action').click();
  await expect(page.getByTestId('build-id')).toContainText('next-release', { timeout: 60_000 });
  await context.close();
});
