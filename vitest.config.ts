import { defineConfig } from 'vitest/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Tests never share the user's layer cache: each run starts with an empty one of its own.
process.env['CHARTER_CACHE_DIR'] ??= mkdtempSync(join(tmpdir(), 'charter-test-cache-'));

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Container tests build real images; give them room but never hang CI.
    testTimeout: 240_000,
    hookTimeout: 600_000,
    // One file at a time: podman (4.3) loses layers when one test removes an image while another
    // imports the same root filesystem, and the container tests share one storage.
    fileParallelism: false,
    maxWorkers: 2,
  },
});
