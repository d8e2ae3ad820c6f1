import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import type * as Boundary from './harness/boundary-in-browser';
import type * as Storage from './harness/storage-in-browser';
import { npyBytes } from '../src/reproduce/npy';

// The playground as an adversary meets it: damaged stored data, huge files while a run
// trains, a second tab, a full storage, an inspector file at its limits. Nothing here
// asserts a duration: what is checked is what the page says and that the other parts go on.

let root = '';
test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pcd-hardening-'));
});
test.afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const TINY =
  '#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=128&batchSize=32&budget.unit=steps&budget.amount=400&method.method=kd&compare=&backend=cpu';

/** Writes `value` at `key` of the page's IndexedDB store, as an older or damaged page would have. */
async function putStored(page: Page, key: string, value: unknown): Promise<void> {
  await page.evaluate(
    ([key, value]) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('pcd-playground');
        open.onupgradeneeded = () => open.result.createObjectStore('local-dataset');
        open.onsuccess = () => {
          const tx = open.result.transaction('local-dataset', 'readwrite');
          tx.objectStore('local-dataset').put(value, key as string);
          tx.oncomplete = () => (open.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
    [key, value] as const,
  );
}

/** A small CSV dataset (two features, three classes) and its teacher's logits, as files. */
function smallCsv(name: string, classes = ['a', 'b', 'c']): { csv: string; logits: string } {
  const rows = ['x,y,label'];
  const logits: string[] = [];
  for (let i = 0; i < 60; i++) {
    const c = i % classes.length;
    rows.push(`${c + (i % 7) / 10},${(i % 5) / 10},${classes[c]}`);
    logits.push(classes.map((_, j) => (j === c ? 3 : 0)).join(','));
  }
  writeFileSync(join(root, `${name}.csv`), rows.join('\n'));
  writeFileSync(join(root, `${name}-logits.csv`), logits.join('\n'));
  return { csv: join(root, `${name}.csv`), logits: join(root, `${name}-logits.csv`) };
}

async function loadCsv(page: Page, files: { csv: string; logits: string }): Promise<void> {
  await page.getByTestId('open-local').click();
  await page.getByLabel('A CSV of features and a label column').check();
  await page.getByTestId('local-csv').setInputFiles(files.csv);
  await page.getByLabel('Its logits for every sample, as a file').check();
  await page.getByTestId('local-logits').setInputFiles(files.logits);
  await page.getByTestId('local-load').click();
}

test('a stored dataset of an older format or damaged is dropped with a notice, never a blank page', async ({ page }) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`./${TINY}`);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  const facts = {
    name: 'old.csv',
    featureShape: [2],
    trainCount: 40,
    testCount: 10,
    teacher: { kind: 'logits', file: 'l.csv' },
    teacherTestAccuracy: 0.9,
  };
  const damaged: [string, unknown, string][] = [
    ['an older format (no classNames)', facts, ''],
    ['a plain string', 'digits', ''],
    ['an object where a name is expected', { ...facts, classNames: [{ name: 'a' }, 'b'] }, ''],
    ['an older format, opened with a dataset=local link', facts, '#dataset=local&backend=cpu'],
  ];
  for (const [what, record, link] of damaged) {
    await putStored(page, 'facts', record);
    // A fresh load of the link (a hash change alone would not reload, and the page rewrites its hash).
    await page.goto('about:blank');
    await page.goto(`./${link || TINY}`);
    await expect(page.locator('.notice', { hasText: 'your stored dataset could not be read and was forgotten' }), what).toHaveCount(1, {
      timeout: 30_000,
    });
    await expect(page.getByTestId('play'), what).toBeEnabled({ timeout: 60_000 });
    if (link) await expect(page.locator('.notice', { hasText: 'dataset = local: this link trains on a dataset of one' })).toHaveCount(1);
    // Dropped: the next visit is clean.
    await page.reload();
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
    await expect(page.locator('.notice', { hasText: 'could not be read' })).toHaveCount(0);
  }
  expect(errors).toEqual([]);
});

test('a panel that fails to render says what broke and offers to reset the stored data; the rest of the page works', async ({ page }, testInfo) => {
  await page.goto(`./${TINY}`);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await page.evaluate(async (url) => {
    const harness: typeof Boundary = await import(/* @vite-ignore */ url);
    harness.mountBrokenPanel();
  }, '/e2e/harness/boundary-in-browser.tsx');
  const fallback = page.locator('#broken-host [data-testid=panel-error]');
  await expect(fallback).toContainText('The broken panel could not be shown');
  await expect(fallback).toContainText("Cannot read properties of undefined (reading 'length')");
  await expect(fallback.getByTestId('reset-stored-data')).toBeVisible();
  await fallback.screenshot({ path: testInfo.outputPath('panel-error.png') });
  await page.getByTestId('step').click(); // the playground beside it still works
  await expect(page.getByTestId('step-counter')).toHaveText('1 / 400');
});

test('a CSV of a million columns is refused from its header while the run keeps stepping; a long read can be cancelled', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  await page.goto(`./${TINY}`);
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  // 1,000,000 columns and 2 rows: 11.9 MB, under the 50 MB limit.
  const header = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',');
  writeFileSync(join(root, 'wide.csv'), `${header}\n${'1,'.repeat(999_999)}1\n${'2,'.repeat(999_999)}2\n`);
  writeFileSync(join(root, 'any-logits.csv'), '1,0\n0,1\n');
  await loadCsv(page, { csv: join(root, 'wide.csv'), logits: join(root, 'any-logits.csv') });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText('1 / 400', { timeout: 30_000 });
  await expect(page.getByTestId('local-error')).toHaveText(
    'wide.csv, line 1: 1,000,000 columns: at most 12,288 features per sample, a label and a superclass column',
    { timeout: 60_000 },
  );

  // 20,000 rows of 300 features (about 30 MB): long to read; Cancel stops it and nothing changes.
  const row = Array.from({ length: 300 }, (_, i) => ((i * 7) % 10) / 10).join(',');
  const lines = [`${Array.from({ length: 300 }, (_, i) => `f${i}`).join(',')},label`];
  for (let i = 0; i < 20_000; i++) lines.push(`${row},${i % 10}`);
  writeFileSync(join(root, 'long.csv'), lines.join('\n'));
  await page.getByTestId('local-csv').setInputFiles(join(root, 'long.csv'));
  await page.getByTestId('local-load').click();
  await expect(page.getByTestId('local-progress')).toContainText(/reading/);
  await page
    .locator('.local-actions')
    .first()
    .screenshot({ path: testInfo.outputPath('local-reading.png') });
  await page.getByTestId('step').click(); // the session is not stalled by the read
  await expect(page.getByTestId('step-counter')).toHaveText('2 / 400', { timeout: 30_000 });
  await page.getByTestId('local-cancel').click();
  await expect(page.getByTestId('local-error')).toHaveText('cancelled: nothing was loaded, the dataset kept before (if any) is still there');
  await expect(page.getByTestId('local-progress')).toHaveCount(0);
  await expect(page.getByTestId('local-current')).toHaveCount(0);
});

test('a second tab that replaces the stored dataset tells the first, which keeps training on what it started with', async ({ context }) => {
  test.setTimeout(240_000);
  const first = await context.newPage();
  await first.goto(`./${TINY}`);
  await expect(first.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await loadCsv(first, smallCsv('first'));
  await expect(first.getByTestId('local-current')).toContainText('first.csv, 3 classes', { timeout: 60_000 });
  await first.getByTestId('local-train').click();
  await expect(first.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await first.getByTestId('step').click();
  await expect(first.getByTestId('step-counter')).toContainText('1 / ');

  const second = await context.newPage();
  await second.goto(`./${TINY}`);
  await expect(second.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await loadCsv(second, smallCsv('second', ['p', 'q', 'r', 's']));
  await expect(second.getByTestId('local-current')).toContainText('second.csv, 4 classes', { timeout: 60_000 });

  await expect(first.locator('.notice', { hasText: 'your stored dataset was replaced in another tab (now second.csv)' })).toHaveCount(1, {
    timeout: 30_000,
  });
  await first.getByTestId('step').click();
  await expect(first.getByTestId('step-counter')).toContainText('2 / ');

  // Reset starts this run again on the data it started on (it restarted on the other tab's, silently).
  const bundleNames = async () => {
    const download = first.waitForEvent('download');
    await first.getByTestId('export-reproduction').click();
    const files = unzipSync(new Uint8Array(readFileSync((await (await download).path())!)));
    const manifest = JSON.parse(new TextDecoder().decode(Object.entries(files).find(([name]) => name.endsWith('run.json'))![1]));
    return `${manifest.dataset.name}, ${manifest.dataset.classNames.length} classes`;
  };
  await first.getByTestId('reset').click();
  await expect(first.getByTestId('step-counter')).toContainText('0 / ', { timeout: 60_000 });
  await first.getByTestId('step').click();
  await expect(first.getByTestId('step-counter')).toContainText('1 / ');
  expect(await bundleNames()).toBe('first.csv, 3 classes');

  // Forgotten in the other tab: Reset still restarts (it did nothing, saying "stages: at most 0").
  await second.getByTestId('open-local').click();
  await second.getByTestId('local-forget').click();
  await expect(first.locator('.notice', { hasText: 'your stored dataset was forgotten in another tab' })).toHaveCount(1, { timeout: 30_000 });
  await first.getByTestId('reset').click();
  await expect(first.getByTestId('step-counter')).toContainText('0 / ', { timeout: 60_000 });
  await first.getByTestId('step').click();
  await expect(first.getByTestId('step-counter')).toContainText('1 / ');
  await expect(first.locator('.notice-error')).toHaveCount(0);
  expect(await bundleNames()).toBe('first.csv, 3 classes');
});

test('a full storage is said in plain words and the dataset kept before stays whole (both records)', async ({ page }) => {
  await page.goto(`./${TINY}`);
  const result = await page.evaluate(async (url) => {
    const harness: typeof Storage = await import(/* @vite-ignore */ url);
    return harness.fullStorage();
  }, '/e2e/harness/storage-in-browser.ts');
  expect(result.refusal).toMatch(
    /^the dataset could not be kept: this browser's storage for the site is full \(QuotaExceededError\); the previous dataset is kept\./,
  );
  // The data record written first in the refused transaction went with it: facts and data are still the same load's.
  expect(result.kept).toBe('kept.csv / kept.csv');
});

test('an inspector file at its limits is computed off the page thread, with progress, the previous view kept until the new one is ready', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  await page.goto(`./${TINY}`);
  await page.getByTestId('inspector-toggle').click();
  // 2,000 samples × 1,000 classes of teacher and student logits (the limits: 2,000,000 values per side).
  const B = 2000;
  const C = 1000;
  let seed = 3;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const values = Array.from({ length: 2 * B * C }, () => (random() - 0.5) * 8);
  writeFileSync(join(root, 'big.npy'), npyBytes([2, B, C], values));
  await page.getByTestId('inspector-file').setInputFiles(join(root, 'big.npy'));
  // The page draws the worker's progress while it computes: it is not blocked.
  await expect(page.getByTestId('inspector-busy')).toContainText(/computing \([1-9][\d,]* \/ 2,000 samples\)/, { timeout: 60_000 });
  await expect(page.getByTestId('inspector-loaded')).toHaveText('big.npy: 2,000 samples × 1,000 classes, no labels (DKD and CE need them).', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('inspector-busy')).toHaveCount(0, { timeout: 120_000 });
  const before = await page.getByTestId('inspector-pcd-loss').textContent();
  // Another S: the loaded view stays on screen while the new one computes.
  await page.getByTestId('inspector-stages').selectOption('7');
  await expect(page.getByTestId('inspector-busy')).toContainText('the view below stays as it was until then');
  await page.screenshot({ path: testInfo.outputPath('inspector-busy.png') });
  await expect(page.getByTestId('inspector-pcd-loss')).toHaveText(before!);
  await expect(page.getByTestId('inspector-busy')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('inspector-stage-7')).toBeVisible();
});

test('notices never hide a control: focus moves clear of them, the page scrolls out from under them, and they fold', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  // Four refused values: four notices in the corner.
  await page.goto(`./${TINY}&method.temperature=lots&evil=1&hide=nothing&lesson=99`);
  const notices = page.getByTestId('notices');
  await expect(notices.locator('.notice')).toHaveCount(4); // three and "1 earlier notice"
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('step').click();
  await page.getByTestId('step').click();
  const slider = page.locator('#history-slider');
  await expect(slider).toBeVisible();
  // A step's probe comes after its report: wait until the history holds a snapshot after step 0.
  await expect.poll(() => slider.evaluate((el) => Number((el as HTMLInputElement).max)), { timeout: 60_000 }).toBeGreaterThan(0);
  await slider.focus();
  await page.keyboard.press('Home'); // back to the first snapshot: "Follow live" becomes a control
  const follow = page.getByRole('button', { name: 'Follow live' });
  await expect(follow).toBeEnabled();
  const overlap = async () =>
    page.evaluate(() => {
      const stack = document.querySelector('[data-testid=notices]')!.getBoundingClientRect();
      const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Follow live')!.getBoundingClientRect();
      return (
        Math.max(0, Math.min(stack.bottom, button.bottom) - Math.max(stack.top, button.top)) *
        Math.max(0, Math.min(stack.right, button.right) - Math.max(stack.left, button.left))
      );
    });
  // Scroll the page so the button sits right under the stack, as a reader scrolling would.
  await page.evaluate(() => {
    const stack = document.querySelector('[data-testid=notices]')!.getBoundingClientRect();
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Follow live')!.getBoundingClientRect();
    window.scrollBy({ top: button.top - stack.top - 10, behavior: 'instant' });
  });
  const before = await overlap();
  expect(before, 'the set-up puts the button under the stack').toBeGreaterThan(0);
  await page.screenshot({ path: testInfo.outputPath('notices-over-follow-live.png') });
  await follow.focus();
  expect(await overlap(), `"Follow live" under the notices (${before} px² before focusing)`).toBe(0);
  await page.keyboard.press('Enter');
  await expect(follow).toBeDisabled();
  // Scrolled to its end, the page's last content stands above the stack.
  await page.evaluate(() => window.scrollTo({ top: document.documentElement.scrollHeight, behavior: 'instant' }));
  const clear = await page.evaluate(() => {
    const stack = document.querySelector('[data-testid=notices]')!.getBoundingClientRect();
    const lastBottom = Math.max(...[...document.querySelectorAll('.card')].map((card) => card.getBoundingClientRect().bottom));
    return { stackTop: stack.top, lastBottom };
  });
  expect(clear.lastBottom).toBeLessThanOrEqual(clear.stackTop);
  // Folded, the stack is one button; a new notice unfolds it.
  await notices.getByRole('button', { name: 'Fold notices' }).click();
  await expect(notices.getByRole('button', { name: '4 notices: show' })).toBeVisible();
  await expect(notices.locator('p.notice')).toHaveCount(0);
  await notices.getByRole('button', { name: '4 notices: show' }).click();
  await expect(notices.locator('p.notice')).toHaveCount(4);
  await page.screenshot({ path: testInfo.outputPath('notices-clear.png') });
});
