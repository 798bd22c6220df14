/**
 * `os-release` analyzer: the OS identity from `/etc/os-release` or `/usr/lib/os-release`
 * (freedesktop.org os-release(5)). The file is shell-style `KEY=value` lines; values may be quoted
 * with `"` or `'` and use backslash escapes inside double quotes. Nothing is executed.
 */
import type { AnalyzerOutput, FileAnalyzer } from '../../model/analyzer.js';
import type { OsRelease } from '../../model/components.js';

export const OS_RELEASE_PATHS: readonly string[] = ['/etc/os-release', '/usr/lib/os-release'];

/** One value, unquoted the way a POSIX shell would (the subset os-release(5) allows). */
function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\([\\$"`])/g, '$1');
  return v.replace(/\\(.)/g, '$1');
}

export function parseOsRelease(text: string): { os?: OsRelease; fields: number } {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const l = line.replace(/\r$/, '').trim();
    if (l === '' || l.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(l);
    if (!m) continue;
    fields.set(m[1] as string, unquote(m[2] as string));
  }
  if (fields.size === 0) return { fields: 0 };
  // os-release(5): "If not set, a default of ID=linux may be used."
  const os: OsRelease = { id: (fields.get('ID') || 'linux').toLowerCase() };
  const versionId = fields.get('VERSION_ID');
  const codename = fields.get('VERSION_CODENAME');
  const pretty = fields.get('PRETTY_NAME');
  if (versionId) os.versionId = versionId;
  if (codename) os.versionCodename = codename;
  if (pretty) os.prettyName = pretty;
  return { os, fields: fields.size };
}

export const osReleaseAnalyzer = {
  type: 'os-release',
  version: '1',
  maxBytes: 64 * 1024,
  required: (path) => OS_RELEASE_PATHS.includes(path),
  analyze(path, content): AnalyzerOutput {
    const { os } = parseOsRelease(Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8'));
    if (!os) return { diagnostics: [{ code: 'os-release-empty', severity: 'warning', message: 'no KEY=value lines' }] };
    return { os };
  },
} satisfies FileAnalyzer;
