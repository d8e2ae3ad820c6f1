import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { runReproduce } from '../src/test-support/python';
import { expect, test } from '@playwright/test';
import { serveBuiltSite } from './site-build';

// The production build (`vite build`, what `npm run build` makes) served by a plain static
// server from a sub-folder, as a hosted site is: it must start under its own
// Content-Security-Policy, train, and keep the main thread free.
test.describe.configure({ mode: 'serial' });

let root = '';
let site: { url: string; close: () => Promise<void> };
const SUB = 'courses/pcd-demo/';

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const served = await serveBuiltSite('pcd-site-', SUB);
  site = served;
  root = served.root;
});

test.afterAll(async () => {
  await site?.close();
});

for (const backend of ['webgpu', 'wasm'] as const)
  test(`works from a sub-folder of a static host, on ${backend === 'wasm' ? 'WASM' : 'WebGPU'}, with no CSP violation`, async ({ page }) => {
    test.setTimeout(300_000);
    const html = readFileSync(join(root, 'build', 'index.html'), 'utf8');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    // No eval of JavaScript; WebAssembly may compile (the WASM backend's own binaries, from the site).
    expect(html).not.toMatch(/'unsafe-eval'/);
    expect(html).toContain("script-src 'self' 'wasm-unsafe-eval'");
    await page.addInitScript(() => {
      const violations: string[] = [];
      (window as unknown as { violations: string[] }).violations = violations;
      document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(
      `${site.url}${SUB}#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=128&budget.unit=steps&budget.amount=3&method.method=kd&compare=&backend=${backend}`,
    );
    await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', backend, { timeout: 60_000 });
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
    await page.getByTestId('play').click();
    await expect(page.getByTestId('status')).toHaveText('done', { timeout: 180_000 });
    await expect(page.getByTestId('step-counter')).toHaveText('3 / 3');
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
    expect(errors).toEqual([]);
  });

// A four-run race on 100 classes with every chart redrawing, on the CPU backend (the
// worker then competes with the page for the CPU). What is asserted cannot depend on the
// machine's load: the loss chart redraws at most once a second (its bounded rate), and it
// does redraw. The main thread's long tasks are a figure, printed here and measured by the
// benchmark `npm run first-minute` (longest task per preset and backend), never pass/fail.
test('the charts redraw at their bounded rate during 20 s of training (CPU backend); long tasks printed', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  await page.addInitScript(() => {
    const tasks: { start: number; duration: number }[] = [];
    (window as unknown as { longTasks: typeof tasks }).longTasks = tasks;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(
    `${site.url}${SUB}#dataset=synthetic100&trainSubset=2000&batchSize=64&budget.unit=epochs&budget.amount=200&compare=ce,kd,dkd&backend=cpu`,
  );
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'cpu', { timeout: 60_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  // Each React commit that changes the loss chart's plots is one MutationObserver callback: one
  // redraw (the card's controls are left out: React sets a checkbox's attributes on every render).
  await page.evaluate(() => {
    const w = window as unknown as { redraws: number };
    w.redraws = 0;
    new MutationObserver(() => w.redraws++).observe(document.querySelector('[data-testid=chart-curves] .chart-body')!, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
  });
  const started = await page.evaluate(() => performance.now());
  await page.getByTestId('play').click();
  await page.waitForTimeout(20_000);
  const [ended, redraws] = await page.evaluate(() => [performance.now(), (window as unknown as { redraws: number }).redraws]);
  const seconds = (ended - started) / 1000;
  const steps = Number((await page.getByTestId('step-counter').textContent())!.split('/')[0].replace(/,/g, ''));
  const tasks = await page.evaluate(() => (window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks);
  const during = tasks.filter((t) => t.start >= started && t.start <= ended);
  console.log(
    `${steps} steps in ${seconds.toFixed(1)} s; loss chart redraws: ${redraws}; long tasks (> 50 ms) during training: ${during.length ? during.map((t) => `${t.duration.toFixed(0)} ms`).join(', ') : 'none'}`,
  );
  await page.screenshot({ path: testInfo.outputPath('race-cpu-1280x800.png') });
  // Training went on and the charts drew it: the evaluations of the first epochs arrived.
  await expect(page.getByTestId('chart-agreement')).toHaveAttribute('data-has-data', 'true');
  expect(steps).toBeGreaterThan(0);
  expect(redraws).toBeGreaterThan(1);
  // At most once a second (and a redraw for Play's own state change): fewer on a loaded machine, never more.
  expect(redraws).toBeLessThanOrEqual(Math.ceil(seconds) + 3);
});

test('a worker script that does not load is an error that says so, not a silent wait', async ({ page }) => {
  test.setTimeout(120_000);
  await page.route(/training\.worker-[^/]*\.js$/, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto(`${site.url}${SUB}`);
  await expect(page.getByText(/No backend: the training worker failed to start/)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Starting TensorFlow.js in a worker…')).toHaveCount(0);
});

// The synthetic teacher's files broken one way each, in copies of the built site: every
// Apply that needs the teacher is refused with a notice naming the file and the fault in
// plain words, and nothing trains on a broken teacher.
test('a broken teacher file on the served site is refused, naming the file and the fault', async ({ page }) => {
  test.setTimeout(240_000);
  const teacher = 'models/synthetic100/teacher/';
  const built = (file: string) => readFileSync(join(root, 'build', teacher, file));
  const weights = built('weights.bin');
  const metadata = JSON.parse(built('metadata.json').toString('utf8'));
  const sealed = (bytes: Buffer) => ({
    ...metadata,
    files: { ...metadata.files, 'weights.bin': { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } },
  });
  const nan = Buffer.alloc(weights.length);
  for (let i = 0; i < nan.length; i += 4) nan.writeFloatLE(NaN, i);
  let seed = 7;
  const random = Buffer.alloc(weights.length);
  for (let i = 0; i < random.length; i += 4) random.writeFloatLE(((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2, i);
  const faults: { name: string; files: Record<string, Buffer | null>; says: RegExp }[] = [
    { name: 'missing', files: { 'weights.bin': null }, says: /teacher\/weights\.bin: HTTP 404/ },
    {
      name: 'truncated',
      files: { 'weights.bin': weights.subarray(0, 1000) },
      says: /teacher\/weights\.bin: truncated: 1,000 bytes, expected 399,760/,
    },
    {
      name: 'nan',
      files: { 'weights.bin': nan },
      says: /teacher\/weights\.bin: checksum mismatch: SHA-256 [0-9a-f]{64}, metadata\.json says [0-9a-f]{64}/,
    },
    {
      name: 'other-dataset',
      files: { 'metadata.json': readFileSync(join(root, 'build', 'models/mnist/teacher/metadata.json')) },
      says: /teacher\/metadata\.json: describes the mnist teacher, not the synthetic100 one/,
    },
    {
      name: 'resealed-random',
      files: { 'weights.bin': random, 'metadata.json': Buffer.from(JSON.stringify(sealed(random))) },
      says: /weights\.bin: predicts class \d+ for test sample \d+, metadata\.json recorded \d+: these weights are not the trained teacher's/,
    },
    {
      name: 'resealed-nan',
      files: { 'weights.bin': nan, 'metadata.json': Buffer.from(JSON.stringify(sealed(nan))) },
      says: /weights\.bin: gives non-finite logits \(NaN or ∞\) on the first test samples: the weights are corrupt/,
    },
  ];
  for (const fault of faults) {
    const site_ = join(root, 'www', 'faults', fault.name);
    cpSync(join(root, 'build'), site_, { recursive: true });
    for (const [file, bytes] of Object.entries(fault.files)) {
      if (bytes) writeFileSync(join(site_, teacher, file), bytes);
      else rmSync(join(site_, teacher, file));
    }
    await page.goto(
      `${site.url}faults/${fault.name}/#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=128&budget.unit=steps&budget.amount=3&method.method=kd&compare=&backend=cpu`,
    );
    const notice = page.locator('.notice-error', { hasText: 'not applied' });
    await expect(notice).toHaveCount(1, { timeout: 60_000 });
    const text = (await notice.textContent())!;
    console.log(`${fault.name}: ${text.replace(site.url, '…/')}`);
    expect(text).toMatch(fault.says);
    await expect(page.getByTestId('play')).toBeDisabled(); // nothing trains on it
  }
});

// The detection race (the digit scenes) on the built site, to its end: the preset's race of four
// cut to what CI can wait for (2 seeds, 10 steps, one evaluation of every run on the 1,000 test
// scenes at the end), on WASM. The boxes, the AP labels and the verdict on AP come out of it.
test('the digit scenes train to the end on WASM: boxes under the history slider, AP curves and per-class AP, a verdict on AP', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1440, height: 1200 });
  await page.goto(`${site.url}${SUB}#dataset=scenes&trainSubset=320&budget.unit=steps&budget.amount=10&seeds=2&compare=ce,kd,dkd&backend=wasm`);
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  const boxes = page.getByTestId('chart-scenes');
  await expect(boxes).toHaveAttribute('data-has-data', 'true');
  await expect(boxes.locator('figure.scene')).toHaveCount(4);
  await expect(boxes.getByRole('heading')).toContainText('at step 0');
  // The probe samples are cells of those scenes; the picked one is outlined on its scene.
  await expect(page.getByTestId('probe-sample').locator('option').first()).toContainText(/scene 1, cell \(\d, \d\): digit \d/);
  await expect(boxes.getByTestId('probe-cell')).toHaveCount(1);
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('step-counter')).toHaveText('10 / 10');
  const summary = page.getByTestId('summary');
  await expect(summary).toHaveAttribute('data-final', 'true');
  await expect(summary.getByRole('columnheader', { name: 'Test AP (2 seeds)' })).toBeVisible();
  await expect(page.getByTestId('summary-sentence')).toContainText(/After all 10 steps, mean of 2 seeds: .*AP \d+\.\d/);
  await expect(page.getByTestId('summary-sentence')).toContainText(/The teacher has AP 46\.7\./);
  await expect(page.getByTestId('chart-per-class').getByRole('heading')).toContainText('Per-class AP');
  // Classification's agreement chart is not a detection race's.
  await expect(page.getByTestId('chart-agreement')).toHaveCount(0);
  // Back in history: the boxes of the untrained students.
  await expect(boxes.getByRole('heading')).toContainText('at step 10');
  await page.locator('#history-slider').fill('0');
  await expect(boxes.getByRole('heading')).toContainText('at step 0');
  await expect(boxes.locator('[role=img]').first()).toHaveAttribute('aria-label', /^Test scene 1: digits \d/);
  // Carried to PyTorch: the page's bundle of the race, trained again by reproduce.py on the same cells.
  const zipDownload = page.waitForEvent('download');
  await page.getByTestId('export-reproduction').click();
  const download = await zipDownload;
  const out = mkdtempSync(join(tmpdir(), 'pcd-scenes-bundle-'));
  for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(readFileSync((await download.path())!))))) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), bytes);
  }
  const bundle = join(out, download.suggestedFilename().replace(/\.zip$/, ''));
  expect(JSON.parse(readFileSync(join(bundle, 'run.json'), 'utf8'))).toMatchObject({ task: 'detection', steps: { total: 10 } });
  const { finals } = runReproduce(bundle, ['--check']);
  expect(Object.keys(finals).sort()).toEqual(['ce@1', 'ce@2', 'dkd@1', 'dkd@2', 'kd@1', 'kd@2', 'pcd@1', 'pcd@2']);
  rmSync(out, { recursive: true, force: true });
  expect(errors).toEqual([]);
});
