import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The Content-Security-Policy of the built site, as a <meta> (a static host may not let us
 * set headers): scripts, workers, data and styles from the site itself only; no eval of
 * any kind (the WASM backend, which would need 'wasm-unsafe-eval', is not bundled). Only
 * in the build: the dev server's React refresh needs an inline script.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
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

export default defineConfig({
  // Relative asset URLs: a build works from any sub-path of a static host.
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  worker: { format: 'es' },
  // The worker bundles TF.js (≈ 1.8 MB before gzip); the page's own chunk is ≈ 0.4 MB.
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { host: '127.0.0.1' },
  // Pre-bundle what the worker and the e2e harness import, so the dev server never
  // discovers a dependency late and reloads the page in the middle of a test.
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', 'comlink', 'zod', 'papaparse', 'idb-keyval', 'katex'],
  },
});
