/**
 * `dpkg` analyzer: installed Debian/Ubuntu packages from `/var/lib/dpkg/status` and the
 * per-package files distroless images keep in `/var/lib/dpkg/status.d/` (no Status field there:
 * every stanza is installed). Fields: Package, Version, Architecture, Source (`name` or
 * `name (version)` when the source version differs), Status (`want ok installed` only).
 */
import type { AnalyzerOutput, FileAnalyzer } from '../../model/analyzer.js';
import type { Component } from '../../model/components.js';
import { parseStanzas, textOf } from './control.js';
import { osPurl } from './distro.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const DPKG_STATUS_D = '/var/lib/dpkg/status.d/';

export function isDpkgDatabase(path: string): boolean {
  if (path === DPKG_STATUS) return true;
  if (!path.startsWith(DPKG_STATUS_D)) return false;
  const base = path.slice(DPKG_STATUS_D.length);
  // status.d also holds `<pkg>.md5sums` lists, which are not package records.
  return base !== '' && !base.includes('/') && !base.endsWith('.md5sums');
}

/** `openssl (3.0.11-1~deb12u2)` → name + version; `glibc` → name only. */
export function parseSource(field: string): { name: string; version?: string } | undefined {
  const m = /^(\S+)(?:\s+\(([^)\s]+)\))?\s*$/.exec(field);
  if (!m) return undefined;
  return m[2] ? { name: m[1] as string, version: m[2] } : { name: m[1] as string };
}

export function parseDpkg(path: string, text: string, layer: string): AnalyzerOutput {
  const { stanzas, bad } = parseStanzas(text, ':', true);
  const components: Component[] = [];
  const diagnostics: NonNullable<AnalyzerOutput['diagnostics']> = [];
  let incomplete = 0;
  let firstIncomplete = 0;
  for (const { line, fields } of stanzas) {
    const name = fields.get('package');
    const version = fields.get('version');
    const status = fields.get('status');
    // `install ok installed`, `hold ok installed`; not config-files, half-installed, not-installed …
    if (status !== undefined && status.split(/\s+/)[2] !== 'installed') continue;
    if (!name || !version) {
      if (incomplete++ === 0) firstIncomplete = line;
      continue;
    }
    const arch = fields.get('architecture');
    const src = fields.get('source');
    const source = src ? parseSource(src) : undefined;
    if (src && !source)
      diagnostics.push({
        code: 'dpkg-bad-source',
        severity: 'info',
        message: `line ${line}: Source ${JSON.stringify(src)} is not "name" or "name (version)"`,
      });
    const c: Component = {
      ecosystem: 'deb',
      name,
      version,
      purl: '',
      // Advisories are filed against the source package; without a Source field it is the package itself.
      sourceName: source?.name ?? name,
      sourceVersion: source?.version ?? version,
      ...(arch ? { arch } : {}),
      layer,
      path,
    };
    c.purl = osPurl(c);
    components.push(c);
  }
  if (incomplete > 0) {
    diagnostics.push({
      code: 'dpkg-incomplete-stanza',
      severity: 'warning',
      message: `line ${firstIncomplete}: ${incomplete} installed stanza(s) without Package or Version were skipped`,
    });
  }
  if (bad.length > 0) {
    const [line, l] = bad[0] as [number, string];
    diagnostics.push({
      code: 'dpkg-bad-line',
      severity: 'warning',
      message: `line ${line}: not a "Field: value" line: ${JSON.stringify(l)}`,
    });
  }
  return { components, ...(diagnostics.length > 0 ? { diagnostics } : {}) };
}

export const dpkgAnalyzer = {
  type: 'dpkg',
  version: '1',
  maxBytes: 64 * 1024 * 1024,
  required: (path) => isDpkgDatabase(path),
  analyze: (path, content, layer) => parseDpkg(path, textOf(content), layer),
} satisfies FileAnalyzer;
