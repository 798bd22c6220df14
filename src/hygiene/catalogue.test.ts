import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import catalogueFile from '../knowledge/hygiene-catalogue.json' with { type: 'json' };
import { catalogueMarkdown, checkEntry, finding, loadCatalogue, validateCatalogue } from '../knowledge/hygiene-catalogue.js';
import { CHECK_FAMILY_TABLE } from './checks/index.js';
import { bundledRules } from './secrets/rules.js';
import { expectGoldenSection } from '../test-support/golden.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('check catalogue', () => {
  it('is valid', () => {
    expect(validateCatalogue(catalogueFile).problems).toEqual([]);
  });

  it('every check in code has a catalogue entry and every entry is implemented', () => {
    const { catalogue } = loadCatalogue();
    const implemented = CHECK_FAMILY_TABLE.flatMap((f) => f.ids().map((id) => `${f.family} ${id}`)).sort();
    const listed = catalogue.checks.map((c) => `${c.family} ${c.id}`).sort();
    expect(implemented).toEqual(listed);
  });

  it('every id literal in a check module is in that module’s id list (no unlisted checks)', () => {
    for (const f of CHECK_FAMILY_TABLE) {
      if (!f.module.endsWith('.ts')) continue;
      const source = readFileSync(path.join(here, f.module), 'utf8');
      const literals = [...new Set(source.match(/CHARTER-(?:[A-Z0-9]+-\d{3}|NPM-[A-Z]+(?:-[A-Z]+)*)/g) ?? [])].sort();
      expect(literals, f.module).toEqual([...f.ids()].sort());
    }
  });

  it('every secret rule names a secrets check, and every secrets check has a rule', () => {
    for (const r of bundledRules().rules) expect(checkEntry(r.check).family).toBe('secrets');
  });

  it.each([
    ['a duplicate id', (c: typeof catalogueFile) => c.checks.push({ ...c.checks[0]! }), /duplicate id/],
    ['a wrong prefix', (c: typeof catalogueFile) => (c.checks[0]!.family = 'compose'), /wants prefix CHARTER-CMP-/],
    [
      'a CIS control without title',
      (c: typeof catalogueFile) => delete (c.checks[0]!.controls[0] as { title?: string }).title,
      /needs its title/,
    ],
    ['an http reference', (c: typeof catalogueFile) => (c.checks[0]!.references = ['http://x.example']), /references/],
    ['an unknown severity', (c: typeof catalogueFile) => ((c.checks[0] as { severity: string }).severity = 'urgent'), /severity/],
  ])('rejects %s', (_n, mutate, message) => {
    const bad = structuredClone(catalogueFile);
    mutate(bad);
    expect(validateCatalogue(bad).problems.join('\n')).toMatch(message);
  });

  it('finding() fills metadata from the catalogue and refuses unknown ids', () => {
    const f = finding('CHARTER-K8S-004', [{ artifact: 'a.yaml', line: 3 }]);
    expect(f).toMatchObject({ kind: 'misconfiguration', id: 'CHARTER-K8S-004', severity: 'critical', aliases: [] });
    expect(f.controls).toEqual([
      { framework: 'Kubernetes Pod Security Standards (baseline)', id: 'HostPath Volumes' },
      { framework: 'CIS Docker Benchmark v1.6.0', id: '5.31', title: 'Ensure that the Docker socket is not mounted inside any containers' },
    ]);
    expect(finding('CHARTER-SEC-001', []).kind).toBe('secret');
    expect(() => finding('CHARTER-DF-999', [])).toThrow(/no catalogue entry/);
  });

  it('README lists every check (CHARTER_UPDATE_GOLDEN=1 regenerates the section)', () => {
    const begin = '<!-- checks:begin (generated from knowledge/hygiene-catalogue.json by catalogue.test.ts) -->\n';
    expectGoldenSection(path.join(here, 'README.md'), begin, '<!-- checks:end -->', `${begin}\n${catalogueMarkdown()}`);
  });
});
