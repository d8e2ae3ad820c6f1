import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

// A race on several seeds as a person runs it from a link: every run trains on seeds 3 … 7,
// the curves draw each run's mean with its band, and the summary's verdict is paired seed by
// seed. The verdict's words are checked against the per-seed numbers the metrics export
// carries, recomputed here. The CPU backend (where the runs loop): the student is a tiny MLP.
const SEEDS = [3, 4, 5, 6, 7];
const LINK =
  './#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=512&batchSize=64&budget.unit=steps&budget.amount=24&compare=ce,kd&seed=3&seeds=5&backend=cpu';

test('a race on 5 seeds: bands, a verdict seed by seed that matches the exported numbers, charts that follow one seed', async ({
  page,
}, testInfo) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(LINK);
  await expect(page.getByLabel('Seeds')).toHaveValue('5');
  await expect(page.getByTestId('planned-steps')).toContainText('24 steps, each a step of 3 runs × 5 seeds');
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  // On the pure-JS CPU backend the runs loop (stacking measured slower there).
  await expect(page.getByTestId('engine')).toHaveAttribute('data-engine', 'loop');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 240_000 });
  const summary = page.getByTestId('summary-sentence');
  await expect(summary).toContainText(/^After all 24 steps, mean of 5 seeds: /);

  // Each run's mean with its band (loss and test accuracy: two bands a run; ± 1 std with 5 seeds), and each seed's line on demand.
  const curves = page.getByTestId('chart-curves');
  await expect(curves.locator('path.seed-band')).toHaveCount(6);
  await expect(curves).toContainText("Each line is a run's mean over its 5 seeds; the band is ± 1 standard deviation across them.");
  const lines = await curves.locator('path').count();
  await page.getByTestId('each-seed').check();
  await expect.poll(() => curves.locator('path').count()).toBe(lines + 3 * 5 * 2);
  await curves.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('seeds-1280.png'), fullPage: true });
  await curves.screenshot({ path: testInfo.outputPath('seeds-curves.png') });

  // The export: every run of every seed, and the summary's verdict.
  const download = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const metrics = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
  expect(metrics.config.config.seeds).toBe(5);
  expect(metrics.runs.map((r: { id: string; seed: number }) => `${r.id}@${r.seed}`).sort()).toEqual(
    ['ce', 'kd', 'pcd'].flatMap((id) => SEEDS.map((seed) => `${id}@${seed}`)).sort(),
  );
  /** Each seed's final test accuracy of a run on the whole split, seeds ascending, from the exported evaluations. */
  const final = (id: string) =>
    SEEDS.map((seed) => {
      const run = metrics.runs.find((r: { id: string; seed: number }) => r.id === id && r.seed === seed);
      const last = run.evaluations.at(-1);
      expect(last.step).toBe(24);
      // The summary at the end reads the whole test split, evaluated besides the curves' part.
      return last.whole.testAccuracy as number;
    });
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ranked = ['ce', 'kd', 'pcd'].sort((a, b) => mean(final(b)) - mean(final(a)));
  expect(metrics.summary.rows.map((r: { id: string }) => r.id)).toEqual(ranked);
  // The verdict on the best run and its closest rival, recomputed from the per-seed numbers.
  const [best, rival] = ranked;
  const differences = final(best).map((a, k) => 100 * (a - final(rival)[k]));
  const d = mean(differences);
  const std = Math.sqrt(differences.reduce((s, x) => s + (x - d) ** 2, 0) / (SEEDS.length - 1));
  const aheadIn = differences.filter((x) => x > 0).length;
  const v = metrics.summary.verdicts[0];
  expect(v).toMatchObject({ a: best, b: rival, seeds: 5, aheadA: aheadIn });
  expect(v.mean).toBeCloseTo(d, 9);
  const name = (id: string) => id.toUpperCase();
  const sentence = (await summary.textContent())!;
  if (differences.every((x) => x === 0)) {
    expect(sentence).toContain(`${name(best)} and ${name(rival)} tie in every one of 5 seeds.`);
  } else {
    const words = `${name(best)} is ${d.toFixed(1)} ± ${std.toFixed(1)} points ahead of ${name(rival)} over 5 seeds (ahead in ${aheadIn} of 5); `;
    expect(sentence).toContain(words);
    expect(sentence).toContain(['ahead', 'behind'].includes(v.kind) ? ': beyond seed noise.' : ': within seed noise.');
    // The leader was picked from every pair of the 3 runs: its comparisons are Holm-adjusted over the 3.
    expect(v.family === 3 || v.kind === 'tie').toBe(true);
    // A winner only with every rival beyond noise.
    expect(sentence.includes(' won with ')).toBe(metrics.summary.verdicts.every((x: { kind: string }) => x.kind === 'ahead'));
  }
  expect(metrics.summary.sentence).toBe(sentence);
  // The table shows each run's mean ± std (5 seeds), from the same per-seed numbers.
  const cell = page.locator(`tr[data-run="${best}"] td`).first();
  const accuracies = final(best);
  const spread = Math.sqrt(accuracies.reduce((s, x) => s + (x - mean(accuracies)) ** 2, 0) / (SEEDS.length - 1));
  await expect(cell).toHaveText(`${(100 * mean(accuracies)).toFixed(1)}% ± ${(100 * spread).toFixed(1)}`);

  // Superclass accuracy (the synthetic families of 5 classes) of the followed seed's PCD, from its exported confusion matrix.
  const last = metrics.runs.find((r: { id: string; seed: number }) => r.id === 'pcd' && r.seed === 3).evaluations.at(-1);
  let within = 0;
  for (let t = 0; t < 100; t++) for (let p = 0; p < 100; p++) if (Math.floor(t / 5) === Math.floor(p / 5)) within += last.confusion[t * 100 + p];
  const families = within / last.testCount;
  expect(last.superclassAccuracy).toBeCloseTo(families, 12);
  expect(families).toBeGreaterThan(last.testAccuracy);
  await expect(page.getByTestId('superclass-accuracy')).toContainText(
    `Superclass accuracy ${(100 * families).toFixed(1)}% (the predicted class is in the label's superclass), class accuracy ${(100 * last.testAccuracy).toFixed(1)}%`,
  );

  // The probability chart places the label's superclass in the teacher's order; marked on demand.
  await expect(page.getByTestId('superclass-places')).toHaveText(
    /^The teacher ranks the superclass’s 5 classes \(the label’s included\) at places \d+(, \d+){4} of 100\.$/,
  );
  const legend = page.getByTestId('chart-probabilities').locator('.legend');
  await expect(legend).not.toContainText('the label’s superclass');
  await page.getByTestId('mark-superclass').check();
  await expect(legend).toContainText('the label’s superclass');

  // The probe charts follow one seed: another one's probe comes at once while the race is over.
  await page.getByTestId('followed-seed').selectOption('5');
  await expect(page.getByTestId('chart-ranking')).toHaveAttribute('data-has-data', 'true', { timeout: 60_000 });
  const student = page.waitForEvent('download');
  await page.getByTestId('export-student').click();
  expect((await student).suggestedFilename()).toMatch(/-seed5-student\.json$/);
});

// The same race on the real WebGPU backend (SwiftShader here), where the worker trains every run
// of every seed as one stacked computation: the verdict is paired by seed all the same.
test('on WebGPU a race on 2 seeds trains stacked in the worker, and its verdict pairs the seeds', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(
    './#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=64&budget.unit=steps&budget.amount=8&compare=kd&seed=1&seeds=2&backend=webgpu',
  );
  await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  await expect(page.getByTestId('play')).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('engine')).toHaveAttribute('data-engine', 'stacked');
  await expect(page.getByTestId('engine')).toHaveText(' Every run of every seed trains as one computation (stacked weights, one batched pass).');
  await page.getByTestId('play').click();
  await expect(page.getByTestId('status')).toHaveText('done', { timeout: 240_000 });
  await expect(page.getByTestId('summary-sentence')).toContainText(/^After all 8 steps, mean of 2 seeds: /);
  await expect(page.getByTestId('summary-sentence')).toContainText(
    / over 2 seeds \(ahead in \d of 2\): not tested, a verdict on the methods takes 3 seeds or more|tie in every one of 2 seeds/,
  );
  await expect(page.getByTestId('chart-curves').locator('path.seed-band')).toHaveCount(4);
  const download = page.waitForEvent('download');
  await page.getByTestId('export-json').click();
  const metrics = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
  // Every step of every run of both seeds reported, with finite losses.
  for (const run of metrics.runs) {
    expect(run.steps.steps, `${run.id}@${run.seed}`).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(run.steps.loss.every(Number.isFinite)).toBe(true);
  }
  expect(metrics.runs.map((r: { id: string; seed: number }) => `${r.id}@${r.seed}`).sort()).toEqual(['kd@1', 'kd@2', 'pcd@1', 'pcd@2']);
});
