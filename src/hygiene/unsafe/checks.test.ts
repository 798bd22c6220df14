import { describe, expect, it } from 'vitest';
import type { Finding } from '../../model/findings.js';
import type { Component } from '../../model/components.js';
import { MALICIOUS_NPM, deprecatedFindings, installScriptFindings, maliciousFindings, reclassifyMalicious } from './checks.js';

const npm = (name: string, version: string, extra: Partial<Component> = {}): Component => ({
  ecosystem: 'npm',
  name,
  version,
  purl: `pkg:npm/${name}@${version}`,
  path: `/app/node_modules/${name}/package.json`,
  layer: 'sha256:l2',
  ...extra,
});

describe('malicious packages (cited data)', () => {
  it.each([
    ['event-stream', '3.3.6', ['GHSA-mh6f-8j2x-4483']],
    ['event-stream', '3.3.5', []],
    ['flatmap-stream', '0.1.1', ['GHSA-mh6f-8j2x-4483']],
    ['ua-parser-js', '0.7.29', ['GHSA-pjwm-rvh2-c87w']],
    ['ua-parser-js', '0.7.30', []],
    ['lodash', '4.17.15', []],
  ])('%s@%s → %j', (name, version, ids) => {
    const fs = maliciousFindings([npm(name, version)], 'img');
    expect(fs.map((f) => f.id)).toEqual(ids);
    for (const f of fs) {
      expect(f).toMatchObject({
        kind: 'unsafe-component',
        severity: 'critical',
        locations: [{ artifact: 'img', layer: 'sha256:l2', path: `/app/node_modules/${name}/package.json` }],
      });
    }
  });

  it('only npm components are matched (a deb named like an npm package is not)', () => {
    expect(
      maliciousFindings([{ ...npm('event-stream', '3.3.6'), ecosystem: 'deb', purl: 'pkg:deb/debian/event-stream@3.3.6' }], 'img'),
    ).toEqual([]);
  });

  it('every entry cites a reviewed advisory at a commit', () => {
    for (const e of MALICIOUS_NPM) {
      expect(e.advisory).toMatch(/^GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
      expect(e.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(e.source.path).toContain(e.advisory);
      expect(e.versions.length).toBeGreaterThan(0);
    }
  });
});

describe('deprecated and install scripts', () => {
  it('reports deprecated versions with the registry message, one line', () => {
    const fs = deprecatedFindings(
      [npm('request', '2.88.2'), npm('lodash', '4.17.21')],
      new Map([['request@2.88.2', 'request has been deprecated,\n see https://github.com/request/request/issues/3142']]),
      'img',
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({
      id: 'CHARTER-NPM-DEPRECATED',
      severity: 'low',
      title: 'request@2.88.2 is deprecated: request has been deprecated, see https://github.com/request/request/issues/3142',
    });
  });

  it('reports install scripts by name', () => {
    const fs = installScriptFindings(
      [npm('esbuild', '0.19.0', { installScripts: ['postinstall'] }), npm('lodash', '4.17.21', { installScripts: [] })],
      'img',
    );
    expect(fs.map((f) => f.title)).toEqual(['esbuild@0.19.0 runs postinstall at install time']);
  });
});

describe('reclassifyMalicious', () => {
  const vuln = (id: string, aliases: string[] = [], purl = 'pkg:npm/x@1.0.0'): Finding => ({
    kind: 'vulnerability',
    id,
    aliases,
    severity: 'high',
    title: 'Malicious code in x (npm)',
    component: { ecosystem: 'npm', name: 'x', version: '1.0.0', purl },
    fixedVersion: '1.0.1',
    locations: [{ artifact: 'img' }],
  });
  it.each([
    ['MAL- id', vuln('MAL-2024-1234'), 'unsafe-component'],
    ['MAL- alias', vuln('GHSA-aaaa-bbbb-cccc', ['MAL-2024-9']), 'unsafe-component'],
    ['ordinary advisory', vuln('GHSA-aaaa-bbbb-cccc'), 'vulnerability'],
  ])('%s', (_n, f, kind) => {
    const [out] = reclassifyMalicious([f]);
    expect(out?.kind).toBe(kind);
    if (kind === 'unsafe-component') {
      expect(out?.severity).toBe('critical');
      expect(out?.fixedVersion).toBeUndefined();
    }
  });

  it('drops a vulnerability that duplicates a malicious-package finding', () => {
    const unsafe = maliciousFindings([npm('ua-parser-js', '0.7.29')], 'img');
    const dup = { ...vuln('GHSA-pjwm-rvh2-c87w', [], 'pkg:npm/ua-parser-js@0.7.29') };
    const out = reclassifyMalicious([...unsafe, dup]);
    expect(out.map((f) => f.kind)).toEqual(['unsafe-component']);
  });
});
