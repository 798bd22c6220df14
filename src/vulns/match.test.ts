import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../model/findings.js';
import type { Component } from '../model/components.js';
import { openSqliteVulnStore } from '../store/vulns/sqlite/index.js';
import type { VulnStore } from '../store/vulns/types.js';
import { importOsv } from './import.js';
import { inRange, matchComponents } from './match.js';
import type { SourceItem } from './osv-sources.js';
import { schemeFor } from './versions/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, 'test/corpus/osv');

function npm(name: string, version: string): Component {
  return { ecosystem: 'npm', name, version, purl: `pkg:npm/${name}@${version}`, path: `/app/node_modules/${name}/package.json` };
}

function deb(name: string, version: string, distro: string | undefined, source?: { name: string; version?: string }): Component {
  return {
    ecosystem: 'deb',
    name,
    version,
    purl: `pkg:deb/debian/${name}@${version}${distro ? `?distro=${distro}` : ''}`,
    ...(distro ? { distro } : {}),
    ...(source ? { sourceName: source.name, ...(source.version ? { sourceVersion: source.version } : {}) } : {}),
    path: '/var/lib/dpkg/status',
  };
}

function apk(name: string, version: string, distro: string, origin?: string): Component {
  return {
    ecosystem: 'apk',
    name,
    version,
    purl: `pkg:apk/alpine/${name}@${version}?distro=${distro}`,
    distro,
    ...(origin ? { sourceName: origin } : {}),
    path: '/lib/apk/db/installed',
  };
}

let store: VulnStore;
beforeAll(async () => {
  store = openSqliteVulnStore(':memory:');
  const r = await importOsv(
    store,
    ['npm', 'debian', 'alpine'].map((e) => path.join(corpus, e)),
  );
  expect(r.invalidCount).toBe(0);
});
afterAll(async () => {
  await store.close();
});

async function findings(components: Component[], s: VulnStore = store): Promise<Finding[]> {
  const r = await matchComponents(s, components);
  expect(r.diagnostics).toEqual([]);
  return r.findings;
}

const summary = (fs: Finding[]): [string, string, string | undefined][] => fs.map((f) => [f.component?.name ?? '', f.id, f.fixedVersion]);

describe('matchComponents on the real corpus', () => {
  // [component, expected [id, fixed version] pairs] — read off the records' ranges.
  const cases: [string, Component, [string, string | undefined][]][] = [
    [
      'lodash 4.17.15',
      npm('lodash', '4.17.15'),
      [
        ['GHSA-35jh-r3h4-6jhm', '4.17.21'],
        ['GHSA-p6mc-m468-83gw', '4.17.19'],
      ],
    ],
    [
      'lodash 4.17.11 (all three)',
      npm('lodash', '4.17.11'),
      [
        ['GHSA-35jh-r3h4-6jhm', '4.17.21'],
        ['GHSA-jf85-cpcp-j695', '4.17.12'],
        ['GHSA-p6mc-m468-83gw', '4.17.19'],
      ],
    ],
    ['lodash 4.17.19', npm('lodash', '4.17.19'), [['GHSA-35jh-r3h4-6jhm', '4.17.21']]],
    ['lodash 4.17.21 (fixed)', npm('lodash', '4.17.21'), []],
    [
      'lodash 3.6.0 (before p6mc was introduced)',
      npm('lodash', '3.6.0'),
      [
        ['GHSA-35jh-r3h4-6jhm', '4.17.21'],
        ['GHSA-jf85-cpcp-j695', '4.17.12'],
      ],
    ],
    ['lodash.template 4.5.0 (last_affected, inclusive)', npm('lodash.template', '4.5.0'), [['GHSA-35jh-r3h4-6jhm', undefined]]],
    ['lodash.template 4.5.1 (above last_affected)', npm('lodash.template', '4.5.1'), []],
    ['minimist 1.2.5', npm('minimist', '1.2.5'), [['GHSA-xvch-5gv4-984h', '1.2.6']]],
    ['minimist 1.2.6', npm('minimist', '1.2.6'), []],
    [
      'minimist 1.2.0',
      npm('minimist', '1.2.0'),
      [
        ['GHSA-vh95-rmgr-6w4m', '1.2.3'],
        ['GHSA-xvch-5gv4-984h', '1.2.6'],
      ],
    ],
    [
      'minimist 0.0.8',
      npm('minimist', '0.0.8'),
      [
        ['GHSA-vh95-rmgr-6w4m', '0.2.1'],
        ['GHSA-xvch-5gv4-984h', '0.2.4'],
      ],
    ],
    [
      'express 4.17.1',
      npm('express', '4.17.1'),
      [
        ['GHSA-qw6h-vgh9-j6wx', '4.20.0'],
        ['GHSA-rv95-896h-c2vc', '4.19.2'],
      ],
    ],
    ['express 4.19.2', npm('express', '4.19.2'), [['GHSA-qw6h-vgh9-j6wx', '4.20.0']]],
    ['express 4.20.0', npm('express', '4.20.0'), []],
    [
      'express 5.0.0-beta.1',
      npm('express', '5.0.0-beta.1'),
      [
        ['GHSA-qw6h-vgh9-j6wx', '5.0.0'],
        ['GHSA-rv95-896h-c2vc', '5.0.0-beta.3'],
      ],
    ],
    ['express 5.0.0', npm('express', '5.0.0'), []],
    ['qs 6.7.0', npm('qs', '6.7.0'), [['GHSA-hrpp-h998-j3pp', '6.7.3']]],
    ['qs 6.7.3', npm('qs', '6.7.3'), []],
    ['qs 6.2.0', npm('qs', '6.2.0'), [['GHSA-hrpp-h998-j3pp', '6.2.4']]],
    ['qs 6.11.0', npm('qs', '6.11.0'), []],
    ['jsonwebtoken 8.5.1 (withdrawn GHSA-27h2 never reported)', npm('jsonwebtoken', '8.5.1'), [['GHSA-8cf7-32gw-wr33', '9.0.0']]],
    ['jsonwebtoken 9.0.0', npm('jsonwebtoken', '9.0.0'), []],
    [
      'ws 7.4.5',
      npm('ws', '7.4.5'),
      [
        ['GHSA-3h5v-q93c-6h6q', '7.5.10'],
        ['GHSA-6fc8-4gx4-v693', '7.4.6'],
      ],
    ],
    ['ws 6.2.2', npm('ws', '6.2.2'), [['GHSA-3h5v-q93c-6h6q', '6.2.3']]],
    ['ws 8.17.1', npm('ws', '8.17.1'), []],
    ['ws 2.0.0 (before any range)', npm('ws', '2.0.0'), []],
    [
      'axios 0.21.1',
      npm('axios', '0.21.1'),
      [
        ['GHSA-cph5-m8f7-6c5x', '0.21.2'],
        ['GHSA-wf5p-g6vw-rhxx', '0.28.0'],
      ],
    ],
    ['axios 1.5.0', npm('axios', '1.5.0'), [['GHSA-wf5p-g6vw-rhxx', '1.6.0']]],
    ['axios 1.6.0', npm('axios', '1.6.0'), []],
    ['ansi-html 0.0.7 (SEMVER range)', npm('ansi-html', '0.0.7'), [['GHSA-whgm-jr23-g3j9', '0.0.8']]],
    ['body-parser 1.20.2', npm('body-parser', '1.20.2'), [['GHSA-qwcr-r2fm-qrc7', '1.20.3']]],
    [
      'libssl1.1 binary from source openssl (Debian 9)',
      deb('libssl1.1', '1.1.0l-1~deb9u5', 'debian-9', { name: 'openssl' }),
      [['DLA-3008-1', '1.1.0l-1~deb9u6']],
    ],
    ['openssl at the fixed version', deb('openssl', '1.1.0l-1~deb9u6', 'debian-9'), []],
    [
      'openssl listed only in versions[] with an odd suffix',
      deb('openssl', '1.1.0g-2+riscv64', 'debian-9'),
      [['DLA-3008-1', '1.1.0l-1~deb9u6']],
    ],
    ['libssl1.1 on Debian 12 (other release)', deb('libssl1.1', '1.1.0l-1~deb9u5', 'debian-12', { name: 'openssl' }), []],
    ['libssl1.1 without its source name', deb('libssl1.1', '1.1.0l-1~deb9u5', 'debian-9'), []],
    [
      'libxml2 binary with source version',
      deb('libxml2', '2.9.4+dfsg1-2.2+deb9u6', 'debian-9', { name: 'libxml2', version: '2.9.4+dfsg1-2.2+deb9u6' }),
      [['DLA-3012-1', '2.9.4+dfsg1-2.2+deb9u7']],
    ],
    ['libxml2 fixed', deb('libxml2', '2.9.4+dfsg1-2.2+deb9u7', 'debian-9'), []],
    ['dpkg 1.18.25', deb('dpkg', '1.18.25', 'debian-9'), [['DLA-3022-1', '1.18.26']]],
    ['dpkg 1.18.26', deb('dpkg', '1.18.26', 'debian-9'), []],
    ['tzdata 2021a-0+deb9u3', deb('tzdata', '2021a-0+deb9u3', 'debian-9'), [['DLA-3051-1', '2021a-0+deb9u4']]],
    ['tzdata 2024a-0+deb9u1', deb('tzdata', '2024a-0+deb9u1', 'debian-9'), []],
    ['nginx on Debian 7', deb('nginx', '1.2.1-2.2+wheezy2', 'debian-7'), [['DSA-3029-1', '1.2.1-2.2+wheezy3']]],
    ['musl on Alpine 3.19', apk('musl', '1.2.4_git20230717-r4', 'alpine-3.19'), [['ALPINE-CVE-2025-26519', '1.2.4_git20230717-r5']]],
    [
      'musl-utils (origin musl) on Alpine 3.19.1',
      apk('musl-utils', '1.2.4_git20230717-r4', 'alpine-3.19.1', 'musl'),
      [['ALPINE-CVE-2025-26519', '1.2.4_git20230717-r5']],
    ],
    ['musl fixed on Alpine 3.19', apk('musl', '1.2.4_git20230717-r5', 'alpine-3.19'), []],
    ['musl on Alpine 3.20', apk('musl', '1.2.5-r0', 'alpine-3.20'), [['ALPINE-CVE-2025-26519', '1.2.5-r1']]],
    ['musl before introduced', apk('musl', '0.9.12-r0', 'alpine-3.19'), []],
    ['mariadb on Alpine 3.13 (old CVE-id record)', apk('mariadb', '10.5.15-r0', 'alpine-3.13'), [['CVE-2022-27449', '10.5.16-r0']]],
  ];

  it.each(cases)('%s', async (_name, component, want) => {
    const got = await findings([component]);
    // Findings come most severe first; compare as a set ordered by id.
    expect(got.map((f) => [f.id, f.fixedVersion]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual(want);
    for (const f of got) {
      expect(f.kind).toBe('vulnerability');
      expect(f.component).toEqual({
        ecosystem: component.ecosystem,
        name: component.name,
        version: component.version,
        purl: component.purl,
      });
      expect(f.title.length).toBeGreaterThan(0);
    }
  });

  it('never reports a component as vulnerable at the fixed version it names', async () => {
    for (const [, component] of cases) {
      for (const f of await findings([component])) {
        if (f.fixedVersion === undefined) continue;
        const upgraded = component.sourceVersion
          ? { ...component, version: f.fixedVersion, sourceVersion: f.fixedVersion }
          : { ...component, version: f.fixedVersion };
        const again = await findings([upgraded]);
        expect(
          again.map((g) => g.id),
          `${component.name} ${f.fixedVersion}`,
        ).not.toContain(f.id);
      }
    }
  });

  it('reports each affected binary package of one source package', async () => {
    const got = await findings([
      deb('libssl1.1', '1.1.0l-1~deb9u1', 'debian-9', { name: 'openssl', version: '1.1.0l-1~deb9u1' }),
      deb('openssl', '1.1.0l-1~deb9u1', 'debian-9'),
      npm('lodash', '4.17.15'),
    ]);
    expect(summary(got)).toEqual([
      ['libssl1.1', 'DLA-3008-1', '1.1.0l-1~deb9u6'],
      ['openssl', 'DLA-3008-1', '1.1.0l-1~deb9u6'],
      ['lodash', 'GHSA-35jh-r3h4-6jhm', '4.17.21'],
      ['lodash', 'GHSA-p6mc-m468-83gw', '4.17.19'],
    ]);
    expect(got[0]?.remediation).toBe('upgrade source package openssl (binary libssl1.1) to 1.1.0l-1~deb9u6 or later');
    expect(got[0]?.aliases).toEqual(['CVE-2022-1292', 'DEBIAN-CVE-2022-1292']);
    expect(got[2]).toMatchObject({ aliases: ['CVE-2021-23337'], title: 'Command Injection in lodash' });
    expect(got[2]?.references).toContain('https://nvd.nist.gov/vuln/detail/CVE-2021-23337');
    expect(got[2]?.locations).toEqual([
      { artifact: '/app/node_modules/lodash/package.json', path: '/app/node_modules/lodash/package.json' },
    ]);
  });

  it('takes severity from the records', async () => {
    const [f] = await findings([npm('minimist', '1.2.5')]);
    expect(f?.severity).toBe('critical');
    const [g] = await findings([npm('jsonwebtoken', '8.5.1')]);
    expect(g?.severity).toBe('high');
  });

  it('considers every release when the component has none, and says so', async () => {
    const r = await matchComponents(store, [deb('dpkg', '1.18.25', undefined)], { artifact: 'img:1' });
    expect(summary(r.findings)).toEqual([['dpkg', 'DLA-3022-1', '1.18.26']]);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'VULN_RELEASE_UNKNOWN', severity: 'warning', file: 'img:1' })]);
    expect(r.findings[0]?.locations[0]?.artifact).toBe('img:1');
  });

  it('turns a version invalid in its scheme into a diagnostic, never a crash', async () => {
    const bad = [
      npm('lodash', 'not a version!'),
      npm('lodash', ''),
      npm('lodash', `1.${'9'.repeat(5000)}`),
      apk('musl', '💥', 'alpine-3.19'),
      deb('dpkg', ':', 'debian-9'),
    ];
    const r = await matchComponents(store, bad);
    expect(r.findings).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual([
      'VULN_BAD_VERSION',
      'VULN_BAD_VERSION',
      'VULN_BAD_VERSION',
      'VULN_BAD_VERSION',
      'VULN_BAD_VERSION',
    ]);
    expect(r.diagnostics[0]?.message).toMatch(/lodash "not a version!" is not a valid npm version/);
  });

  it('ignores ecosystems without an OSV counterpart and unknown packages', async () => {
    const r = await matchComponents(store, [
      { ecosystem: 'rpm', name: 'openssl', version: '1.0', purl: 'pkg:rpm/openssl@1.0' },
      { ecosystem: 'node-runtime', name: 'node', version: '20.0.0', purl: 'pkg:generic/node@20.0.0' },
      npm('left-pad', '1.0.0'),
    ]);
    expect(r).toEqual({ findings: [], diagnostics: [] });
  });
});

describe('alias de-duplication', () => {
  const rec = (id: string, over: Record<string, unknown>): SourceItem => ({
    file: `${id}.json`,
    text: JSON.stringify({
      id,
      modified: '2024-01-01T00:00:00Z',
      affected: [
        { package: { ecosystem: 'npm', name: 'pkg' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] },
      ],
      ...over,
    }),
  });
  const debRange = (fixed: string): unknown[] => [
    { package: { ecosystem: 'Debian:12', name: 'src' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] },
  ];
  let s: VulnStore;
  beforeAll(async () => {
    s = openSqliteVulnStore(':memory:');
    const items: SourceItem[] = [
      // One problem under three ids, linked transitively (GHSA ↔ CVE ↔ OSV), fixes differ.
      rec('GHSA-aaaa-bbbb-cccc', { aliases: ['CVE-2099-0001'], database_specific: { severity: 'HIGH' }, summary: 'the GHSA' }),
      rec('CVE-2099-0001', {
        aliases: ['OSV-2099-1'],
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      }),
      rec('OSV-2099-1', {
        affected: [
          { package: { ecosystem: 'npm', name: 'pkg' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.1.0' }] }] },
        ],
      }),
      // Another problem on the same package: stays separate.
      rec('GHSA-dddd-eeee-ffff', { aliases: ['CVE-2099-0002'], database_specific: { severity: 'LOW' } }),
      // Debian: DSA, DLA and DEBIAN-CVE records joined through their upstream CVE.
      rec('DSA-9999-1', { upstream: ['CVE-2099-0003', 'DEBIAN-CVE-2099-0003'], affected: debRange('1.0-2') }),
      rec('DEBIAN-CVE-2099-0003', { upstream: ['CVE-2099-0003'], affected: debRange('1.0-3') }),
      // Withdrawn alias partner: never joins, never reported.
      rec('GHSA-wwww-wwww-wwww', { aliases: ['CVE-2099-0002'], withdrawn: '2024-02-01T00:00:00Z' }),
      // A bad event version in a record: a diagnostic naming the advisory, the rest still works.
      rec('GHSA-bad0-bad0-bad0', {
        affected: [
          { package: { ecosystem: 'npm', name: 'pkg' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: 'banana' }] }] },
        ],
      }),
      // Range types that are not evaluated.
      rec('OSV-GIT-1', {
        affected: [{ package: { ecosystem: 'npm', name: 'pkg' }, ranges: [{ type: 'GIT', repo: 'x', events: [{ introduced: '0' }] }] }],
      }),
      // Severity given per package only (the spec's affected[].severity), plus fields nobody defined and nulls.
      rec('OSV-PKGSEV-1', {
        x_vendor: { anything: [1, 2] },
        related: null,
        affected: [
          {
            package: { ecosystem: 'npm', name: 'sev', purl: null },
            severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
            ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }], database_specific: { note: 'x' } }],
            versions: null,
          },
        ],
      }),
      // limit events.
      rec('OSV-LIMIT-1', {
        affected: [
          {
            package: { ecosystem: 'npm', name: 'lim' },
            ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit: '1.5.0' }] }],
          },
        ],
      }),
    ];
    const r = await importOsv(s, ['mem'], {
      read: async function* () {
        yield* items;
      },
    });
    expect(r.invalidCount).toBe(0);
  });
  afterAll(async () => {
    await s.close();
  });

  it('reports one finding per problem, with every other id as an alias and the highest severity', async () => {
    const r = await matchComponents(s, [npm('pkg', '1.0.0')]);
    expect(r.findings.map((f) => [f.id, f.aliases, f.fixedVersion, f.severity])).toEqual([
      ['GHSA-aaaa-bbbb-cccc', ['CVE-2099-0001', 'OSV-2099-1'], '2.1.0', 'critical'],
      ['GHSA-dddd-eeee-ffff', ['CVE-2099-0002'], '2.0.0', 'low'],
    ]);
    expect(r.findings[0]?.title).toBe('the GHSA');
    expect(r.diagnostics).toEqual([
      {
        code: 'VULN_BAD_RANGE',
        severity: 'warning',
        message: 'GHSA-bad0-bad0-bad0: range skipped: fixed "banana" is not a valid semver version',
        file: 'GHSA-bad0-bad0-bad0',
      },
    ]);
  });

  it('joins distribution advisories through upstream ids and prefers the DSA', async () => {
    const r = await matchComponents(s, [deb('bin', '1.0-1', 'debian-12', { name: 'src' })]);
    expect(r.findings.map((f) => [f.id, f.aliases, f.fixedVersion])).toEqual([
      ['DSA-9999-1', ['CVE-2099-0003', 'DEBIAN-CVE-2099-0003'], '1.0-3'],
    ]);
    // Between the two fixes only the DEBIAN-CVE one is still open: it is reported alone.
    const later = await matchComponents(s, [deb('bin', '1.0-2', 'debian-12', { name: 'src' })]);
    expect(later.findings.map((f) => [f.id, f.fixedVersion])).toEqual([['DEBIAN-CVE-2099-0003', '1.0-3']]);
  });

  it('uses package-level severity when the record has none at the top', async () => {
    const r = await matchComponents(s, [npm('sev', '1.0.0')]);
    expect(r.findings.map((f) => [f.id, f.severity, f.score, f.fixedVersion])).toEqual([['OSV-PKGSEV-1', 'critical', 9.8, '1.0.1']]);
  });

  it('applies limit events', async () => {
    const got = async (v: string): Promise<string[]> => (await matchComponents(s, [npm('lim', v)])).findings.map((f) => f.id);
    expect(await got('0.9.0')).toEqual([]);
    expect(await got('1.2.0')).toEqual(['OSV-LIMIT-1']);
    expect(await got('1.5.0')).toEqual([]);
  });
});

describe('inRange (the specification’s evaluation)', () => {
  const semver = schemeFor('SEMVER');
  if (!semver) throw new Error('no semver scheme');
  const ev = (...pairs: [string, string][]): Record<string, unknown>[] => pairs.map(([k, v]) => ({ [k]: v }));
  it.each([
    ['1.0.0', ev(['introduced', '0']), true, undefined],
    ['1.0.1', ev(['introduced', '1.0.0'], ['fixed', '1.0.2']), true, '1.0.2'],
    ['1.0.2', ev(['introduced', '1.0.0'], ['fixed', '1.0.2']), false, undefined],
    ['0.9.0', ev(['introduced', '1.0.0'], ['fixed', '1.0.2']), false, '1.0.2'],
    // Unsorted events with two intervals.
    ['3.1.0', ev(['fixed', '3.2.5'], ['introduced', '3.0.0'], ['fixed', '1.0.2'], ['introduced', '1.0.0']), true, '3.2.5'],
    ['2.0.0', ev(['fixed', '3.2.5'], ['introduced', '3.0.0'], ['fixed', '1.0.2'], ['introduced', '1.0.0']), false, '3.2.5'],
    ['2.1.214', ev(['introduced', '0'], ['last_affected', '2.1.214']), true, undefined],
    ['2.1.215', ev(['introduced', '0'], ['last_affected', '2.1.214']), false, undefined],
    ['1.0.0-rc.1', ev(['introduced', '0'], ['fixed', '1.0.0']), true, '1.0.0'],
    ['5.0.0', ev(['introduced', '1.0.0'], ['limit', '*']), true, undefined],
    ['1.0.0', ev(['introduced', '1.0.0'], ['limit', '1.0.0']), false, undefined],
    ['1.0.0', [], false, undefined],
  ] as const)('%s in %j → %s (fixed %s)', (v, events, vulnerable, fixed) => {
    expect(inRange(semver, v, events)).toEqual(fixed === undefined ? { vulnerable } : { vulnerable, fixedAbove: fixed });
  });

  it('refuses a range whose event version is not valid', () => {
    expect(inRange(semver, '1.0.0', ev(['introduced', '0'], ['fixed', 'x.y']))).toEqual({
      error: 'fixed "x.y" is not a valid semver version',
    });
  });
});

describe('matching performance', () => {
  it('matches a 1,000-component inventory well within budget', async () => {
    const names = ['lodash', 'minimist', 'express', 'qs', 'jsonwebtoken', 'ws', 'axios', 'ansi-html', 'body-parser'];
    const components: Component[] = Array.from({ length: 1000 }, (_, i) =>
      i % 10 === 0 ? npm(names[i % names.length] as string, `4.${i % 20}.${i % 7}`) : npm(`pkg-${i}`, `1.${i % 13}.0`),
    );
    components.push(deb('libssl1.1', '1.1.0l-1~deb9u1', 'debian-9', { name: 'openssl' }));
    await matchComponents(store, components); // warm up
    const t0 = performance.now();
    const r = await matchComponents(store, components);
    const ms = performance.now() - t0;
    expect(r.findings.length).toBeGreaterThan(10);
    // The target is 200 ms (bench/vulns.js measures it); the test allows a loaded CI machine.
    expect(ms).toBeLessThan(1000);
  });
});
