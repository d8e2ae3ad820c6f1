import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { npyBytes } from '../src/reproduce/npy';
import { grayPng } from '../src/test-support/png';

// "Your data" as a researcher meets it: a folder of PNG images (one sub-folder per class)
// picked with the browser's folder picker, and a teacher trained elsewhere and converted to
// the TF.js Layers format (here trained in Node with TF.js and saved as model.json + .bin).
// Both are read in the real page's worker, trained on, exported, and kept over a reload.
test.describe.configure({ mode: 'serial' });

const SIZE = 12;
const CLASSES = ['dots', 'horizontal', 'vertical']; // sorted, as the page orders them
const PER_CLASS = 16;
let root = '';
/** Every image's pixels in 0…1, in the page's order (class, then path). */
const images: { label: number; pixels: Float32Array }[] = [];

function drawn(label: number, index: number): Uint8Array {
  const pixels = new Uint8Array(SIZE * SIZE);
  let seed = label * 1000 + index + 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let p = 0; p < pixels.length; p++) pixels[p] = Math.floor(random() * 60);
  const at = 2 + (index % (SIZE - 4));
  for (let i = 0; i < SIZE; i++) {
    if (label === 1) pixels[at * SIZE + i] = 255;
    if (label === 2) pixels[i * SIZE + at] = 255;
    if (label === 0) pixels[Math.floor(random() * pixels.length)] = 255;
  }
  return pixels;
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  root = mkdtempSync(join(tmpdir(), 'pcd-local-'));
  CLASSES.forEach((name, label) => {
    mkdirSync(join(root, 'bars', name), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) {
      const pixels = drawn(label, i);
      writeFileSync(join(root, 'bars', name, `img${String(i).padStart(2, '0')}.png`), grayPng(SIZE, SIZE, pixels));
      images.push({ label, pixels: Float32Array.from(pixels, (v) => v / 255) });
    }
  });
  writeFileSync(join(root, 'bars', '.DS_Store'), 'finder junk');
  // The teacher, trained "elsewhere": TF.js in Node, saved as a converter would write it.
  await tf.setBackend('cpu');
  const teacher = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [SIZE, SIZE, 1] }),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dense({ units: CLASSES.length }),
    ],
  });
  teacher.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.softmaxCrossEntropy });
  const x = tf.tensor4d(
    images.flatMap((i) => Array.from(i.pixels)),
    [images.length, SIZE, SIZE, 1],
  );
  const y = tf
    .oneHot(
      images.map((i) => i.label),
      CLASSES.length,
    )
    .toFloat();
  await teacher.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });
  const logits = (await (teacher.predict(x) as tf.Tensor).data()) as Float32Array;
  writeFileSync(join(root, 'teacher-logits.npy'), npyBytes([images.length, CLASSES.length], Array.from(logits)));
  writeFileSync(join(root, 'wrong-rows.npy'), npyBytes([images.length - 1, CLASSES.length], Array.from(logits.subarray(CLASSES.length))));
  await teacher.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const manifest = [{ paths: ['teacher.weights.bin'], weights: artifacts.weightSpecs }];
      writeFileSync(
        join(root, 'model.json'),
        JSON.stringify({ format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: manifest }),
      );
      writeFileSync(join(root, 'teacher.weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  tf.dispose([x, y]);
  teacher.dispose();
});

test.afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test('an image folder and a converted teacher: loaded, refused files leave it, trained, exported, kept over a reload, forgotten', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('./#backend=cpu');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('open-local').click();
  await page.getByTestId('local-folder').setInputFiles(join(root, 'bars'));
  await expect(page.getByTestId('local-folder-count')).toHaveText(`${CLASSES.length * PER_CLASS + 1} files in bars`);
  await page.getByTestId('local-size').fill(String(SIZE));
  await page.getByTestId('local-model').setInputFiles([join(root, 'model.json'), join(root, 'teacher.weights.bin')]);
  await page.getByTestId('local-load').click();
  const current = page.getByTestId('local-current');
  await expect(current).toContainText('bars, 3 classes (dots, horizontal, vertical), samples of shape [12 × 12 × 1]', { timeout: 60_000 });
  await expect(current).toContainText('39 for training and 9 for testing');
  // The images are 12 × 12 and the size asked is 12: nothing resized, nothing said of it.
  await expect(page.getByTestId('local-resized')).toHaveCount(0);
  // The teacher trained in Node is as right on the page's decoding of the PNGs as on its own pixels.
  expect(parseFloat((await page.getByTestId('local-teacher-accuracy').textContent())!)).toBeGreaterThanOrEqual(88);
  await page.screenshot({ path: testInfo.outputPath('local-loaded.png'), fullPage: true });
  for (const size of [
    { width: 390, height: 844 },
    { width: 1280, height: 900 },
  ]) {
    await page.setViewportSize(size);
    const results = await new AxeBuilder({ page }).include('[data-testid=local-panel]').withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(results.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`)).toEqual([]);
    if (size.width === 390) await page.getByTestId('local-panel').screenshot({ path: testInfo.outputPath('local-panel-390.png') });
  }

  // A logits file with a row missing: refused, named, and the loaded dataset stays.
  await page.getByLabel('Its logits for every sample, as a file').check();
  await page.getByTestId('local-logits').setInputFiles(join(root, 'wrong-rows.npy'));
  await page.getByTestId('local-load').click();
  await expect(page.getByTestId('local-error')).toHaveText(
    "wrong-rows.npy, header: shape (47, 3): expected (48, 3), 48 rows (one per sample, in the dataset's order) of 3 logits (still kept: bars)",
  );
  await expect(current).toContainText('Teacher: your model');

  await page.getByTestId('local-train').click();
  await expect(page.getByTestId('local-panel')).toHaveCount(0);
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 200', { timeout: 60_000 });
  await expect(page.getByLabel('Dataset', { exact: true })).toHaveValue('local');
  expect(page.url()).toContain('dataset=local');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 120_000 });
  const download = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const metrics = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
  expect(metrics.summary.totalSteps).toBe(200);
  expect(metrics.summary.rows.map((r: { id: string }) => r.id).sort()).toEqual(['ce', 'dkd', 'kd', 'pcd']);
  await expect(page.getByTestId('chart-ranking')).toHaveAttribute('data-has-data', 'true');
  await expect(page.getByTestId('chart-curves')).toHaveAttribute('data-has-data', 'true'); // redrawn at most once a second
  await page.screenshot({ path: testInfo.outputPath('local-trained.png'), fullPage: true });

  // A reload keeps the dataset (IndexedDB) and the link trains on it again.
  await page.reload();
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 200', { timeout: 60_000 });
  await expect(page.getByLabel('Dataset', { exact: true })).toHaveValue('local');
  await expect(page.locator('.notice-error')).toHaveCount(0);

  // The logits teacher: the same dataset with the teacher's logits file instead of the model.
  await page.getByTestId('open-local').click();
  await page.getByTestId('local-folder').setInputFiles(join(root, 'bars'));
  await page.getByTestId('local-size').fill(String(SIZE));
  await page.getByLabel('Its logits for every sample, as a file').check();
  await page.getByTestId('local-logits').setInputFiles(join(root, 'teacher-logits.npy'));
  await page.getByTestId('local-load').click();
  await expect(current).toContainText('Teacher: logits from teacher-logits.npy', { timeout: 60_000 });
  expect(parseFloat((await page.getByTestId('local-teacher-accuracy').textContent())!)).toBeGreaterThanOrEqual(88);
  await page.getByTestId('local-train').click();
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 200', { timeout: 60_000 });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText('1 / 200', { timeout: 60_000 });

  // Forgotten: gone from the page and from the next reload; a dataset=local link then says so.
  await page.getByTestId('open-local').click();
  await page.getByTestId('local-forget').click();
  await expect(current).toHaveCount(0);
  await expect(page.getByLabel('Dataset', { exact: true })).not.toHaveValue('local');
  // A fresh load of a dataset=local link (a hash change alone would be read as a pasted link).
  await page.goto('about:blank');
  await page.goto('./#dataset=local&backend=cpu');
  await expect(page.getByText(/dataset = local: this link trains on a dataset of one's own, which is not in this browser/)).toBeVisible({
    timeout: 30_000,
  });
  expect(errors).toEqual([]);
});

test('a CSV of features with a superclass column and its teacher as a logits CSV; a folder with a stray file is refused and the dataset stays; small images are said to be resized', async ({
  page,
}) => {
  test.setTimeout(180_000);
  // Four classes in two families, two features; the teacher's logits say the class, one row per CSV row.
  const rows: string[] = ['x,y,species,family'];
  const logits: string[] = ['cat,dog,cow,pig'];
  const species = ['cat', 'dog', 'cow', 'pig'];
  for (let i = 0; i < 80; i++) {
    const c = i % 4;
    rows.push(`${(c % 2) + ((i * 37) % 10) / 20},${Math.floor(c / 2) + ((i * 53) % 10) / 20},${species[c]},${c < 2 ? 'pets' : 'farm'}`);
    // The logits columns follow the page's class order (sorted names: cat, cow, dog, pig).
    logits.push(['cat', 'cow', 'dog', 'pig'].map((s) => (s === species[c] ? 4 : 0)).join(','));
  }
  writeFileSync(join(root, 'animals.csv'), rows.join('\n'));
  writeFileSync(join(root, 'animals-logits.csv'), logits.join('\n'));
  mkdirSync(join(root, 'stray', 'a'), { recursive: true });
  mkdirSync(join(root, 'stray', 'b'), { recursive: true });
  writeFileSync(join(root, 'stray', 'a', '1.png'), grayPng(4, 4, new Array(16).fill(0)));
  writeFileSync(join(root, 'stray', 'b', '1.png'), grayPng(4, 4, new Array(16).fill(255)));
  writeFileSync(join(root, 'stray', 'b', 'notes.txt'), 'not an image');

  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('./#backend=cpu');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('open-local').click();
  await page.getByLabel('A CSV of features and a label column').check();
  await page.getByTestId('local-csv').setInputFiles(join(root, 'animals.csv'));
  await page.getByLabel('Label column', { exact: true }).fill('species');
  await page.getByLabel('Superclass column', { exact: true }).fill('family');
  await page.getByLabel('Its logits for every sample, as a file').check();
  await page.getByTestId('local-logits').setInputFiles(join(root, 'animals-logits.csv'));
  await page.getByTestId('local-load').click();
  const current = page.getByTestId('local-current');
  await expect(current).toContainText('animals.csv, 4 classes (cat, cow, dog, pig), samples of shape [2], 64 for training and 16 for testing', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('local-teacher-accuracy')).toHaveText('100.0%');

  // An image folder with a stray text file: refused by name, and the CSV dataset stays.
  await page.getByLabel('A folder of images, one sub-folder per class').check();
  await page.getByTestId('local-folder').setInputFiles(join(root, 'stray'));
  await page.getByTestId('local-load').click();
  await expect(page.getByTestId('local-error')).toHaveText(
    'stray/b/notes.txt: not an image: expected .png, .jpg, .jpeg, .gif, .webp, .bmp (still kept: animals.csv)',
  );
  await expect(current).toContainText('animals.csv, 4 classes');

  await page.getByTestId('local-train').click();
  await expect(page.getByTestId('step-counter')).toHaveText('0 / 200', { timeout: 60_000 });
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-counter')).toHaveText('1 / 200', { timeout: 60_000 });
  await page.getByTestId('open-local').click();
  // Images of 4 × 4 at the default size, 28: loaded, and the panel says they were resized and from what.
  rmSync(join(root, 'stray', 'b', 'notes.txt'));
  writeFileSync(join(root, 'tiny-logits.csv'), '1,0\n0,1\n');
  await page.getByLabel('A folder of images, one sub-folder per class').check();
  await page.getByTestId('local-folder').setInputFiles(join(root, 'stray'));
  await page.getByLabel('Its logits for every sample, as a file').check();
  await page.getByTestId('local-logits').setInputFiles(join(root, 'tiny-logits.csv'));
  await page.getByTestId('local-load').click();
  await expect(current).toContainText('stray, 2 classes', { timeout: 60_000 });
  await expect(page.getByTestId('local-resized')).toHaveText('Images resized to 28 × 28 from 4 × 4.');
  await page.getByTestId('local-forget').click();
  expect(errors).toEqual([]);
});
