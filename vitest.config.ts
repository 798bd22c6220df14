import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Container tests build real images; give them room but never hang CI.
    testTimeout: 240_000,
    hookTimeout: 600_000,
    // Two cores: podman tests in parallel would fight over the same storage lock.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
