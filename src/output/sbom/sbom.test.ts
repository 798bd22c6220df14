import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../model/findings.js';
import type { Component } from '../../model/components.js';
import {
  cdxLicenses,
  declaredLicense,
  normalizeSpdxExpression,
  spdxIdFor,
  toCycloneDx,
  toSpdx,
  type SbomInput,
  type SbomOptions,
} from './index.js';
import { expectGolden } from '../../test-support/golden.js';

const here = dirname(fileURLToPath(import.meta.url));
const schemaDir = resolve(here, 'schemas');
const fixtures = resolve(here, 'fixtures');
const readJson = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

/** CycloneDX 1.5 as published, with its two referenced schemas under the names the bom schema uses. */
function cycloneDxValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({
    ...readJson(resolve(schemaDir, 'spdx.SNAPSHOT.schema.json')),
    $id: 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json',
  });
  ajv.addSchema({
    ...readJson(resolve(schemaDir, 'jsf-0.82.SNAPSHOT.schema.json')),
    $id: 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json',
  });
  return ajv.compile(readJson(resolve(schemaDir, 'bom-1.5.SNAPSHOT.schema.json')));
}

function spdxValidator(): ValidateFunction {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv as unknown as Ajv);
  const schema = readJson(resolve(schemaDir, 'spdx-2.3.schema.json'));
  // The published `$schema` ends in `#`; Ajv knows the 2019-09 meta-schema without it.
  return ajv.compile({ ...schema, $schema: 'https://json-schema.org/draft/2019-09/schema' });
}

const validateCdx = cycloneDxValidator();
const validateSpdx = spdxValidator();

const OPTS: SbomOptions = {
  serialNumber: '3E671687-395B-41F5-A30F-A58921A69B79',
  timestamp: '2024-05-06T07:08:09.123Z',
  toolVersion: '0.1.0',
};
const LAYER1 = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const LAYER2 = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';

const COMPONENTS: (Component & { dev?: boolean })[] = [
  {
    ecosystem: 'deb',
    name: 'libssl3',
    version: '3.0.11-1~deb12u2',
    purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12',
    sourceName: 'openssl',
    sourceVersion: '3.0.11-1~deb12u2',
    distro: 'debian-12',
    arch: 'amd64',
    layer: LAYER1,
    path: '/var/lib/dpkg/status',
  },
  {
    ecosystem: 'npm',
    name: '@babel/core',
    version: '7.24.0',
    purl: 'pkg:npm/%40babel/core@7.24.0',
    licenses: ['MIT'],
    layer: LAYER2,
    path: '/app/node_modules/@babel/core/package.json',
  },
  // The same package twice: bom-refs and SPDX ids must still be unique.
  {
    ecosystem: 'npm',
    name: 'lodash',
    version: '4.17.20',
    purl: 'pkg:npm/lodash@4.17.20',
    licenses: ['MIT'],
    layer: LAYER2,
    path: '/app/node_modules/lodash/package.json',
  },
  {
    ecosystem: 'npm',
    name: 'lodash',
    version: '4.17.20',
    purl: 'pkg:npm/lodash@4.17.20',
    licenses: ['MIT'],
    layer: LAYER2,
    path: '/app/node_modules/x/node_modules/lodash/package.json',
  },
  {
    ecosystem: 'npm',
    name: 'esbuild',
    version: '0.20.0',
    purl: 'pkg:npm/esbuild@0.20.0',
    licenses: ['(MIT OR Apache-2.0)'],
    layer: LAYER2,
    path: '/app/node_modules/esbuild/package.json',
    installScripts: ['postinstall'],
  },
  {
    ecosystem: 'npm',
    name: 'left-pad',
    version: '1.3.0',
    purl: 'pkg:npm/left-pad@1.3.0',
    licenses: ['SEE LICENSE IN LICENSE.md'],
    layer: LAYER2,
    path: '/app/package-lock.json',
    dev: true,
  },
  {
    ecosystem: 'pypi',
    name: 'PyYAML',
    version: '6.0',
    purl: 'pkg:pypi/pyyaml@6.0',
    licenses: ['MIT', 'Apache Software License'],
    layer: LAYER1,
    path: '/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA',
  },
  {
    ecosystem: 'node-runtime',
    name: 'node',
    version: '20.11.1',
    purl: 'pkg:generic/node@20.11.1',
    layer: LAYER1,
    path: '/usr/local/bin/node',
  },
];

const FINDINGS: Finding[] = [
  {
    kind: 'vulnerability',
    id: 'GHSA-29mw-wpgm-hmr9',
    aliases: ['CVE-2020-28500'],
    severity: 'medium',
    score: 5.3,
    title: 'Regular Expression Denial of Service (ReDoS) in lodash',
    component: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', purl: 'pkg:npm/lodash@4.17.20' },
    fixedVersion: '4.17.21',
    references: ['https://github.com/lodash/lodash/pull/5065'],
    locations: [{ artifact: 'shop:1', layer: LAYER2, path: '/app/node_modules/x/node_modules/lodash/package.json' }],
  },
  {
    kind: 'vulnerability',
    id: 'DSA-5532-1',
    aliases: ['CVE-2023-5363'],
    severity: 'high',
    title: 'openssl security update',
    component: {
      ecosystem: 'deb',
      name: 'openssl',
      version: '3.0.11-1~deb12u2',
      purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12',
    },
    fixedVersion: '3.0.11-1~deb12u3',
    locations: [{ artifact: 'shop:1' }],
  },
  // Not a vulnerability: left out of the SBOM.
  { kind: 'secret', id: 'CHARTER-SECRET-001', aliases: [], severity: 'high', title: 'AWS key', locations: [{ artifact: 'shop:1' }] },
];

const INPUT: SbomInput = {
  target: 'registry.example.com/shop/api:1.2',
  image: { ref: 'registry.example.com/shop/api:1.2', digest: 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
  components: COMPONENTS,
  findings: FINDINGS,
};

function golden(name: string, doc: unknown): void {
  const path = resolve(fixtures, name);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  expectGolden(path, text);
}

const errorsOf = (v: ValidateFunction): string => JSON.stringify(v.errors?.slice(0, 5), null, 1);

describe('CycloneDX 1.5', () => {
  const bom = toCycloneDx(INPUT, OPTS);

  it('validates against the official schema', () => {
    expect(validateCdx(bom), errorsOf(validateCdx)).toBe(true);
  });

  it('matches the golden file', () => golden('golden.cdx.json', bom));

  it('the validator is not vacuous', () => {
    expect(validateCdx({ ...bom, specVersion: 1.5 })).toBe(false);
    expect(validateCdx({ ...bom, serialNumber: 'not-a-uuid' })).toBe(false);
    expect(validateCdx({ ...bom, components: [{ type: 'library', name: 'x', licenses: [{ license: { id: 'Not-A-License' } }] }] })).toBe(
      false,
    );
  });

  it('is deterministic and independent of input order', () => {
    const shuffled = { ...INPUT, components: [...COMPONENTS].reverse(), findings: [...FINDINGS].reverse() };
    expect(JSON.stringify(toCycloneDx(shuffled, OPTS))).toBe(JSON.stringify(bom));
  });

  it('bom-refs are unique and every affects ref resolves', () => {
    const comps = bom['components'] as { 'bom-ref': string }[];
    const refs = comps.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    for (const v of bom['vulnerabilities'] as { affects?: { ref: string }[] }[])
      for (const a of v.affects ?? []) expect(refs).toContain(a.ref);
    // The lodash finding names the nested copy only.
    const lodash = (bom['vulnerabilities'] as { id: string; affects: { ref: string }[] }[]).find((v) => v.id === 'GHSA-29mw-wpgm-hmr9');
    expect(lodash?.affects).toEqual([{ ref: 'pkg:npm/lodash@4.17.20|/app/node_modules/x/node_modules/lodash/package.json' }]);
  });

  it('an application directory (no image), no findings, no components', () => {
    const doc = toCycloneDx({ target: 'examples/shop', components: [] }, OPTS);
    expect(validateCdx(doc), errorsOf(validateCdx)).toBe(true);
    expect(doc['vulnerabilities']).toBeUndefined();
    expect((doc['metadata'] as { component: { type: string } }).component.type).toBe('application');
  });

  it('rejects a malformed injected identity', () => {
    expect(() => toCycloneDx(INPUT, { ...OPTS, serialNumber: 'x' })).toThrow(/UUID/);
    expect(() => toCycloneDx(INPUT, { ...OPTS, timestamp: '2024-05-06 07:08' })).toThrow(/ISO 8601/);
  });

  it.each([
    [['MIT'], [{ license: { id: 'MIT' } }]],
    [['mit'], [{ license: { id: 'MIT' } }]],
    [['MIT OR Apache-2.0'], [{ expression: 'MIT OR Apache-2.0' }]],
    [['GPL-2.0-only WITH Classpath-exception-2.0'], [{ expression: 'GPL-2.0-only WITH Classpath-exception-2.0' }]],
    [
      ['MIT', 'ISC'],
      [{ license: { id: 'MIT' } }, { license: { id: 'ISC' } }],
    ],
    [
      ['MIT', 'MIT OR ISC'],
      [{ license: { id: 'MIT' } }, { license: { name: 'MIT OR ISC' } }],
    ],
    [['LicenseRef-acme'], [{ expression: 'LicenseRef-acme' }]],
    [['SEE LICENSE IN x'], [{ license: { name: 'SEE LICENSE IN x' } }]],
  ])('licenses %j', (licenses, want) => {
    expect(cdxLicenses(licenses)).toEqual(want);
    const doc = toCycloneDx(
      { target: 't', components: [{ ecosystem: 'npm', name: 'a', version: '1', purl: 'pkg:npm/a@1', licenses }] },
      OPTS,
    );
    expect(validateCdx(doc), errorsOf(validateCdx)).toBe(true);
  });

  it('hostile component strings still give a valid document', () => {
    const nasty: Component = {
      ecosystem: 'npm',
      name: '__proto__"\u0000<x>',
      version: '1\n2',
      purl: 'pkg:npm/%5F%5Fproto%5F%5F@1',
      licenses: ['(', 'MIT AND', ')))'],
      path: '/a b/ü',
    };
    const doc = toCycloneDx({ target: 't', components: [nasty, nasty] }, OPTS);
    expect(validateCdx(doc), errorsOf(validateCdx)).toBe(true);
    expect((doc['components'] as unknown[]).length).toBe(1);
    expect(validateSpdx(toSpdx({ target: 't', components: [nasty] }, OPTS)), errorsOf(validateSpdx)).toBe(true);
  });
});

describe('SPDX 2.3', () => {
  const doc = toSpdx(INPUT, OPTS);

  it('validates against the official schema', () => {
    expect(validateSpdx(doc), errorsOf(validateSpdx)).toBe(true);
  });

  it('matches the golden file', () => golden('golden.spdx.json', doc));

  it('the validator is not vacuous', () => {
    expect(validateSpdx({ ...doc, packages: [{ SPDXID: 'SPDXRef-x', name: 'x' }] })).toBe(false);
    expect(validateSpdx({ ...doc, extra: 1 })).toBe(false);
  });

  it('SPDX ids are unique, well-formed and every relationship resolves', () => {
    const ids = (doc['packages'] as { SPDXID: string }[]).map((p) => p.SPDXID);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[a-zA-Z0-9.-]+$/);
    const known = new Set([...ids, 'SPDXRef-DOCUMENT']);
    for (const r of doc['relationships'] as { spdxElementId: string; relatedSpdxElement: string }[]) {
      expect(known.has(r.spdxElementId) && known.has(r.relatedSpdxElement)).toBe(true);
    }
    expect((doc['relationships'] as unknown[]).length).toBe(ids.length);
  });

  it('created is whole seconds in UTC, the namespace is unique per serial number', () => {
    expect((doc['creationInfo'] as { created: string }).created).toBe('2024-05-06T07:08:09Z');
    expect(doc['documentNamespace']).toBe(
      'https://spdx.org/spdxdocs/charter-registry.example.com-shop-api-1.2-3e671687-395b-41f5-a30f-a58921a69b79',
    );
    expect(toSpdx(INPUT, { ...OPTS, serialNumber: '00000000-0000-4000-8000-000000000000' })['documentNamespace']).not.toBe(
      doc['documentNamespace'],
    );
  });

  it.each([
    [undefined, 'NOASSERTION'],
    [['MIT'], 'MIT'],
    [['(MIT OR Apache-2.0)'], '(MIT OR Apache-2.0)'],
    [['mit or apache-2.0'], 'MIT OR Apache-2.0'],
    [['MIT', 'ISC OR 0BSD'], 'MIT AND (ISC OR 0BSD)'],
    [['MIT', 'Apache Software License'], 'NOASSERTION'],
    [['GPL-2.0+'], 'GPL-2.0+'],
    [['LicenseRef-x'], 'LicenseRef-x'],
    [['MIT WITH MIT-nope'], 'NOASSERTION'],
    [['((MIT)'], 'NOASSERTION'],
    [['MIT AND'], 'NOASSERTION'],
    [['And MIT'], 'NOASSERTION'],
  ])('declared license %j → %s', (licenses, want) => {
    expect(declaredLicense(licenses)).toBe(want);
  });

  it.each([
    [['Package', 'npm', '@babel/core', '7.24.0'], 'SPDXRef-Package-npm-babel-core-7.24.0'],
    [['Package', 'deb', 'libssl3', '3.0.11-1~deb12u2'], 'SPDXRef-Package-deb-libssl3-3.0.11-1-deb12u2'],
    [['???'], 'SPDXRef-Package'],
  ])('spdx id %j → %s', (parts, want) => {
    expect(spdxIdFor(...parts)).toBe(want);
  });
});

describe('SPDX expressions', () => {
  it('deep nesting and long input are refused, not crashed on', () => {
    expect(normalizeSpdxExpression(`${'('.repeat(100)}MIT${')'.repeat(100)}`)).toBeUndefined();
    expect(normalizeSpdxExpression('MIT OR '.repeat(1000) + 'MIT')).toBeUndefined();
  });
});
