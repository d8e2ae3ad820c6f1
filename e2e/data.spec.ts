import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { sha256Hex } from '../src/data/mnist-format';
import { generateSynthetic100 } from '../src/data/synthetic';
import type * as Harness from './harness/data-in-browser';

const HARNESS = '/e2e/harness/data-in-browser.ts';

test('the synthetic dataset is the same bytes in Chromium as in Node', async ({ page }) => {
  await page.goto('./');
  const inBrowser = await page.evaluate(
    async ([url]) => {
      const harness: typeof Harness = await import(/* @vite-ignore */ url);
      return harness.syntheticDigest(2025);
    },
    [HARNESS] as const,
  );
  const data = generateSynthetic100({ seed: 2025 });
  const inNode = await sha256Hex(
    new Uint8Array([
      ...new Uint8Array(data.train.features.buffer),
      ...new Uint8Array(data.train.labels.buffer),
      ...new Uint8Array(data.test.features.buffer),
      ...new Uint8Array(data.test.labels.buffer),
    ]),
  );
  expect(inBrowser).toBe(inNode);
});

test('the page loads the shipped MNIST digits, and names the file when one is truncated', async ({ page }) => {
  await page.goto('./');
  const load = () =>
    page.evaluate(
      async ([url]) => {
        const harness: typeof Harness = await import(/* @vite-ignore */ url);
        return harness.loadMnistSummary();
      },
      [HARNESS] as const,
    );
  const manifest = JSON.parse(readFileSync('public/data/mnist/manifest.json', 'utf8'));
  const labels = readFileSync('public/data/mnist/mnist.bin').subarray(manifest.splits.test.labelsOffset, manifest.splits.test.labelsOffset + 8);
  expect(await load()).toEqual({ train: 8000, test: 2000, firstLabels: Array.from(labels) });

  await page.route('**/data/mnist/mnist.bin', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: (await response.body()).subarray(0, 1_000_000) });
  });
  const failed = await load();
  expect(failed).toEqual({ error: expect.stringMatching(/data\/mnist\/mnist\.bin: truncated: 1000000 bytes, the manifest says 7850000/) });
});
