import { expect, test } from '@playwright/test';
import type * as Harness from './harness/worker-in-browser';

test('the training worker trains KD and PCD students on WebGPU and the loss moves', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  const steps = 6;
  const result = await page.evaluate(
    async ([url, n]) => {
      const harness: typeof Harness = await import(/* @vite-ignore */ url);
      return harness.trainFewSteps(n);
    },
    ['/e2e/harness/worker-in-browser.ts', steps] as const,
  );
  expect(result.backend).toBe('webgpu');
  expect(result.refused).toMatch(/batchSize/);
  expect(result.info.totalSteps).toBe(steps);
  expect(result.finalState).toBe('done');
  const reports = result.batches.flatMap((b) => b.steps);
  expect(reports.map((r) => r.step)).toEqual([...Array(steps).keys()]);
  for (const run of ['kd', 'pcd']) {
    const losses = reports.map((r) => r.runs.find((x) => x.id === run)!.loss);
    console.log(`${run}: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    expect(losses.at(-1)).not.toBe(losses[0]);
  }
  const pcdStageLosses = reports.at(-1)!.runs.find((x) => x.id === 'pcd')!.stageLosses;
  expect(pcdStageLosses).toHaveLength(3);
});

test('a lost WebGPU device pauses the run; it continues on WebGL from the last good weights', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./');
  const steps = 8;
  const result = await page.evaluate(
    async ([url, n]) => {
      const harness: typeof Harness = await import(/* @vite-ignore */ url);
      return harness.loseDeviceAndRecover(n);
    },
    ['/e2e/harness/worker-in-browser.ts', steps] as const,
  );
  expect(result.backend).toBe('webgpu');
  expect(result.stateAfterLoss).toBe('paused');
  expect(result.before.at(-1)!.message).toMatch(/^paused: the GPU device was lost \(destroyed.*\); recover .* \(step \d+\)$/);
  console.log(`lost: ${result.before.at(-1)!.message}; recovery: ${JSON.stringify(result.recovery)}`);
  expect(result.recovery.backend.backend).toBe('webgl');
  expect(result.recovery.resumedAtStep).toBeGreaterThanOrEqual(2);
  const resumed = result.after.flatMap((b) => b.steps);
  expect(resumed.map((s) => s.step)).toEqual([...Array(steps - result.recovery.resumedAtStep).keys()].map((i) => i + result.recovery.resumedAtStep));
  for (const s of resumed) expect(Number.isFinite(s.runs[0].loss)).toBe(true);
  expect(result.finalState).toBe('done');
});
