import { existsSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeNodeBinary, findNodeVersions, nodeBinaryAnalyzer } from './node-binary.js';

const ELF = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0];

/** A fake ELF with the byte patterns real builds carry (see the README for where they come from). */
function fakeElf(...strings: string[]): Uint8Array {
  const parts: number[] = [...ELF, ...new Array<number>(512).fill(0)];
  for (const s of strings) parts.push(...Buffer.from(s, 'latin1'), 0, 0x90, 0x90, 0);
  return Uint8Array.from(parts);
}

// As found in Debian bookworm's libnode.so.108 and the official v20 executable.
const INSPECTOR = (v: string): string => `/json\0node.js/v${v}\0(delegate_) != nullptr`;
const RELEASE = (v: string): string =>
  `Hydrogen\0https://nodejs.org/download/release/v${v}/node-v${v}.tar.gz\0https://nodejs.org/download/release/v${v}/node-v${v}-headers.tar.gz`;

describe('node-binary required()', () => {
  const FILE = { size: 100_000, mode: 0o100755 };
  it.each([
    ['/usr/bin/node', true],
    ['/usr/local/bin/node', true],
    ['/usr/bin/nodejs', true],
    ['/opt/node-v20/bin/node', true],
    ['/usr/lib/x86_64-linux-gnu/libnode.so.108', true],
    ['/usr/lib/libnode.so', true],
    ['/usr/bin/node-gyp', false],
    ['/app/node', false],
    ['/usr/lib/node_modules/npm/bin/npm', false],
    ['/usr/lib/x86_64-linux-gnu/libnode.so.108.debug', false],
  ])('%s → %s', (path, want) => {
    expect(nodeBinaryAnalyzer.required(path, FILE)).toBe(want);
  });
  it('tiny files and symlinks are not read', () => {
    expect(nodeBinaryAnalyzer.required('/usr/bin/node', { size: 100, mode: 0o100755 })).toBe(false);
    expect(nodeBinaryAnalyzer.required('/usr/bin/nodejs', { size: 4096, mode: 0o120777 })).toBe(false);
  });
});

describe('node version from bytes', () => {
  it.each([
    ['inspector string', [INSPECTOR('22.9.0')], ['22.9.0']],
    ['release URLs only', [RELEASE('18.20.4')], ['18.20.4']],
    ['both', [INSPECTOR('20.20.2'), RELEASE('20.20.2')], ['20.20.2']],
    ['pre-release', [RELEASE('21.0.0-rc.1'), INSPECTOR('21.0.0-rc.1')], ['21.0.0-rc.1']],
    ['nothing', ['v4.0.0 v6.0.0 random text'], []],
    ['needle at the very end', ['node.js/v'], []],
    ['truncated version', ['node.js/v20.'], []],
  ])('%s', (_label, strings, want) => {
    expect(findNodeVersions(fakeElf(...strings))).toEqual(want);
  });

  it('component shape', () => {
    expect(analyzeNodeBinary('/usr/local/bin/node', fakeElf(INSPECTOR('20.11.1')), 'sha256:l')).toEqual({
      components: [
        {
          ecosystem: 'node-runtime',
          name: 'node',
          version: '20.11.1',
          purl: 'pkg:generic/node@20.11.1',
          layer: 'sha256:l',
          path: '/usr/local/bin/node',
        },
      ],
    });
  });

  it.each([
    ['a shell wrapper', Buffer.from('#!/bin/sh\nexec /opt/node/bin/node "$@"\n'), 'node-binary-not-elf'],
    ['empty', new Uint8Array(0), 'node-binary-not-elf'],
    ['a launcher without the version (Debian /usr/bin/node)', fakeElf('libnode.so.108\0GLIBC_2.2.5'), 'node-binary-no-version'],
  ])('%s → diagnostic, no component', (_label, content, code) => {
    const out = analyzeNodeBinary('/usr/bin/node', content, 'l');
    expect(out.components).toBeUndefined();
    expect(out.diagnostics?.[0]?.code).toBe(code);
  });

  it('conflicting strings: the most frequent wins, with a note', () => {
    const out = analyzeNodeBinary('/usr/bin/node', fakeElf(INSPECTOR('20.1.0'), RELEASE('20.1.0'), INSPECTOR('99.0.0')), 'l');
    expect(out.components?.[0]?.version).toBe('20.1.0');
    expect(out.diagnostics?.[0]?.code).toBe('node-binary-several-versions');
  });

  it('a file stuffed with needles stays bounded', () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 'node.js/v1.2.3 ');
    body.set(ELF, 0);
    const t0 = performance.now();
    expect(findNodeVersions(body)).toEqual(['1.2.3']);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  // The executable this test runs under: an official build, so it must report its own version.
  const self = process.execPath;
  it.runIf(existsSync(self) && statSync(self).size <= nodeBinaryAnalyzer.maxBytes && /\/bin\/node$/.test(self))(
    'reads the running node executable',
    () => {
      const out = analyzeNodeBinary(self, readFileSync(self), 'l');
      // Distribution builds linked against libnode carry no version in the executable.
      if (out.components) expect(out.components[0]?.version).toBe(process.version.slice(1));
      else expect(out.diagnostics?.[0]?.code).toBe('node-binary-no-version');
    },
  );
});
