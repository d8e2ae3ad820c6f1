import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveDirectory } from '../src/test-support/static-server';

// `npm run build` served by a plain static server from a sub-folder, under its own
// Content-Security-Policy: the page must start, train on WebGPU, and violate nothing.
test('the production build works from a sub-folder of a static host, under its CSP', async ({ page }) => {
  test.setTimeout(300_000);
  const root = mkdtempSync(join(tmpdir(), 'pcd-site-'));
  const site = await (async () => {
    execFileSync('npx', ['vite', 'build', '--outDir', join(root, 'build'), '--emptyOutDir', '--logLevel', 'error'], { stdio: 'inherit' });
    cpSync(join(root, 'build'), join(root, 'www', 'courses', 'pcd-demo'), { recursive: true });
    return serveDirectory(join(root, 'www'));
  })();
  try {
    const html = readFileSync(join(root, 'build', 'index.html'), 'utf8');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html).not.toMatch(/unsafe-eval/);
    await page.addInitScript(() => {
      (window as unknown as { violations: string[] }).violations = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const url = `${site.url}courses/pcd-demo/#dataset=synthetic100&student=synthetic-mlp-tiny&trainSubset=128&budget.unit=steps&budget.amount=3&method.method=kd`;
    await page.goto(url);
    await expect(page.getByTestId('backend')).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
    await expect(page.getByTestId('play')).toBeEnabled({ timeout: 60_000 });
    await page.getByTestId('play').click();
    await expect(page.getByTestId('status')).toHaveText('done', { timeout: 180_000 });
    await expect(page.getByTestId('step-counter')).toHaveText('3 / 3');
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await site.close();
    rmSync(root, { recursive: true, force: true });
  }
});
