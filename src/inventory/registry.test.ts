/**
 * The meta-test over the analyzer table: every analyzer is documented, versioned, bounded, and
 * its `required` is cheap and total (it runs on every file of every layer).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FileAnalyzer } from '../model/analyzer.js';
import { FILE_ANALYZERS, analyzerKey, analyzerTable } from './registry.js';

const README = readFileSync(new URL('./README.md', import.meta.url), 'utf8');

const ODD_PATHS = [
  '',
  '/',
  '//',
  'relative/path',
  '/../../etc/passwd',
  '/var/lib/dpkg/status/',
  '/a\0b',
  '/\u00e9t\u00e9/\u{1F600}',
  '/node_modules/package.json',
  '/app/node_modules/@/package.json',
  `/${'a/'.repeat(5000)}x`,
  `/${'x'.repeat(100_000)}`,
];
const ODD_INFO = [
  { size: 0, mode: 0 },
  { size: 1, mode: 0o100644 },
  { size: Number.MAX_SAFE_INTEGER, mode: 0o177777 },
  { size: -1, mode: -1 },
  { size: Number.NaN, mode: Number.NaN },
];

const fake = (type: string, version = '1'): FileAnalyzer => ({ type, version, maxBytes: 1, required: () => false, analyze: () => ({}) });

describe.each(FILE_ANALYZERS.map((a) => [a.type, a] as const))('analyzer %s', (type, a) => {
  it('has a README section', () => {
    expect(README).toContain(`### \`${type}\``);
  });

  it('has a type, a version and a positive byte limit', () => {
    expect(type).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(typeof a.version).toBe('string');
    expect(a.version).not.toBe('');
    expect(Number.isSafeInteger(a.maxBytes) && a.maxBytes > 0).toBe(true);
  });

  it('required() is total and cheap on odd paths and sizes', () => {
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) {
      for (const path of ODD_PATHS) for (const info of ODD_INFO) expect(typeof a.required(path, info)).toBe('boolean');
    }
    // 12,000 calls, including 100 KB paths: well under a second unless something is quadratic.
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe('the table', () => {
  it('has unique types and includes the OS analyzers', () => {
    const types = FILE_ANALYZERS.map((a) => a.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toEqual(expect.arrayContaining(['os-release', 'dpkg', 'apk', 'rpm', 'secrets']));
    expect(Object.isFrozen(FILE_ANALYZERS)).toBe(true);
  });

  it('refuses duplicate types', () => {
    expect(() => analyzerTable([fake('dpkg'), fake('apk'), fake('dpkg', '2')])).toThrow(/"dpkg" is registered twice/);
  });

  it('keys the cache by sorted type@version', () => {
    expect(analyzerKey([fake('rpm', '3'), fake('apk', '1'), fake('dpkg', '2')])).toBe('apk@1,dpkg@2,rpm@3');
    expect(analyzerKey([fake('dpkg', '2'), fake('apk', '1')])).toBe(analyzerKey([fake('apk', '1'), fake('dpkg', '2')]));
    expect(analyzerKey([fake('apk', '1')])).not.toBe(analyzerKey([fake('apk', '2')]));
    expect(analyzerKey([])).toBe('');
  });
});
