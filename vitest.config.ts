import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // One worker per core, at least two: Vitest's default (cores − 1) ran the files one after
    // another on a 2-core machine, though the longest wait on PyTorch in another process.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
