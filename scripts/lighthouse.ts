// npm run lighthouse: Lighthouse's accessibility and best-practices audits of the built site,
// served from a sub-folder by a plain static server, on a phone and on a desktop. Prints each
// category's score and every audit that fails; asserts nothing. Lighthouse is fetched by npx
// on first use (it is not a dependency of the project: 200 packages CI does not need).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumExecutable } from '../e2e/chromium';
import { serveDirectory } from '../src/test-support/static-server';

interface Report {
  lighthouseVersion: string;
  categories: Record<string, { title: string; score: number; auditRefs: { id: string }[] }>;
  audits: Record<string, { title: string; score: number | null; scoreDisplayMode: string; displayValue?: string }>;
}

const root = mkdtempSync(join(tmpdir(), 'pcd-lighthouse-'));
const sub = 'courses/pcd/';
execFileSync('npx', ['vite', 'build', '--outDir', join(root, 'www', sub), '--emptyOutDir', '--logLevel', 'error'], { stdio: 'inherit' });
const site = await serveDirectory(join(root, 'www'));
const chrome = chromiumExecutable();
try {
  for (const preset of ['mobile', 'desktop'] as const) {
    const out = join(root, `${preset}.json`);
    // Asynchronously: the static server answers from this process while Lighthouse runs.
    await promisify(execFile)(
      'npx',
      [
        '-y',
        'lighthouse@12',
        `${site.url}${sub}#backend=cpu`,
        '--only-categories=best-practices,accessibility',
        ...(preset === 'desktop' ? ['--preset=desktop'] : []),
        '--chrome-flags=--headless=new --no-sandbox --disable-background-networking --disable-component-update --disable-sync --no-first-run',
        '--output=json',
        `--output-path=${out}`,
        '--quiet',
      ],
      { env: { ...process.env, ...(chrome ? { CHROME_PATH: chrome } : {}) }, maxBuffer: 64 * 1024 * 1024 },
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    console.log(`\n${preset} (Lighthouse ${report.lighthouseVersion})`);
    for (const category of Object.values(report.categories)) {
      console.log(`  ${category.title}: ${Math.round(category.score * 100)}`);
      for (const { id } of category.auditRefs) {
        const audit = report.audits[id];
        if (audit.score !== null && audit.score < 1 && !['informative', 'manual', 'notApplicable'].includes(audit.scoreDisplayMode)) {
          console.log(`    fails: ${audit.title}${audit.displayValue ? ` (${audit.displayValue})` : ''}`);
        }
      }
    }
  }
} finally {
  await site.close();
  rmSync(root, { recursive: true, force: true });
}
