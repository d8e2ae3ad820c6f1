// npm run soak [-- --minutes 30 --every 60 --backends cpu,webgpu]: the race preset trained
// without end in headless Chromium on each backend, sampling the worker's TF.js tensors and
// bytes and both JS heaps (page and worker, after a garbage collection) every `--every`
// seconds; prints the samples and fails (exit 1) when the second half of the run grows past
// SOAK_BOUNDS; writes bench-results/soak.json (npm run perf:doc -- --take soak). Not part of `npm test`: it takes `--minutes` per backend.
import { chromium, type CDPSession } from '@playwright/test';
import { createServer } from 'vite';
import { chromiumLaunchOptions } from '../e2e/chromium';
import { toHash } from '../src/config/link';
import { DEFAULT_PRESET } from '../src/config/presets';
import type * as Controller from '../src/app/store/controller-instance';
import { writeBenchRecord } from './lib/bench-record';

const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const minutes = Number(arg('--minutes', '30'));
const every = Number(arg('--every', '60'));
const backends = arg('--backends', 'cpu,webgpu').split(',') as ('cpu' | 'webgpu' | 'webgl')[];

/**
 * Largest growth allowed from the middle of the run to its end. Tensors and tensor bytes are
 * the worker's right after its last step (between steps, with no intermediates alive),
 * compared as the smallest of 3 samples around each point; heaps as medians of 3.
 */
export const SOAK_BOUNDS = { numTensors: 0, numBytes: 1024 * 1024, workerHeap: 8 * 1024 * 1024, pageHeap: 8 * 1024 * 1024 } as const;

interface Sample {
  second: number;
  step: number;
  numTensors: number;
  numBytes: number;
  workerHeap: number | null;
  pageHeap: number;
}

/**
 * The worker's JS heap, from Chromium's DevTools protocol: the browser session attaches to
 * the dedicated worker's target and asks its isolate for `Runtime.getHeapUsage` after a
 * garbage collection (a page cannot read a worker's heap itself).
 */
async function workerHeap(cdp: CDPSession): Promise<number | null> {
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.find((t) => t.type === 'worker' && t.url.includes('training.worker'));
  if (!target) return null;
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let id = 0;
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const mine = ++id;
      const listener = (event: { sessionId: string; message: string }) => {
        const message = JSON.parse(event.message) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (event.sessionId !== sessionId || message.id !== mine) return;
        cdp.off('Target.receivedMessageFromTarget', listener);
        if (message.error) reject(new Error(message.error.message));
        else resolve(message.result ?? {});
      };
      cdp.on('Target.receivedMessageFromTarget', listener);
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: mine, method }) });
    });
  try {
    await call('HeapProfiler.collectGarbage');
    return (await call('Runtime.getHeapUsage')).usedSize as number;
  } finally {
    await cdp.send('Target.detachFromTarget', { sessionId });
  }
}

const mb = (bytes: number | null) => (bytes === null ? '–' : (bytes / 1024 / 1024).toFixed(1));
const median3 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The race preset, trained for as long as the soak lasts: a budget it cannot reach.
const page = { ...DEFAULT_PRESET.page, config: { ...DEFAULT_PRESET.page.config, budget: { unit: 'steps' as const, amount: 1_000_000 } } };
const server = await createServer({ logLevel: 'error', server: { port: 0, host: '127.0.0.1', hmr: false, watch: null } });
await server.listen();
const launch = chromiumLaunchOptions();
const browser = await chromium.launch({ ...launch, args: [...(launch.args ?? []), '--js-flags=--expose-gc', '--enable-precise-memory-info'] });
const browserCdp = await browser.newBrowserCDPSession();
let failed = false;
interface Check {
  name: string;
  growth: number;
  bound: number;
  ok: boolean;
}
const record: { backend: string; status: string | null; samples: Sample[]; checks: Check[] }[] = [];
try {
  for (const backend of backends) {
    const tab = await browser.newPage();
    const cdp = await tab.context().newCDPSession(tab);
    await cdp.send('Performance.enable');
    await tab.goto(`${server.resolvedUrls!.local[0]}${toHash(page, { backend })}`);
    await tab.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 300_000 });
    await tab.getByTestId('play').click();
    console.log(`\n${backend}: the race preset (${page.config.trainSubset} samples, 4 runs), ${minutes} min, a sample every ${every} s`);
    console.log(
      `  ${'min'.padStart(5)} ${'step'.padStart(7)} ${'tensors'.padStart(8)} ${'tensor MB'.padStart(10)} ${'worker heap MB'.padStart(15)} ${'page heap MB'.padStart(13)}`,
    );
    const samples: Sample[] = [];
    const started = Date.now();
    for (let i = 0; ; i++) {
      const due = started + i * every * 1000;
      if (due > started + minutes * 60_000) break;
      await tab.waitForTimeout(Math.max(0, due - Date.now()));
      const worker = await tab.evaluate(async (url) => {
        const module: typeof Controller = await import(/* @vite-ignore */ url);
        return module.controller.memory();
      }, '/src/app/store/controller-instance.ts');
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const pageHeap = metrics.find((m) => m.name === 'JSHeapUsedSize')!.value;
      const step = Number((await tab.getByTestId('step-counter').textContent())!.split('/')[0].replace(/,/g, ''));
      // Tensors as they stand between two steps (sampled now, the count includes a step's intermediates).
      const tensors = worker.resting ?? worker;
      const sample = {
        second: Math.round((Date.now() - started) / 1000),
        step,
        numTensors: tensors.numTensors,
        numBytes: tensors.numBytes,
        workerHeap: worker.jsHeapUsed ?? (await workerHeap(browserCdp)),
        pageHeap,
      };
      samples.push(sample);
      console.log(
        `  ${(sample.second / 60).toFixed(1).padStart(5)} ${String(step).padStart(7)} ${String(sample.numTensors).padStart(8)} ${mb(sample.numBytes).padStart(10)} ${mb(sample.workerHeap).padStart(15)} ${mb(pageHeap).padStart(13)}`,
      );
    }
    const status = await tab.getByTestId('status').textContent();
    if (status !== 'running') {
      console.log(`  FAIL: the run is ${status}, not running`);
      failed = true;
    }
    const checks: Check[] = [];
    record.push({ backend, status, samples, checks });
    if (samples.length >= 6) {
      const middle = Math.floor(samples.length / 2);
      const around = (at: number, pick: (s: Sample) => number | null, reduce: (values: number[]) => number) =>
        reduce(samples.slice(Math.max(0, at - 1), at + 2).map((s) => pick(s) ?? 0));
      const smallest = (values: number[]) => Math.min(...values);
      const measures: [string, (s: Sample) => number | null, number, (values: number[]) => number][] = [
        ['tensors', (s) => s.numTensors, SOAK_BOUNDS.numTensors, smallest],
        ['tensor bytes', (s) => s.numBytes, SOAK_BOUNDS.numBytes, smallest],
        ['worker heap', (s) => s.workerHeap, SOAK_BOUNDS.workerHeap, median3],
        ['page heap', (s) => s.pageHeap, SOAK_BOUNDS.pageHeap, median3],
      ];
      for (const [name, pick, bound, reduce] of measures) {
        const growth = around(samples.length - 2, pick, reduce) - around(middle, pick, reduce);
        const ok = growth <= bound;
        failed ||= !ok;
        checks.push({ name, growth, bound, ok });
        console.log(
          `  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${name.includes('tensors') ? growth : `${mb(growth)} MB`} from the middle of the run to its end (bound ${name.includes('tensors') ? bound : `${mb(bound)} MB`})`,
        );
      }
    } else {
      console.log('  too few samples to judge growth (6 needed): run longer or sample more often');
    }
    await tab.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`\nwrote ${writeBenchRecord('soak', 'soak', { minutes, every, bounds: SOAK_BOUNDS, backends: record })}`);
process.exit(failed ? 1 : 0);
