import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareVersions, MAX_VERSION_LENGTH, schemeFor, VERSION_SCHEMES, VersionError, type VersionEcosystem } from './index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const osvRoot = resolve(repoRoot, 'test/corpus/osv');

describe('schemeFor', () => {
  it.each([
    ['Debian', 'Debian'],
    ['Debian:12', 'Debian'],
    ['Debian:9', 'Debian'],
    ['Ubuntu', 'Ubuntu'],
    ['Ubuntu:22.04:LTS', 'Ubuntu'],
    ['Ubuntu:Pro:18.04:LTS', 'Ubuntu'],
    ['Alpine', 'Alpine'],
    ['Alpine:v3.19', 'Alpine'],
    ['npm', 'npm'],
    ['PyPI', 'PyPI'],
    ['semver', 'semver'],
    ['SEMVER', 'semver'],
  ])('%s → %s', (eco, name) => {
    expect(schemeFor(eco)?.name).toBe(name);
  });

  it.each(['', 'Go', 'Maven', 'crates.io', 'debian', 'NPM', 'pypi', ':12', 'toString', '__proto__', 'constructor'])(
    'has no scheme for %j',
    (eco) => {
      expect(schemeFor(eco)).toBeUndefined();
    },
  );

  it('orders Ubuntu like Debian', () => {
    expect(compareVersions('Ubuntu:22.04:LTS', '1.2-1ubuntu0.1', '1.2-1ubuntu0.2')).toBe(-1);
    expect(compareVersions('Ubuntu', '2.35-0ubuntu3.6', '2.35-0ubuntu3')).toBe(1);
  });

  it('throws VersionError for an ecosystem without a scheme', () => {
    expect(() => compareVersions('Go', 'v1.0.0', 'v1.0.1')).toThrow(VersionError);
  });
});

const ECOSYSTEMS = Object.keys(VERSION_SCHEMES) as VersionEcosystem[];

describe.each(ECOSYSTEMS)('%s: hostile input', (eco) => {
  const scheme = VERSION_SCHEMES[eco];
  const valid = eco === 'Debian' || eco === 'Ubuntu' ? '1.0-1' : eco === 'Alpine' ? '1.0-r1' : '1.0.0';

  it.each([
    ['empty', ''],
    ['NaN', 'NaN'],
    ['undefined', 'undefined'],
    ['NUL', '1.0.0\u0000'],
    ['newline inside', '1.0\n.0'],
    ['unicode digits', '١.٢.٣'],
    ['fullwidth digits', '１.０.０'],
    ['emoji', '1.0.0-🙂'],
    ['right-to-left override', '1.0.0\u202e'],
    ['lone surrogate', '1.0.0-\ud800'],
    ['too long', `1.${'0'.repeat(MAX_VERSION_LENGTH)}`],
    ['huge', '9'.repeat(1_000_000)],
  ])('%s is refused with a VersionError naming the version', (_label, v) => {
    expect(scheme.isValid(v)).toBe(false);
    expect(scheme.parse(v)).toBeUndefined();
    let err: unknown;
    try {
      scheme.compare(v, valid);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VersionError);
    expect((err as VersionError).version).toBe(v);
    expect((err as VersionError).scheme).toBe(scheme.name);
    expect((err as VersionError).message.length).toBeLessThan(300);
  });

  it('refuses non-strings without throwing from parse', () => {
    for (const v of [undefined, null, 1, {}, ['1.0.0']]) {
      expect(scheme.parse(v as unknown as string)).toBeUndefined();
      expect(scheme.isValid(v as unknown as string)).toBe(false);
      expect(() => scheme.compare(v as unknown as string, valid)).toThrow(VersionError);
    }
  });

  it('stays fast on adversarial strings at the length cap', () => {
    const n = MAX_VERSION_LENGTH;
    const inputs = [
      '1'.repeat(n),
      `1${'.1'.repeat((n - 1) / 2)}`,
      `1${'.1'.repeat((n - 2) / 2)}!`,
      `1.0.0-${'a'.repeat(n - 7)}!`,
      `1.0.0-${'1'.repeat(n - 7)}_`,
      `1.0.0-${'a.'.repeat((n - 8) / 2)}.`,
      `1.0${'-1'.repeat((n - 4) / 2)}@`,
      `1.0${'~'.repeat(n - 3)}`,
      `1${'_p1'.repeat(80)}x`,
      `1.0+${'a-'.repeat((n - 5) / 2)}+`,
      `1.0${'a.'.repeat((n - 3) / 2)}`,
      `${'0'.repeat(n - 1)}:`,
    ].map((s) => s.slice(0, n));
    const start = performance.now();
    for (let k = 0; k < 20; k++) {
      for (const a of inputs) {
        for (const b of inputs) {
          try {
            scheme.compare(a, b);
          } catch (e) {
            expect(e).toBeInstanceOf(VersionError);
          }
        }
      }
    }
    // 20 × 144 comparisons of 256-character strings: well under a second even on a slow CI machine.
    expect(performance.now() - start).toBeLessThan(1500);
  });
});

interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
}
interface OsvRecord {
  id: string;
  affected?: { package?: { ecosystem?: string }; ranges?: { type: string; events: OsvEvent[] }[]; versions?: string[] }[];
}

describe('versions in the OSV corpus', () => {
  const files = ['npm', 'debian', 'alpine'].flatMap((d) =>
    readdirSync(join(osvRoot, d))
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(osvRoot, d, f)),
  );

  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it('parses every range event and listed version with its ecosystem scheme', () => {
    let checked = 0;
    const failures: string[] = [];
    for (const file of files) {
      const rec = JSON.parse(readFileSync(file, 'utf8')) as OsvRecord;
      for (const aff of rec.affected ?? []) {
        const eco = aff.package?.ecosystem ?? '';
        const scheme = schemeFor(eco);
        if (!scheme) {
          failures.push(`${rec.id}: no scheme for ${eco}`);
          continue;
        }
        const versions = [
          ...(aff.ranges ?? [])
            .filter((r) => r.type === 'ECOSYSTEM' || r.type === 'SEMVER')
            .flatMap((r) => r.events.flatMap((e) => [e.introduced, e.fixed, e.last_affected])),
          ...(aff.versions ?? []),
        ].filter((v): v is string => v !== undefined);
        for (const v of versions) {
          // OSV's "introduced": "0" means "since the first version", not a version of the scheme.
          if (v === '0') continue;
          checked++;
          if (!scheme.isValid(v)) failures.push(`${rec.id}: ${eco} ${v}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('orders introduced before fixed in every range', () => {
    for (const file of files) {
      const rec = JSON.parse(readFileSync(file, 'utf8')) as OsvRecord;
      for (const aff of rec.affected ?? []) {
        const eco = aff.package?.ecosystem ?? '';
        for (const r of aff.ranges ?? []) {
          const intro = r.events.find((e) => e.introduced !== undefined)?.introduced;
          const fixed = r.events.find((e) => e.fixed !== undefined)?.fixed;
          if (intro === undefined || fixed === undefined || intro === '0') continue;
          expect(compareVersions(eco, intro, fixed), `${rec.id} ${intro} < ${fixed}`).toBe(-1);
        }
      }
    }
  });
});
