import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // A limit against a hang, not a measure: a set-up that builds data (MNIST, the digit scenes)
    // took over Vitest's 10 s with two workers on a loaded 2-core machine.
    hookTimeout: 120_000,
    // One worker per core, at least two: Vitest's default (cores − 1) ran the files one after
    // another on a 2-core machine, though the longest wait on PyTorch in another process.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
