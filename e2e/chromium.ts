import { existsSync } from 'node:fs';
import type { LaunchOptions } from '@playwright/test';

/**
 * Which Chromium the e2e tests and browser benchmarks launch, and with which flags.
 *
 * Order: $CHROMIUM_PATH if set, else Debian's /usr/bin/chromium if present, else
 * Playwright's own download (where one is installed). The flags give WebGPU without a
 * GPU through SwiftShader (Vulkan on the CPU), and keep Chromium off the network.
 */
export function chromiumExecutable(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
];

const QUIET_FLAGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function chromiumLaunchOptions(): LaunchOptions {
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return {
    executablePath: chromiumExecutable(),
    args: [...(runningAsRoot ? ['--no-sandbox'] : []), ...QUIET_FLAGS, ...WEBGPU_FLAGS],
  };
}
