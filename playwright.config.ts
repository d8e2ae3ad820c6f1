import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e/chromium';

const PORT = Number(process.env.E2E_PORT ?? 5187);

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Software WebGPU (SwiftShader) is slow and the machines are small: one worker.
  workers: 1,
  timeout: 120_000,
  // What a test waits for still has to happen; on a shared, loaded machine it can take more than
  // the default 5 s (a worker's report, a 5 s network check), so assertions wait up to 15 s.
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    browserName: 'chromium',
    launchOptions: chromiumLaunchOptions(),
  },
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
