import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * A name for the cache of the datasets and teachers, from their bytes: a build whose files
 * changed starts a new cache (the old one is dropped), so a cached teacher never outlives
 * the release it belongs to, and an unchanged one is not downloaded again.
 */
function siteFilesVersion(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk('public/data');
  walk('public/models');
  return hash.digest('hex').slice(0, 12);
}

/**
 * The site for a lecture hall (issue: installable, offline after one visit): a web app
 * manifest, and a Workbox service worker that precaches the app shell (the page, its
 * workers, TF.js, KaTeX) and keeps each dataset and teacher once it has been used (not
 * before: 7.5 MB of MNIST need not reach someone who never opens it). Updates wait for the
 * reader ("a new version is ready: reload"), so a running lesson is never swapped.
 */
function offlineSite(cacheName: string): Plugin[] {
  return VitePWA({
    registerType: 'prompt',
    // Registered from main.tsx (virtual:pwa-register), not by an inline script: the CSP forbids those.
    injectRegister: null,
    manifest: {
      name: 'PCD playground: knowledge distillation in the browser',
      short_name: 'PCD playground',
      description: 'A student network learns from a teacher by Progressive Class-level Distillation, trained for real in the page.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#f3f4f7',
      theme_color: '#0b5cab',
      icons: [
        { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    },
    workbox: {
      globPatterns: ['**/*.{js,css,html,png,svg,webmanifest,wasm}'],
      globIgnores: ['data/**', 'models/**', 'faults/**'],
      // The training worker bundles TF.js (≈ 1.8 MB).
      maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      cleanupOutdatedCaches: true,
      // On the first visit the new worker takes the open page at once (nothing older to replace); later versions wait for the reader.
      clientsClaim: true,
      runtimeCaching: [
        {
          urlPattern: ({ url }) => /\/(data|models)\//.test(url.pathname),
          handler: 'CacheFirst',
          options: {
            cacheName,
            cacheableResponse: { statuses: [200] },
            // A captive portal answers 200 with its HTML page for any URL: never kept as a dataset or teacher
            // file (none of which is HTML). A bad copy that got in is evicted by the page (loadEvictingBadFiles).
            plugins: [{ cacheWillUpdate: async ({ response }) => (response.headers.get('content-type')?.includes('text/html') ? null : response) }],
          },
        },
      ],
    },
  });
}

/**
 * The Content-Security-Policy of the built site, as a <meta> (a static host may not let us
 * set headers): scripts, workers, data and styles from the site itself only; no eval of
 * JavaScript. 'wasm-unsafe-eval' lets the WASM backend compile its WebAssembly (the site's
 * own .wasm files: connect-src is 'self'), which is all it allows. Only in the build: the
 * dev server's React refresh needs an inline script.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: (html) =>
      html.replace(
        '<meta charset="UTF-8" />',
        `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`,
      ),
  };
}

const SITE_FILES_CACHE = `pcd-site-files-${siteFilesVersion()}`;

export default defineConfig({
  define: {
    __SITE_FILES_CACHE__: JSON.stringify(SITE_FILES_CACHE),
    __BUILD_ID__: JSON.stringify(process.env.PCD_BUILD_ID ?? (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version),
  },
  // Relative asset URLs: a build works from any sub-path of a static host.
  base: './',
  plugins: [react(), contentSecurityPolicy(), offlineSite(SITE_FILES_CACHE)],
  worker: { format: 'es' },
  // The worker bundles TF.js (≈ 1.8 MB before gzip); the page's own chunk is ≈ 0.4 MB.
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { host: '127.0.0.1' },
  // Pre-bundle what the worker and the e2e harness import, so the dev server never
  // discovers a dependency late and reloads the page in the middle of a test.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-wasm',
      'comlink',
      'zod',
      'papaparse',
      'idb-keyval',
      'katex',
    ],
  },
});
