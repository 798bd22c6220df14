import { defineConfig } from 'vitest/config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Tests never share the user's layer cache: each run starts with an empty one of its own.
process.env['CHARTER_CACHE_DIR'] ??= mkdtempSync(join(tmpdir(), 'charter-test-cache-'));

/**
 * Tests that build images or start containers (podman). `npm test` runs them after the unit
 * tests; `npm run test:unit` leaves them out. A new container test is named `*.podman.test.ts`
 * or listed here.
 */
const CONTAINER_TESTS = [
  '**/*.podman.test.ts',
  'src/**/podman.test.ts',
  'src/readers/oci-image/debian.test.ts',
  'src/nodejs/image.test.ts',
  'src/knowledge/node-syscalls/node18-check.test.ts',
  'test/enforcement/**/*.test.ts',
  'test/nodejs/real-apps.test.ts',
  'test/scan/scan-e2e.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: CONTAINER_TESTS,
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'containers',
          include: CONTAINER_TESTS,
          // After the unit tests, never beside them.
          sequence: { groupOrder: 1 },
          // Container tests build real images; give them room but never hang CI.
          testTimeout: 240_000,
          hookTimeout: 600_000,
          // One file at a time: podman (4.3) loses layers when one test removes an image while another
          // imports the same root filesystem, and the container tests share one storage.
          fileParallelism: false,
        },
      },
    ],
  },
});
