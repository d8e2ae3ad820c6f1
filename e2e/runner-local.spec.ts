import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { npyBytes } from '../src/reproduce/npy';
import { runReproduce } from '../src/test-support/python';

// One's own data, raced on two seeds in the page (WASM backend, the runs stacked), and the same
// files, configuration and seeds through the runner in Node (`npm run experiment -- --config …
// --data … --teacher-logits …`): the same split and the same engine give the same final test
// accuracy for every run of every seed.
let root = '';
test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pcd-runner-local-'));
  // 5 classes named out of order, 8 features; the teacher's logits are noisy, one row per CSV row.
  const names = ['eel', 'ant', 'dog', 'bee', 'cat'];
  const rows = ['f1,f2,f3,f4,f5,f6,f7,f8,animal'];
  const logits: number[] = [];
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  const sorted = [...names].sort();
  for (let i = 0; i < 300; i++) {
    const c = i % 5;
    const f = Array.from({ length: 8 }, (_, k) => (k === c ? 0.8 : 0) + noise());
    rows.push([...f.map((v) => v.toFixed(4)), names[c]].join(','));
    for (const name of sorted) logits.push((name === names[c] ? 2 : 0) + 1.5 * noise());
  }
  writeFileSync(join(root, 'animals.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(root, 'teacher.npy'), npyBytes([300, 5], logits));
});
test.afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the runner on the same files, configuration and seeds gets the page’s numbers', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./#backend=wasm');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await page.getByTestId('open-local').click();
  await page.getByLabel('A CSV of features and a label column').check();
  await page.getByTestId('local-csv').setInputFiles(join(root, 'animals.csv'));
  await page.getByLabel('Label column', { exact: true }).fill('animal');
  await page.getByLabel('Its logits for every sample, as a file').check();
  await page.getByTestId('local-logits').setInputFiles(join(root, 'teacher.npy'));
  await page.getByTestId('local-load').click();
  await expect(page.getByTestId('local-current')).toContainText('animals.csv, 5 classes', { timeout: 60_000 });
  // The race on the loaded data, from a link: 40 steps, seeds 2 and 3.
  await page.evaluate(() => {
    location.hash = '#dataset=local&student=local-mlp&budget.unit=steps&budget.amount=40&seed=2&seeds=2&compare=ce,kd,dkd&backend=wasm';
  });
  await expect(page.getByTestId('planned-steps')).toContainText('40 steps, each a step of 4 runs × 2 seeds', { timeout: 60_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('engine')).toHaveAttribute('data-engine', 'stacked');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 240_000 });
  const download = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const metrics = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
  const pageFinal = Object.fromEntries(
    metrics.runs.map((r: { id: string; seed: number; evaluations: { step: number; testAccuracy: number; testLoss: number }[] }) => {
      const last = r.evaluations.at(-1)!;
      expect(last.step).toBe(40);
      return [`${r.id}@${r.seed}`, { accuracy: last.testAccuracy, loss: last.testLoss }];
    }),
  );
  expect(Object.keys(pageFinal).sort()).toEqual(['ce@2', 'ce@3', 'dkd@2', 'dkd@3', 'kd@2', 'kd@3', 'pcd@2', 'pcd@3']);

  // The runner, given the configuration the page exported and the same two files.
  writeFileSync(join(root, 'config.json'), JSON.stringify(metrics.config));
  const out = join(root, 'result.json');
  execFileSync(
    'npx',
    [
      'tsx',
      'scripts/experiment.ts',
      '--config',
      join(root, 'config.json'),
      '--data',
      join(root, 'animals.csv'),
      '--teacher-logits',
      join(root, 'teacher.npy'),
      '--label-column',
      'animal',
      '--out',
      out,
    ],
    { stdio: 'pipe', timeout: 240_000 },
  );
  const result = JSON.parse(readFileSync(out, 'utf8'));
  expect(result.seeds).toEqual([2, 3]);
  expect(result.where).toBe('the WASM backend in Node');
  // Each run's last evaluation: its accuracy and its test loss (a float that any difference in the computation would move).
  const runnerFinal = Object.fromEntries(
    result.curves.map((c: { run: string; seed: number; points: { step: number; testAccuracy: number; testLoss: number }[] }) => {
      const last = c.points.at(-1)!;
      return [`${c.run}@${c.seed}`, { accuracy: last.testAccuracy, loss: last.testLoss }];
    }),
  );
  console.log(
    `final test accuracy and loss, page = runner: ${Object.entries(pageFinal)
      .map(([k, v]) => `${k} ${(100 * (v as { accuracy: number }).accuracy).toFixed(1)}% ${(v as { loss: number }).loss.toFixed(6)}`)
      .join(', ')}`,
  );
  // Accuracy exactly; the loss to 1e-9: the page evaluates in chunks of 250 samples (a pause may
  // stop it between them), the runner in chunks of 500, and a matMul of another shape may round
  // a logit's last bit differently (seen: 2 in 10¹⁶).
  expect(Object.keys(runnerFinal).sort()).toEqual(Object.keys(pageFinal).sort());
  for (const [key, value] of Object.entries(pageFinal) as [string, { accuracy: number; loss: number }][]) {
    expect(runnerFinal[key].accuracy, key).toBe(value.accuracy);
    expect(Math.abs(runnerFinal[key].loss - value.loss), key).toBeLessThan(1e-9 * value.loss);
  }

  // "Reproduce this run": the bundle alone (no CSV, no logits file) through the runner, then reproduce.py.
  const zipDownload = page.waitForEvent('download');
  await page.getByTestId('export-reproduction').click();
  const zip = unzipSync(new Uint8Array(readFileSync((await (await zipDownload).path())!)));
  const bundle = join(root, 'bundle');
  for (const [name, bytes] of Object.entries(zip)) {
    const path = join(bundle, name.replace(/^[^/]+\//, ''));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  const manifest = JSON.parse(readFileSync(join(bundle, 'run.json'), 'utf8'));
  expect(manifest.dataset.split).toMatchObject({ kind: 'per-class', testShare: 0.2, seed: 1, trainRows: 'train_rows.npy' });
  expect(manifest.seeds.map((s: { seed: number }) => s.seed)).toEqual([2, 3]);
  const again = join(root, 'again.json');
  execFileSync('npx', ['tsx', 'scripts/experiment.ts', '--config', join(bundle, 'run.json'), '--out', again], { stdio: 'pipe', timeout: 240_000 });
  for (const c of JSON.parse(readFileSync(again, 'utf8')).curves as { run: string; seed: number; points: { testAccuracy: number }[] }[]) {
    expect(c.points.at(-1)!.testAccuracy, `${c.run}@${c.seed} from the bundle`).toBe(pageFinal[`${c.run}@${c.seed}`].accuracy);
  }
  const { output, finals } = runReproduce(bundle, ['--check']);
  console.log(output.trim().split('\n').slice(-2).join('\n'));
  for (const [key, value] of Object.entries(pageFinal) as [string, { accuracy: number }][]) {
    expect(Math.abs(finals[key] - value.accuracy) * manifest.dataset.test.count, `${key} in PyTorch`).toBeLessThanOrEqual(1);
  }
});
