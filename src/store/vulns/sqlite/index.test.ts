import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../model/errors.js';
import { advisory, runVulnStoreConformance } from '../conformance.js';
import { defaultVulnDbPath } from '../paths.js';
import { openSqliteVulnStore } from './index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'charter-sqlite-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite store, in memory', () => {
  runVulnStoreConformance(() => openSqliteVulnStore(':memory:'));
});

let n = 0;
describe('SQLite store, on disk', () => {
  runVulnStoreConformance(() => openSqliteVulnStore(path.join(dir, `conf-${n++}`, 'vulns.db')));
});

describe('SQLite store files', () => {
  it('keeps committed data across reopen, and loses an uncommitted transaction when the connection dies', async () => {
    const file = path.join(dir, 'reopen.db');
    let s = openSqliteVulnStore(file);
    let w = await s.begin();
    await w.put(advisory('KEEP'));
    await w.commit();
    w = await s.begin();
    await w.put(advisory('LOST'));
    // The connection goes away mid-transaction: what a killed process leaves behind.
    await s.close();
    s = openSqliteVulnStore(file);
    expect((await s.getAdvisories(['KEEP', 'LOST'])).map((a) => a.id)).toEqual(['KEEP']);
    await s.close();
  });

  it('names the file when it is not a database', () => {
    const file = path.join(dir, 'garbage.db');
    writeFileSync(file, 'this is not sqlite at all, just text that is long enough to look like a header'.repeat(20));
    expect(() => openSqliteVulnStore(file)).toThrow(UserError);
    try {
      openSqliteVulnStore(file);
    } catch (err) {
      expect((err as UserError).file).toBe(file);
      expect((err as UserError).message).toMatch(/cannot open vulnerability database/);
    }
  });

  it('refuses a missing file when it must exist', () => {
    expect(() => openSqliteVulnStore(path.join(dir, 'nope', 'vulns.db'), { mustExist: true })).toThrow(UserError);
  });

  it('refuses a database of another layout version', async () => {
    const file = path.join(dir, 'version.db');
    const s = openSqliteVulnStore(file);
    const w = await s.begin();
    await w.setMeta('schema_version', '999');
    await w.commit();
    await s.close();
    expect(() => openSqliteVulnStore(file)).toThrow(/layout version 999/);
  });
});

describe('defaultVulnDbPath', () => {
  it.each([
    [{ CHARTER_DATA_DIR: '/d', XDG_DATA_HOME: '/x' }, '/d/vulns.db'],
    [{ XDG_DATA_HOME: '/x' }, '/x/charter/vulns.db'],
    [{ CHARTER_DATA_DIR: '', XDG_DATA_HOME: '' }, '/home/u/.local/share/charter/vulns.db'],
    [{}, '/home/u/.local/share/charter/vulns.db'],
  ])('%j → %s', (env, want) => {
    expect(defaultVulnDbPath(env, '/home/u')).toBe(want);
  });
});
