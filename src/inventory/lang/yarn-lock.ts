/**
 * `yarn.lock` in Yarn 1's own text format (`# yarn lockfile v1`): one block per resolved package,
 * a header line listing the requested specifiers (`"a@^1", a@~1.2:`) and an indented
 * `version "1.2.3"` line. Berry lockfiles (YAML with `__metadata`) are reported, not read.
 */
import type { AnalyzerOutput } from '../../model/analyzer.js';
import { POISON_KEYS, plausibleVersion, textOf, type Diagnostic } from './common.js';
import { npmPurl, validNpmName } from './npm-package.js';
import type { LockComponent } from './npm-lock.js';

export function isYarnLock(path: string): boolean {
  return (path === 'yarn.lock' || path.endsWith('/yarn.lock')) && !path.includes('/node_modules/');
}

/**
 * Package name of one specifier: `lodash@^4`, `@babel/core@^7`, an alias `foo@npm:bar@^1` (the
 * real package is `bar`); undefined for `file:`/`link:`/git/workspace specifiers.
 */
export function nameOfSpecifier(spec: string): string | undefined {
  const s = spec.trim().replace(/^"|"$/g, '');
  const at = s.indexOf('@', s.startsWith('@') ? 1 : 0);
  if (at <= 0) return undefined;
  const name = s.slice(0, at);
  const range = s.slice(at + 1);
  if (range.startsWith('npm:')) return nameOfSpecifier(range.slice(4));
  if (/^(file|link|portal|workspace|git\+?[a-z]*|github|https?|patch):/.test(range)) return undefined;
  return name;
}

export function analyzeYarnLock(path: string, content: Uint8Array, layer: string): AnalyzerOutput {
  const text = textOf(content);
  if (/^__metadata:/m.test(text)) {
    return {
      diagnostics: [
        { code: 'yarn-berry-unsupported', severity: 'info', message: `${path}: Yarn 2+ (berry) lockfile; only Yarn 1 lockfiles are read` },
      ],
    };
  }
  const components = new Map<string, LockComponent>();
  const diagnostics: Diagnostic[] = [];
  const lines = text.split('\n');
  let names: string[] = [];
  let skipped = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      // A block header: `spec, spec:`.
      names = [];
      if (!line.endsWith(':')) {
        if (diagnostics.length < 20)
          diagnostics.push({ code: 'yarn-bad-line', severity: 'warning', message: `${path}:${i + 1}: not a yarn.lock block header` });
        continue;
      }
      for (const spec of line.slice(0, -1).split(',')) {
        const n = nameOfSpecifier(spec);
        if (n !== undefined && !names.includes(n)) names.push(n);
      }
      continue;
    }
    const m = /^ {2}version:? "?([^"\s]+)"?\s*$/.exec(line);
    if (!m) continue;
    const version = m[1] as string;
    if (names.length === 0) {
      skipped++;
      continue;
    }
    for (const name of names) {
      if (POISON_KEYS.has(name) || !validNpmName(name) || !plausibleVersion(version) || !/^\d/.test(version)) {
        skipped++;
        continue;
      }
      const key = `${name}@${version}`;
      if (!components.has(key)) components.set(key, { ecosystem: 'npm', name, version, purl: npmPurl(name, version), layer, path });
    }
    names = [];
  }
  if (skipped > 0)
    diagnostics.push({
      code: 'yarn-skipped',
      severity: 'info',
      message: `${path}: ${skipped} entr${skipped === 1 ? 'y' : 'ies'} without a registry name and version were skipped`,
    });
  const list = [...components.values()];
  return { ...(list.length > 0 ? { components: list } : {}), ...(diagnostics.length > 0 ? { diagnostics } : {}) };
}
