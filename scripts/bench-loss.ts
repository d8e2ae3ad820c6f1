// npm run bench:loss: forward + backward time of CE, KD, DKD and PCD (B=128, C=100, S=3)
// on the CPU backend in Node and on WebGPU and WebGL in headless Chromium, with each
// loss's ratio to KD; writes bench-results/loss.json (npm run perf:doc -- --take loss). A benchmark: it prints figures and asserts nothing.
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumLaunchOptions } from '../e2e/chromium';
import type * as Harness from '../e2e/harness/bench-in-browser';
import { selectBackend } from '../src/tf/backends';
import { writeBenchRecord } from './lib/bench-record';
import { benchLiveChanges, benchLosses, LOSS_BENCH_DEFAULTS, type LiveChangeTiming, type LossTiming } from './lib/loss-bench';

interface BackendResult {
  where: string;
  backend: string;
  adapter: string | null;
  timings: LossTiming[];
  /** The fused PCD's first call after a live change (τ, α, the scheduled stage, the batch size) and the call after it. */
  liveChanges?: LiveChangeTiming[];
  error?: string;
}

const config = { ...LOSS_BENCH_DEFAULTS, liveOnly: process.argv.includes('--live') };
if (process.argv.includes('--quick')) Object.assign(config, { samples: 3, callsPerSample: 2, warmupCalls: 1 });

function printTable(result: BackendResult): void {
  console.log(`\n${result.where}: ${result.backend}${result.adapter ? ` (${result.adapter})` : ''}`);
  if (result.error) {
    console.log(`  not measured: ${result.error}`);
    return;
  }
  if (result.liveChanges?.length) {
    console.log(`  ${'fused PCD after a change'.padEnd(34)} ${'first call'.padStart(11)} ${'next call'.padStart(10)}   (ms, median)`);
    for (const t of result.liveChanges)
      console.log(`  ${t.change.padEnd(34)} ${t.firstMs.toFixed(1).padStart(11)} ${t.nextMs.toFixed(1).padStart(10)}`);
  }
  if (!result.timings.length) return;
  const kd = result.timings.find((t) => t.loss === 'KD')!.msPerCall;
  console.log(
    `  ${'loss'.padEnd(26)} ${'ms/call'.padStart(9)} ${'vs KD'.padStart(7)} ${'kernels'.padStart(8)} ${'programs'.padStart(9)}   samples (ms)`,
  );
  for (const t of result.timings) {
    const spread = t.samplesMs.map((ms) => ms.toFixed(1)).join(' ');
    const programs = t.dispatches.programs === null ? '–' : String(t.dispatches.programs);
    console.log(
      `  ${t.loss.padEnd(26)} ${t.msPerCall.toFixed(2).padStart(9)} ${(t.msPerCall / kd).toFixed(2).padStart(6)}× ${String(t.dispatches.kernels).padStart(8)} ${programs.padStart(9)}   ${spread}`,
    );
  }
}

const results: BackendResult[] = [];
console.log(
  `B=${config.batch} C=${config.classes} S=${config.stages}; median of ${config.samples} samples of ${config.callsPerSample} back-to-back calls (forward + gradient), after ${config.warmupCalls} warm-up calls`,
);

await selectBackend(['cpu']);
results.push({
  where: 'Node',
  backend: 'cpu',
  adapter: null,
  timings: config.liveOnly ? [] : await benchLosses(config),
  liveChanges: await benchLiveChanges(config),
});
printTable(results.at(-1)!);

const server = await createServer({ logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
await server.listen();
const url = server.resolvedUrls?.local[0];
const browser = await chromium.launch(chromiumLaunchOptions());
try {
  for (const backend of ['webgpu', 'webgl'] as const) {
    const page = await browser.newPage();
    try {
      await page.goto(url!);
      const result = await page.evaluate(
        async ([harnessUrl, name, cfg]) => {
          const harness: typeof Harness = await import(/* @vite-ignore */ harnessUrl);
          return harness.benchLossesInBrowser(name, cfg);
        },
        ['/e2e/harness/bench-in-browser.ts', backend, config] as const,
      );
      results.push({ where: 'Chromium (headless)', ...result });
    } catch (error) {
      results.push({ where: 'Chromium (headless)', backend, adapter: null, timings: [], error: (error as Error).message.split('\n')[0] });
    } finally {
      await page.close();
    }
    printTable(results.at(-1)!);
  }
} finally {
  await browser.close();
  await server.close();
}

console.log(`\nwrote ${writeBenchRecord('loss', 'bench:loss', { config, results })}`);
