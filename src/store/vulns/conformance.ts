/**
 * The conformance suite every VulnStore implementation passes (SQLite now, a server database
 * later): call `runVulnStoreConformance(() => openMyStore())` from the implementation's test.
 * Test-only: it imports vitest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AdvisoryRow, VulnStore } from './types.js';

/** Makes a fresh, empty store per test. */
export type StoreFactory = () => Promise<VulnStore> | VulnStore;

export function advisory(id: string, over: Partial<AdvisoryRow> = {}): AdvisoryRow {
  const modified = over.modified ?? '2024-01-01T00:00:00Z';
  return {
    id,
    modified,
    modifiedKey: over.modifiedKey ?? `${modified.slice(0, 19)}.000000000Z`,
    severity: [],
    aliases: [],
    upstream: [],
    raw: JSON.stringify({ id, modified }),
    affected: [
      { index: 0, ecosystem: 'npm', release: '', name: 'pkg-a', ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }], versions: [] },
    ],
    ...over,
  };
}

export function runVulnStoreConformance(makeStore: StoreFactory): void {
  describe('VulnStore conformance', () => {
    const open: VulnStore[] = [];
    const fresh = async (): Promise<VulnStore> => {
      const s = await makeStore();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('stores advisories and finds them by ecosystem and package name', async () => {
      const s = await fresh();
      const w = await s.begin();
      await w.put(advisory('GHSA-1', { aliases: ['CVE-1'], summary: 's1' }));
      await w.put(
        advisory('DLA-1', {
          upstream: ['CVE-1'],
          affected: [
            { index: 0, ecosystem: 'Debian', release: '9', name: 'openssl', ranges: [], versions: ['1.0'] },
            { index: 2, ecosystem: 'Debian', release: '', name: 'openssl', ranges: [], versions: [] },
          ],
        }),
      );
      await w.commit();
      const npm = await s.findAffected([{ ecosystem: 'npm', name: 'pkg-a' }]);
      expect(npm.map((r) => r.advisoryId)).toEqual(['GHSA-1']);
      expect(npm[0]?.ranges).toEqual([{ type: 'SEMVER', events: [{ introduced: '0' }] }]);
      const deb = await s.findAffected([
        { ecosystem: 'Debian', name: 'openssl' },
        { ecosystem: 'Debian', name: 'openssl' },
      ]);
      expect(deb.map((r) => [r.advisoryId, r.index, r.release, r.versions])).toEqual([
        ['DLA-1', 0, '9', ['1.0']],
        ['DLA-1', 2, '', []],
      ]);
      expect(await s.findAffected([{ ecosystem: 'npm', name: 'openssl' }])).toEqual([]);
      expect(await s.findAffected([{ ecosystem: 'Debian', name: 'OpenSSL' }])).toEqual([]);
    });

    it('returns advisories by id with everything that was put', async () => {
      const s = await fresh();
      const w = await s.begin();
      const a = advisory('GHSA-2', {
        published: '2023-01-01T00:00:00Z',
        summary: 'sum',
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
        aliases: ['CVE-2'],
        upstream: ['CVE-X'],
        raw: '{"id":"GHSA-2","x":1}',
      });
      await w.put(a);
      await w.commit();
      expect(await s.getAdvisories(['GHSA-2', 'missing', 'GHSA-2'])).toEqual([a]);
    });

    it('replaces an advisory with its affected rows and aliases', async () => {
      const s = await fresh();
      let w = await s.begin();
      await w.put(advisory('GHSA-3', { aliases: ['CVE-OLD'] }));
      await w.commit();
      w = await s.begin();
      expect(await w.modifiedKeyOf('GHSA-3')).toBe('2024-01-01T00:00:00.000000000Z');
      await w.put(
        advisory('GHSA-3', {
          modified: '2024-02-01T00:00:00Z',
          aliases: ['CVE-NEW'],
          affected: [{ index: 0, ecosystem: 'npm', release: '', name: 'pkg-b', ranges: [], versions: ['1.0.0'] }],
        }),
      );
      expect(await w.modifiedKeyOf('GHSA-3')).toBe('2024-02-01T00:00:00.000000000Z');
      await w.commit();
      expect(await s.findAffected([{ ecosystem: 'npm', name: 'pkg-a' }])).toEqual([]);
      expect((await s.findAffected([{ ecosystem: 'npm', name: 'pkg-b' }])).length).toBe(1);
      expect(await s.idsForAlias('CVE-OLD')).toEqual([]);
      expect(await s.idsForAlias('CVE-NEW')).toEqual(['GHSA-3']);
      expect(await s.idsForAlias('GHSA-3')).toEqual(['GHSA-3']);
    });

    it('never returns withdrawn advisories from findAffected, but keeps them', async () => {
      const s = await fresh();
      const w = await s.begin();
      await w.put(advisory('GHSA-W', { withdrawn: '2024-01-02T00:00:00Z' }));
      await w.commit();
      expect(await s.findAffected([{ ecosystem: 'npm', name: 'pkg-a' }])).toEqual([]);
      expect((await s.getAdvisories(['GHSA-W']))[0]?.withdrawn).toBe('2024-01-02T00:00:00Z');
      expect((await s.status()).withdrawn).toBe(1);
    });

    it('rolls back everything written in a transaction', async () => {
      const s = await fresh();
      let w = await s.begin();
      await w.put(advisory('KEEP'));
      await w.setMeta('imported_at', 'first');
      await w.commit();
      w = await s.begin();
      await w.put(advisory('DROP', { affected: [{ index: 0, ecosystem: 'npm', release: '', name: 'pkg-z', ranges: [], versions: [] }] }));
      await w.put(advisory('KEEP', { modified: '2030-01-01T00:00:00Z', affected: [] }));
      await w.setMeta('imported_at', 'second');
      await w.rollback();
      expect(await s.getAdvisories(['DROP'])).toEqual([]);
      expect((await s.getAdvisories(['KEEP']))[0]?.modified).toBe('2024-01-01T00:00:00Z');
      expect((await s.findAffected([{ ecosystem: 'npm', name: 'pkg-a' }])).map((r) => r.advisoryId)).toEqual(['KEEP']);
      expect(await s.getMeta('imported_at')).toBe('first');
      // A new transaction can start after a rollback, and a finished writer refuses work.
      const again = await s.begin();
      await expect(w.put(advisory('LATE'))).rejects.toThrow();
      await again.rollback();
    });

    it('refuses a second concurrent write transaction', async () => {
      const s = await fresh();
      const w = await s.begin();
      await expect(s.begin()).rejects.toThrow(/already open/);
      await w.rollback();
      const w2 = await s.begin();
      await w2.commit();
    });

    it('reports status: counts per ecosystem and release, newest modified, last import', async () => {
      const s = await fresh();
      expect(await s.status()).toMatchObject({ advisories: 0, withdrawn: 0, perEcosystem: [] });
      const w = await s.begin();
      await w.put(advisory('A', { modified: '2024-03-01T00:00:00.5Z', modifiedKey: '2024-03-01T00:00:00.500000000Z' }));
      await w.put(
        advisory('B', {
          modified: '2024-03-01T00:00:00.123456789Z',
          modifiedKey: '2024-03-01T00:00:00.123456789Z',
          affected: [
            { index: 0, ecosystem: 'Debian', release: '12', name: 'x', ranges: [], versions: [] },
            { index: 1, ecosystem: 'Debian', release: '12', name: 'y', ranges: [], versions: [] },
            { index: 2, ecosystem: 'Debian', release: '', name: 'x', ranges: [], versions: [] },
          ],
        }),
      );
      await w.put(advisory('C', { affected: [] }));
      await w.setMeta('imported_at', '2025-01-01T00:00:00.000Z');
      await w.commit();
      const st = await s.status();
      expect(st).toMatchObject({
        advisories: 3,
        withdrawn: 0,
        newestModified: '2024-03-01T00:00:00.5Z',
        lastImport: '2025-01-01T00:00:00.000Z',
      });
      expect(st.perEcosystem).toEqual([
        { ecosystem: '(none)', advisories: 1 },
        { ecosystem: 'Debian', advisories: 1 },
        { ecosystem: 'Debian:12', advisories: 1 },
        { ecosystem: 'npm', advisories: 1 },
      ]);
    });

    it('keeps odd but valid text intact (unicode, quotes, long raw records)', async () => {
      const s = await fresh();
      const raw = JSON.stringify({ id: 'Ü-1', details: `"quoted" ${'x'.repeat(200_000)} \u0000 ✓` });
      const w = await s.begin();
      await w.put(
        advisory('Ü-1', {
          raw,
          summary: 'it\'s "fine" ✓',
          affected: [{ index: 0, ecosystem: 'npm', release: '', name: '@scope/pkg', ranges: [], versions: [] }],
        }),
      );
      await w.commit();
      const [got] = await s.getAdvisories(['Ü-1']);
      expect(got?.raw).toBe(raw);
      expect(got?.summary).toBe('it\'s "fine" ✓');
      expect((await s.findAffected([{ ecosystem: 'npm', name: '@scope/pkg' }])).length).toBe(1);
    });
  });
}
