import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { pythonWithTorch, runReproduce } from '../src/test-support/python';

// "Reproduce this run" on a CNN student (MNIST's small CNN, the convolutions' weights transposed
// for PyTorch): the race trained in the page on the CPU backend, exported as a .zip, trained again
// by the exported reproduce.py; every evaluation within one test sample, and each trained
// student loaded into PyTorch (load_student) scores the page's final accuracy.
let root = '';
test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pcd-reproduce-'));
});
test.afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test('a CNN race exported from the page trains the same in PyTorch', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(
    './#dataset=mnist&student=mnist-cnn-small&trainSubset=256&batchSize=32&budget.unit=steps&budget.amount=16&compare=ce,kd&backend=cpu',
  );
  await expect(page.getByTestId('planned-steps')).toContainText('16 steps', { timeout: 60_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('superclass-accuracy')).toHaveCount(0); // MNIST has no superclasses
  const metricsDownload = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const metrics = JSON.parse(readFileSync((await (await metricsDownload).path())!, 'utf8'));
  const zipDownload = page.waitForEvent('download');
  await page.getByTestId('export-reproduction').click();
  const download = await zipDownload;
  expect(download.suggestedFilename()).toMatch(/^pcd-mnist-step16-reproduce\.zip$/);
  for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(readFileSync((await download.path())!))))) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
  const bundle = join(root, 'pcd-mnist-step16-reproduce');
  const manifest = JSON.parse(readFileSync(join(bundle, 'run.json'), 'utf8'));
  expect(manifest.student.layers.map((l: { kind: string }) => l.kind)).toEqual(['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense']);
  expect(manifest.runs.map((r: { id: string }) => r.id)).toEqual(['ce', 'kd', 'pcd']);
  // The page's evaluations are the bundle's results: one per epoch on the curves' 1,000 test samples, the last on all 2,000 besides.
  expect(manifest.evaluations.map((e: { step: number; testCount: number }) => `${e.step}/${e.testCount}`)).toEqual([
    '8/1000',
    '8/1000',
    '8/1000',
    '16/1000',
    '16/2000',
    '16/1000',
    '16/2000',
    '16/1000',
    '16/2000',
  ]);

  // The bundle's run.json imports into Setup as a configuration file does, with nothing ignored.
  await page.getByTestId('import-config').setInputFiles(join(bundle, 'run.json'));
  await expect(page.getByTestId('notices')).toContainText('imported run.json into the setup panel');
  await expect(page.getByTestId('notices')).not.toContainText('ignored');

  const { output, finals } = runReproduce(bundle, ['--check']);
  console.log(output.trim().split('\n').slice(-3).join('\n'));
  const pageFinal = Object.fromEntries(
    metrics.runs.map((r: { id: string; evaluations: { whole: { testAccuracy: number } }[] }) => [r.id, r.evaluations.at(-1)!.whole.testAccuracy]),
  );
  for (const id of ['ce', 'kd', 'pcd']) expect(Math.abs(finals[id] - pageFinal[id]) * 2000, id).toBeLessThanOrEqual(1);

  // Each trained student as the page left it, loaded into PyTorch: the page's final accuracy exactly.
  const check = spawnSync(
    pythonWithTorch(),
    [
      '-c',
      `import sys, json, numpy as np, torch
sys.path.insert(0, sys.argv[1])
from reproduce import load_student, channels_first
x = channels_first(torch.from_numpy(np.load(sys.argv[1] + "/x_test.npy")))
y = torch.from_numpy(np.load(sys.argv[1] + "/y_test.npy").astype(np.int64))
with torch.no_grad():
    print(json.dumps({r: (load_student(sys.argv[1], run=r)(x).argmax(1) == y).double().mean().item() for r in ("ce", "kd", "pcd")}))`,
      bundle,
    ],
    { encoding: 'utf8' },
  );
  expect(check.status, check.stderr).toBe(0);
  const loaded = JSON.parse(check.stdout.trim().split('\n').at(-1)!);
  for (const id of ['ce', 'kd', 'pcd']) expect(Math.abs(loaded[id] - pageFinal[id]) * 2000, `${id}, trained weights loaded`).toBeLessThanOrEqual(1);
});
