import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveDirectory } from '../src/test-support/static-server';

/** The production build (`vite build`), as `npm run build` makes it, into `dir`. */
export function buildSite(dir: string, env: Record<string, string> = {}): void {
  execFileSync('npx', ['vite', 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'error'], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
}

/**
 * The built site served by a plain static server from a sub-folder `sub` of a temporary
 * root, as a hosted site is. `root` holds the build (`build/`) and what is served (`www/`).
 */
export async function serveBuiltSite(prefix: string, sub: string): Promise<{ root: string; url: string; close: () => Promise<void> }> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  buildSite(join(root, 'build'));
  cpSync(join(root, 'build'), join(root, 'www', sub), { recursive: true });
  const site = await serveDirectory(join(root, 'www'));
  return {
    root,
    url: site.url,
    close: async () => {
      await site.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
