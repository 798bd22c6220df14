import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UPDATE_GOLDEN_FLAG, expectGolden, expectGoldenDir, expectGoldenSection } from './golden.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'charter-golden-'));
  vi.stubEnv(UPDATE_GOLDEN_FLAG, '');
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('golden files', () => {
  it('fails when the golden file is missing, and writes nothing', () => {
    const file = path.join(dir, 'out.json');
    expect(() => expectGolden(file, '{}\n')).toThrow(/is missing: run the test with CHARTER_UPDATE_GOLDEN=1/);
    expect(() => readFileSync(file)).toThrow();
  });

  it('fails when the output differs', () => {
    const file = path.join(dir, 'out.json');
    writeFileSync(file, 'old\n');
    expect(() => expectGolden(file, 'new\n')).toThrow(/differs from its golden file/);
    expectGolden(file, 'old\n');
  });

  it('writes only with the flag', () => {
    vi.stubEnv(UPDATE_GOLDEN_FLAG, '1');
    const file = path.join(dir, 'sub', 'out.json');
    expectGolden(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
  });

  it('fails on a missing folder and on an extra or missing file in one', () => {
    const sub = path.join(dir, 'emitter');
    expect(() => expectGoldenDir(sub, [{ name: 'a', content: '1' }])).toThrow(/is missing/);
    vi.stubEnv(UPDATE_GOLDEN_FLAG, '1');
    expectGoldenDir(sub, [{ name: 'a', content: '1' }]);
    vi.stubEnv(UPDATE_GOLDEN_FLAG, '');
    expectGoldenDir(sub, [{ name: 'a', content: '1' }]);
    expect(() =>
      expectGoldenDir(sub, [
        { name: 'a', content: '1' },
        { name: 'b', content: '2' },
      ]),
    ).toThrow();
  });

  it('checks and rewrites a generated section between markers', () => {
    const file = path.join(dir, 'README.md');
    writeFileSync(file, 'intro\n<!-- begin -->\nold\n<!-- end -->\nrest\n');
    expect(() => expectGoldenSection(file, '<!-- begin -->\n', '<!-- end -->', '<!-- begin -->\nnew\n')).toThrow(/stale/);
    vi.stubEnv(UPDATE_GOLDEN_FLAG, '1');
    expectGoldenSection(file, '<!-- begin -->\n', '<!-- end -->', '<!-- begin -->\nnew\n');
    expect(readFileSync(file, 'utf8')).toBe('intro\n<!-- begin -->\nnew\n<!-- end -->\nrest\n');
  });
});
