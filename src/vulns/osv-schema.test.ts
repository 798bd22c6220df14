import { describe, expect, it } from 'vitest';
import { openSqliteVulnStore } from '../store/sqlite/index.js';
import { importOsv } from './import.js';
import { parseOsvRecord, validateOsvRecord } from './osv-schema.js';

/** A valid record with a passed-through field nested `depth` arrays deep, on line 2. */
function deepRecord(depth: number): string {
  return `{"id": "X-1", "modified": "2024-01-01T00:00:00Z",\n "database_specific": {"x": ${'['.repeat(depth)}${']'.repeat(depth)}}}`;
}

describe('deeply nested records (found by the import fuzz test)', () => {
  it('are refused with the line and column where the nesting passes the bound', () => {
    expect(parseOsvRecord(deepRecord(5000))).toEqual({ ok: false, reason: 'record nested deeper than 256 levels', line: 2, column: 284 });
    // At the bound exactly (255 arrays below the record and database_specific objects) it is a record.
    expect(parseOsvRecord(deepRecord(255)).ok).toBe(true);
    expect(parseOsvRecord(deepRecord(256))).toMatchObject({ ok: false, line: 2, column: 284 });
    expect(validateOsvRecord(JSON.parse(deepRecord(5000)))).toEqual({ ok: false, reason: 'record nested deeper than 256 levels' });
  });

  it('are reported by the import, which goes on with the other records', async () => {
    const store = openSqliteVulnStore(':memory:');
    const items = [
      { file: 'deep.json', text: deepRecord(5000) },
      { file: 'ok.json', text: deepRecord(3) },
    ];
    const r = await importOsv(store, ['mem'], {
      read: async function* () {
        yield* items;
      },
    });
    await store.close();
    expect(r).toMatchObject({ imported: 1, invalid: [{ file: 'deep.json', reason: 'record nested deeper than 256 levels', line: 2 }] });
  });
});
