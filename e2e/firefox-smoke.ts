// The built site in a second browser: Debian's Firefox ESR, driven over WebDriver BiDi by
// puppeteer-core (Playwright's Firefox is a patched build that cannot be downloaded here). It
// loads the site, shows its backend and why, trains the tiny race to the end, exports the
// metrics, and no console error or uncaught exception may happen on the way. `npm run
// test:firefox` (part of `npm test`); `bash scripts/ensure-firefox.sh` installs Firefox.
import { existsSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import { serveBuiltSite } from './site-build';

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const RACE = '#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=256&batchSize=64&budget.unit=steps&budget.amount=16&compare=ce,kd';

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/**
 * The file a button of the page downloads, as text: the blob it makes a URL of and the name its
 * anchor gives are caught inside the page (no file dialog; the site's CSP lets no page fetch a
 * blob: URL).
 */
function downloaded(page: Page, button: string): Promise<{ name: string; text: string }> {
  return page.evaluate(async (selector) => {
    const { click } = HTMLAnchorElement.prototype;
    const { createObjectURL } = URL;
    let blob: Blob | null = null;
    URL.createObjectURL = (object: Blob | MediaSource) => {
      if (object instanceof Blob) blob = object;
      return createObjectURL(object);
    };
    const name = new Promise<string>((resolve) => {
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        resolve(this.download);
      };
    });
    try {
      (document.querySelector(selector) as HTMLButtonElement).click();
      const saved = await name;
      return { name: saved, text: blob ? await (blob as Blob).text() : '' };
    } finally {
      HTMLAnchorElement.prototype.click = click;
      URL.createObjectURL = createObjectURL;
    }
  }, button);
}

async function main(): Promise<void> {
  check(existsSync(FIREFOX), `no Firefox at ${FIREFOX}: run bash scripts/ensure-firefox.sh (or set FIREFOX_PATH)`);
  const started = performance.now();
  const site = await serveBuiltSite('pcd-firefox-', 'playground/');
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${String(error)}`));
    await page.goto(`${site.url}playground/${RACE}`);
    await page.waitForSelector('[data-testid=play]:not([disabled])', { timeout: 120_000 });
    const backend = await page.$eval('[data-testid=backend]', (e) => e.getAttribute('data-backend'));
    check(backend && ['webgpu', 'webgl', 'wasm', 'cpu'].includes(backend), `the page shows no backend (${backend})`);
    // Where WebGPU is not used, the page says why.
    const reason = await page.$eval('[data-testid=backend-fallback]', (e) => e.textContent ?? '').catch(() => null);
    check(backend === 'webgpu' || (reason && reason.length > 20), `on ${backend} the page says nothing of why not WebGPU`);
    await page.click('[data-testid=play]');
    // Polled by time: a headless Firefox may never run requestAnimationFrame, puppeteer's default polling.
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'done', { timeout: 240_000, polling: 250 });
    const summary = await page.$eval('[data-testid=summary-sentence]', (e) => e.textContent ?? '');
    check(summary.startsWith('After all 16 steps: '), `the summary says: ${summary}`);
    const { name, text } = await downloaded(page, '[data-testid=export-json]');
    const metrics = JSON.parse(text) as { runs: { id: string; evaluations: unknown[] }[]; summary: { totalSteps: number } };
    check(name.endsWith('-metrics.json'), `the export is named ${name}`);
    check(metrics.summary.totalSteps === 16, `the export's summary has ${metrics.summary.totalSteps} steps`);
    check(
      metrics.runs.map((r) => r.id).join(',') === 'ce,kd,pcd' && metrics.runs.every((r) => r.evaluations.length > 0),
      `the export's runs: ${metrics.runs.map((r) => `${r.id} (${r.evaluations.length} evaluations)`).join(', ')}`,
    );
    check(problems.length === 0, problems.join('\n'));
    console.log(
      `firefox smoke: ${await browser.version()}, backend ${backend}${reason ? ` (${reason.slice(0, 120)}…)` : ''}; trained the tiny race, exported ${name}; ` +
        `no console error (${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
  } finally {
    await browser.close();
    await site.close();
  }
}

main().catch((error) => {
  console.error(`firefox smoke failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
