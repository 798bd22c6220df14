/**
 * `node-binary` analyzer: the Node.js runtime's own version, read from the bytes of the `node`
 * executable (`…/bin/node`, `…/bin/nodejs`) or of `libnode.so.N`.
 *
 * Where the version is: Node.js compiles `NODE_VERSION` ("v20.20.2") into string constants:
 * the inspector's `/json/version` answer (`"Browser": "node.js/v20.20.2"`) and, in release
 * builds, `process.release.sourceUrl`/`headersUrl` (`…/release/v20.20.2/node-v20.20.2.tar.gz`).
 * Official builds are one ~100 MB static executable holding both. Debian's `nodejs` package has a
 * 26 KB `/usr/bin/node` linked against `libnode.so.108` (47 MB), which holds the strings
 * instead, so the library is read too; the small executable yields no version and no component.
 *
 * The component is `pkg:generic/node@<version>` (as Syft reports it; purl has no type for the
 * Node.js runtime and OSV no ecosystem for its advisories).
 */
import type { AnalyzerOutput, FileAnalyzer } from '../../model/analyzer.js';
import { buildPurl } from '../purl.js';
import type { Component } from '../../model/components.js';
import { isRegularOrUnknown } from './common.js';

const EXECUTABLE = /\/bin\/(node|nodejs)$/;
const LIBNODE = /\/libnode\.so(\.\d+)*$/;

export function isNodeRuntimeFile(path: string): boolean {
  return EXECUTABLE.test(path) || LIBNODE.test(path);
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
/** Needles followed by the version without its `v`; the first is what Syft matches on too. */
const NEEDLES = [Buffer.from('node.js/v', 'latin1'), Buffer.from('/node-v', 'latin1')];
/** semver with an optional pre-release (`21.0.0-rc.1`, `20.0.0-pre`). */
const VERSION = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})(-[0-9A-Za-z.]{1,32})?/;
/** Occurrences looked at per needle: a handful are real, thousands mean a crafted file. */
const MAX_HITS = 64;

/**
 * Versions found after the needles, most frequent first. `Buffer.indexOf` is a native search, so
 * even the 100 MB official executable is scanned in tens of milliseconds.
 */
export function findNodeVersions(bytes: Uint8Array): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = new Map<string, number>();
  for (const needle of NEEDLES) {
    let hits = 0;
    for (let i = buf.indexOf(needle); i >= 0 && hits < MAX_HITS; i = buf.indexOf(needle, i + needle.length)) {
      hits++;
      const after = buf.toString('latin1', i + needle.length, Math.min(buf.length, i + needle.length + 48));
      const m = VERSION.exec(after);
      if (!m) continue;
      // `/node-v21.0.0-rc.1-headers.tar.gz`: the pre-release pattern must not swallow the file suffix.
      const v = m[0].replace(/(-headers)?(\.tar(\.[a-z0-9]+)?)?$/, '');
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
}

export function analyzeNodeBinary(path: string, content: Uint8Array, layer: string): AnalyzerOutput {
  if (content.length < 4 || ELF_MAGIC.some((b, i) => content[i] !== b)) {
    // `bin/node` as a shell wrapper (nvm shims, version managers): not the runtime itself.
    return {
      diagnostics: [{ code: 'node-binary-not-elf', severity: 'info', message: `${path}: not an ELF file; no Node.js version read` }],
    };
  }
  const versions = findNodeVersions(content);
  const version = versions[0];
  if (version === undefined) {
    return {
      diagnostics: [
        {
          code: 'node-binary-no-version',
          severity: 'info',
          message: `${path}: no Node.js version string inside (a launcher linked against libnode keeps it in the library)`,
        },
      ],
    };
  }
  const c: Component = {
    ecosystem: 'node-runtime',
    name: 'node',
    version,
    purl: buildPurl({ type: 'generic', name: 'node', version }),
    layer,
    path,
  };
  const diagnostics: NonNullable<AnalyzerOutput['diagnostics']> =
    versions.length > 1
      ? [
          {
            code: 'node-binary-several-versions',
            severity: 'info',
            message: `${path}: several version strings (${versions.slice(0, 4).join(', ')}); reported ${version}, the most frequent`,
          },
        ]
      : [];
  return { components: [c], ...(diagnostics.length > 0 ? { diagnostics } : {}) };
}

export const nodeBinaryAnalyzer = {
  type: 'node-binary',
  version: '1',
  // Official node executables are ~100 MB (98.9 MB for v20.20.2 on x64) and the strings sit in
  // the middle (offset ~36 MB), so a head-only read cannot find them: the whole file is read.
  maxBytes: 128 * 1024 * 1024,
  required: (path, info) => isRegularOrUnknown(info.mode) && info.size >= 1024 && isNodeRuntimeFile(path),
  analyze: analyzeNodeBinary,
} satisfies FileAnalyzer;
