import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

// The PCD inspector as a researcher uses it: a logits file written from the golden case
// (as a PyTorch script would write it) dropped into the real page; the ranks and losses
// the page shows are compared with the golden values, computed from docs/spec.md.
const golden = JSON.parse(readFileSync(new URL('../src/distill/fixtures/distill-golden.json', import.meta.url), 'utf8'));
const goldenCase = golden.cases[2]; // 6 samples × 100 classes
const paper = goldenCase.pcd[0]; // S = 3, τ = 4, λ on, ranking on, both passes
const reduced = goldenCase.pcd[4]; // S = 5, τ = 1, fine → coarse only

function csv(): string {
  const classes = goldenCase.teacherLogits[0].length;
  const header = ['role', 'sample', 'label', ...Array.from({ length: classes }, (_, c) => `class${c}`)].join(',');
  const rows = goldenCase.teacherLogits.flatMap((row: number[], b: number) => [
    ['teacher', b, goldenCase.labels[b], ...row].join(','),
    ['student', b, goldenCase.labels[b], ...goldenCase.studentLogits[b]].join(','),
  ]);
  return `${[header, ...rows].join('\n')}\n`;
}

/** A value the inspector shows, once its worker has finished computing. */
async function shown(page: Page, testId: string): Promise<number> {
  await expect(page.getByTestId('inspector-busy')).toHaveCount(0, { timeout: 30_000 });
  return Number(await page.getByTestId(testId).textContent());
}

function close(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-3 * Math.abs(expected) + 1e-4);
}

test('a logits file dropped into the inspector shows the golden ranks and losses, for any option, and exports them', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('./#backend=cpu');
  await page.getByTestId('inspector-toggle').click();
  // Dropped, as from a file manager.
  const dataTransfer = await page.evaluateHandle((text) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], 'golden-case-2.csv', { type: 'text/csv' }));
    return transfer;
  }, csv());
  await page.locator('.inspector-drop').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('inspector-loaded')).toHaveText('golden-case-2.csv: 6 samples × 100 classes, with labels.');
  await expect(page.getByTestId('layout'), 'the playground is hidden behind the inspector').toBeHidden();

  close(await shown(page, 'inspector-pcd-loss'), paper.jointLoss);
  for (const k of [1, 2, 3]) close(await shown(page, `inspector-stage-${k}`), paper.stages[String(k)].loss);
  close(await shown(page, 'inspector-kd'), goldenCase.kd.loss);
  close(await shown(page, 'inspector-dkd'), goldenCase.dkd.loss);
  close(await shown(page, 'inspector-ce'), goldenCase.ce.loss);
  // Stage 3's first group of sample 0: D_G as the golden file has it.
  const firstGroup = page.getByTestId('inspector-groups').locator('tbody tr').nth(3);
  close(Number(await firstGroup.locator('td').nth(3).textContent()), paper.stages['3'].groupLoss[0][0]);
  await page.screenshot({ path: testInfo.outputPath('inspector.png'), fullPage: true });

  // Other options recompute in the inspector's worker: S = 5, τ = 1, one pass.
  await page.getByTestId('inspector-stages').selectOption('5');
  await page.getByTestId('inspector-tau').fill('1');
  await page.getByLabel('Passes').selectOption('f2c');
  close(await shown(page, 'inspector-pcd-loss'), reduced.jointLoss);
  close(await shown(page, 'inspector-stage-5'), reduced.stages['5'].loss);

  // The export carries the ranks of every sample.
  const download = page.waitForEvent('download');
  await page.getByTestId('inspector-export').click();
  const exported = JSON.parse(readFileSync(await (await download).path(), 'utf8'));
  expect(exported.pcd.ranks).toEqual(reduced.ranks);
  expect(exported.options).toMatchObject({ stages: 5, temperature: 1, fineToCoarse: true, coarseToFine: false });

  // A bad file is refused with the line and what was wrong; the loaded one stays.
  await page
    .getByTestId('inspector-file')
    .setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from('role,sample,a,b\nteacher,0,1,2\nstudent,0,1,oops\n') });
  await expect(page.getByTestId('inspector-error')).toHaveText(
    'broken.csv, line 3, column "b": "oops" is not a finite number (still showing golden-case-2.csv)',
  );
  await expect(page.getByTestId('inspector-loaded')).toContainText('golden-case-2.csv');
  close(await shown(page, 'inspector-pcd-loss'), reduced.jointLoss);

  // Back to the playground, which was never torn down.
  await page.getByTestId('inspector-toggle').click();
  await expect(page.getByTestId('inspector')).toHaveCount(0);
  await expect(page.getByTestId('chart-curves')).toBeVisible();
});

test('an inspector whose worker script is gone (a release deployed since the tab opened) says so, not "reading…" forever', async ({ page }) => {
  test.setTimeout(120_000);
  // The chunk of the inspector's worker answers 404, as an old tab's chunk does once a new release replaced it.
  await page.route(/inspector\.worker/, (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto('./#backend=cpu');
  await page.getByTestId('inspector-toggle').click();
  await page.getByTestId('inspector-file').setInputFiles({ name: 'ok.csv', mimeType: 'text/csv', buffer: Buffer.from(csv()) });
  await expect(page.getByTestId('inspector-error')).toContainText('the inspector failed', { timeout: 30_000 });
  await expect(page.getByTestId('inspector-error')).toContainText(
    'reload the page (a new version of the site may have been deployed since it opened)',
  );
  await expect(page.getByTestId('inspector-busy')).toHaveCount(0);
});
