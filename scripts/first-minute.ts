// npm run first-minute [-- --presets race,tiny --backends webgpu,webgl,wasm,cpu --limit 120 --to-end --seeds 5]
// The first minute as a newcomer meets it, on the production build served by a static
// server in headless Chromium: for every preset on every backend, the time from opening
// the link to Play being ready (worker, backend, dataset, teacher, the teacher's logits),
// from Play to the first step and to the first evaluation (the summary card's sentence),
// the longest main-thread task, and how long a Pause takes to be honoured (`--to-end`: instead
// of the pause, the time from Play to the end of the budget; `--seeds N`: the preset on N seeds). Prints a table
// and writes bench-results/first-minute.json. Timings are this machine's; run it quiet.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { chromiumLaunchOptions } from '../e2e/chromium';
import { toHash } from '../src/config/link';
import { PRESETS } from '../src/config/presets';
import { serveDirectory } from '../src/test-support/static-server';
import { writeBenchRecord } from './lib/bench-record';

const arg = (flag: string, fallback: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const presets = arg('--presets', PRESETS.map((p) => p.id).join(',')).split(',');
const backends = arg('--backends', 'webgpu,webgl,wasm,cpu').split(',') as ('webgpu' | 'webgl' | 'wasm' | 'cpu')[];
const limitMs = Number(arg('--limit', '120')) * 1000;
const toEnd = process.argv.includes('--to-end');
const seeds = Number(arg('--seeds', '1'));
for (const id of presets)
  if (!PRESETS.some((p) => p.id === id)) throw new Error(`--presets: "${id}" is not one of ${PRESETS.map((p) => p.id).join(', ')}`);

interface Row {
  preset: string;
  backend: string;
  /** Milliseconds; null = not within the limit. */
  ready: number | null;
  firstStep: number | null;
  firstEvaluation: number | null;
  stepsAtFirstEvaluation: number | null;
  longestTask: number;
  pause: number | null;
  /** With `--to-end`: Play → the end of the budget. */
  end: number | null;
}

async function measure(page: Page, url: string): Promise<Omit<Row, 'preset' | 'backend'>> {
  await page.addInitScript(() => {
    const w = window as unknown as { longest: number };
    w.longest = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longest = Math.max(w.longest, entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const opened = Date.now();
  await page.goto(url);
  const within = async (what: () => Promise<unknown>, from: number) => {
    try {
      await what();
      return Date.now() - from;
    } catch {
      return null;
    }
  };
  const remaining = (from: number) => Math.max(1, limitMs - (Date.now() - from));
  const ready = await within(() => page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: limitMs }), opened);
  const row = {
    ready,
    firstStep: null as number | null,
    firstEvaluation: null as number | null,
    stepsAtFirstEvaluation: null as number | null,
    longestTask: 0,
    pause: null as number | null,
    end: null as number | null,
  };
  if (ready === null) return row;
  const played = Date.now();
  await page.getByTestId('play').click();
  row.firstStep = await within(
    () =>
      page.waitForFunction(() => /^[1-9]/.test(document.querySelector('[data-testid=step-counter]')?.textContent ?? ''), null, {
        timeout: remaining(played),
      }),
    played,
  );
  row.firstEvaluation = await within(() => page.waitForSelector('[data-testid=summary-sentence]', { timeout: remaining(played) }), played);
  if (row.firstEvaluation !== null)
    row.stepsAtFirstEvaluation = Number((await page.getByTestId('step-counter').textContent())!.split('/')[0].replace(/,/g, ''));
  if (toEnd) {
    row.end = await within(
      () => page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'done', null, { timeout: remaining(played) }),
      played,
    );
  } else if ((await page.getByTestId('status').textContent()) === 'running') {
    const pressed = Date.now();
    await page.getByTestId('pause').click();
    row.pause = await within(
      () => page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent !== 'running', null, { timeout: limitMs }),
      pressed,
    );
  }
  row.longestTask = await page.evaluate(() => (window as unknown as { longest: number }).longest);
  return row;
}

const root = mkdtempSync(join(tmpdir(), 'pcd-first-minute-'));
execFileSync('npx', ['vite', 'build', '--outDir', join(root, 'site'), '--emptyOutDir', '--logLevel', 'error'], { stdio: 'inherit' });
const site = await serveDirectory(join(root, 'site'));
const browser = await chromium.launch(chromiumLaunchOptions());
const rows: Row[] = [];
const seconds = (ms: number | null) => (ms === null ? `> ${limitMs / 1000}` : (ms / 1000).toFixed(1));
try {
  for (const backend of backends) {
    for (const id of presets) {
      const preset = PRESETS.find((p) => p.id === id)!;
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const config = { ...preset.page, config: { ...preset.page.config, seeds } };
      const row = { preset: id, backend, ...(await measure(page, `${site.url}${toHash(config, { backend })}`)) };
      await page.close();
      rows.push(row);
      console.log(
        `${backend.padEnd(6)} ${id.padEnd(13)} ready ${seconds(row.ready)} s · first step ${seconds(row.firstStep)} s · first evaluation ${seconds(row.firstEvaluation)} s` +
          ` (step ${row.stepsAtFirstEvaluation ?? '–'}) · longest task ${row.longestTask.toFixed(0)} ms · ` +
          (toEnd ? `to the end ${seconds(row.end)} s` : `pause ${seconds(row.pause)} s`) +
          (seeds > 1 ? ` · ${seeds} seeds` : ''),
      );
    }
  }
} finally {
  await browser.close();
  await site.close();
  rmSync(root, { recursive: true, force: true });
}
const written = writeBenchRecord(toEnd ? 'first-minute-to-end' : 'first-minute', 'first-minute', { limitMs, seeds, toEnd, rows });
const last = toEnd ? 'Play → end of the budget (s)' : 'Pause honoured after (s)';
const table = [
  `| backend | preset | open → ready (s) | Play → first step (s) | Play → first evaluation (s) | longest main-thread task (ms) | ${last} |`,
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.backend} | ${r.preset} | ${seconds(r.ready)} | ${seconds(r.firstStep)} | ${seconds(r.firstEvaluation)} | ${r.longestTask.toFixed(0)} | ${seconds(toEnd ? r.end : r.pause)} |`,
  ),
].join('\n');
console.log(`\n${table}\n\nwrote ${written}`);
