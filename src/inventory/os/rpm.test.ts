import { describe, expect, it } from 'vitest';
import { RPMTAG, RPM_TYPE, RpmHeaderError, parseRpmHeader, parseSourceRpm } from './rpm-header.js';
import { rpmAnalyzer } from './rpm.js';
import { encodeRpmHeader, rpmdbSqlite, type TagValue } from './fixtures/rpmdb.js';

const LAYER = `sha256:${'a'.repeat(64)}`;
const DB = '/var/lib/rpm/rpmdb.sqlite';

const pkg = (name: string, version: string, release: string, extra: TagValue[] = []): Buffer =>
  encodeRpmHeader([
    // An immutable-region tag first, as real headers have; the parser ignores unknown tags.
    { tag: 63, type: 7, raw: Buffer.alloc(16) },
    { tag: RPMTAG.NAME, string: name },
    { tag: RPMTAG.VERSION, string: version },
    { tag: RPMTAG.RELEASE, string: release },
    ...extra,
  ]);

describe('rpm header', () => {
  it('reads strings and int32s', () => {
    const h = parseRpmHeader(pkg('bash', '5.2.15', '5.fc39', [{ tag: RPMTAG.EPOCH, int32: 2 }]));
    expect([
      h.string(RPMTAG.NAME),
      h.string(RPMTAG.VERSION),
      h.string(RPMTAG.RELEASE),
      h.int32(RPMTAG.EPOCH),
      h.string(RPMTAG.ARCH),
    ]).toEqual(['bash', '5.2.15', '5.fc39', 2, undefined]);
  });

  const entry = (tag: number, type: number, offset: number, count = 1): Buffer => {
    const b = Buffer.alloc(16);
    b.writeInt32BE(tag, 0);
    b.writeInt32BE(type, 4);
    b.writeInt32BE(offset, 8);
    b.writeInt32BE(count, 12);
    return b;
  };
  const blob = (il: number, dl: number, entries: Buffer[], data: Buffer): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(il, 0);
    h.writeUInt32BE(dl, 4);
    return Buffer.concat([h, ...entries, data]);
  };
  it.each<[string, Buffer, (h: ReturnType<typeof parseRpmHeader>) => unknown, RegExp]>([
    ['shorter than the preamble', Buffer.alloc(5), () => 0, /shorter than its 8-byte preamble/],
    ['more entries than rpm allows', blob(0x10000, 0, [], Buffer.alloc(0)), () => 0, /over rpm's limits/],
    ['entries beyond the blob', blob(4, 0, [], Buffer.alloc(0)), () => 0, /the blob has 8 bytes/],
    ['data beyond the blob', blob(0, 1000, [], Buffer.alloc(10)), () => 0, /1000 data bytes but the blob has 18 bytes/],
    [
      'a string offset outside the data',
      blob(1, 4, [entry(RPMTAG.NAME, RPM_TYPE.STRING, 99)], Buffer.from('abc\0')),
      (h) => h.string(RPMTAG.NAME),
      /offset 99 is outside/,
    ],
    [
      'a negative offset',
      blob(1, 4, [entry(RPMTAG.NAME, RPM_TYPE.STRING, -4)], Buffer.from('abc\0')),
      (h) => h.string(RPMTAG.NAME),
      /offset -4 is outside/,
    ],
    [
      'a string without its NUL',
      blob(1, 3, [entry(RPMTAG.NAME, RPM_TYPE.STRING, 0)], Buffer.from('abc')),
      (h) => h.string(RPMTAG.NAME),
      /not NUL-terminated/,
    ],
    [
      'an int32 past the end',
      blob(1, 4, [entry(RPMTAG.EPOCH, RPM_TYPE.INT32, 2)], Buffer.alloc(4)),
      (h) => h.int32(RPMTAG.EPOCH),
      /outside the data/,
    ],
    [
      'a name of the wrong type',
      blob(1, 4, [entry(RPMTAG.NAME, RPM_TYPE.INT32, 0)], Buffer.alloc(4)),
      (h) => h.string(RPMTAG.NAME),
      /not a string/,
    ],
  ])('refuses %s', (_, b, read, message) => {
    const run = (): unknown => read(parseRpmHeader(b));
    expect(run).toThrow(RpmHeaderError);
    expect(run).toThrow(message);
  });

  it.each([
    ['bash-5.1.8-6.el9.src.rpm', { name: 'bash', version: '5.1.8-6.el9' }],
    ['python3.11-3.11.5-1.fc39.src.rpm', { name: 'python3.11', version: '3.11.5-1.fc39' }],
    ['kernel-6.5.6-300.fc39.nosrc.rpm', { name: 'kernel', version: '6.5.6-300.fc39' }],
    ['nodashes.src.rpm', undefined],
    ['one-dash.src.rpm', undefined],
  ])('parseSourceRpm(%s)', (file, want) => {
    expect(parseSourceRpm(file)).toEqual(want);
  });
});

describe('rpm analyzer', () => {
  it('lists the packages of a WAL-mode rpmdb.sqlite, skipping gpg-pubkey', () => {
    const db = rpmdbSqlite([
      pkg('openssl-libs', '3.1.1', '4.fc39', [
        { tag: RPMTAG.EPOCH, int32: 1 },
        { tag: RPMTAG.ARCH, string: 'x86_64' },
        { tag: RPMTAG.LICENSE, string: 'Apache-2.0' },
        { tag: RPMTAG.SOURCERPM, string: 'openssl-3.1.1-4.fc39.src.rpm' },
      ]),
      pkg('gpg-pubkey', '18b8e74c', '62f2920f'),
      pkg('tzdata', '2023c', '2.fc39', [
        { tag: RPMTAG.ARCH, string: 'noarch' },
        { tag: RPMTAG.SOURCERPM, string: 'tzdata-2023c-2.fc39.src.rpm' },
      ]),
    ]);
    expect(db[18]).toBe(2);
    const out = rpmAnalyzer.analyze(DB, db, LAYER);
    expect(out.diagnostics).toBeUndefined();
    expect(out.components).toEqual([
      {
        ecosystem: 'rpm',
        name: 'openssl-libs',
        version: '1:3.1.1-4.fc39',
        purl: 'pkg:rpm/openssl-libs@3.1.1-4.fc39?arch=x86_64&epoch=1',
        sourceName: 'openssl',
        sourceVersion: '1:3.1.1-4.fc39',
        arch: 'x86_64',
        licenses: ['Apache-2.0'],
        layer: LAYER,
        path: DB,
      },
      {
        ecosystem: 'rpm',
        name: 'tzdata',
        version: '2023c-2.fc39',
        purl: 'pkg:rpm/tzdata@2023c-2.fc39?arch=noarch',
        sourceName: 'tzdata',
        sourceVersion: '2023c-2.fc39',
        arch: 'noarch',
        layer: LAYER,
        path: DB,
      },
    ]);
    // The analyzer is pure: the WAL header of the input is untouched.
    expect(db[18]).toBe(2);
  });

  it('reports bad headers and goes on with the good ones', () => {
    const bad = Buffer.from([0, 0, 0, 9, 0, 0, 0, 0]);
    const out = rpmAnalyzer.analyze(DB, rpmdbSqlite([bad, pkg('bash', '5.2.15', '5.fc39'), 'not a blob', pkg('', '1', '1')]), LAYER);
    expect(out.components?.map((c) => `${c.name}@${c.version}`)).toEqual(['bash@5.2.15-5.fc39']);
    expect(out.diagnostics?.map((d) => d.message)).toEqual([
      expect.stringMatching(/^package hnum 1: header claims 9 entries/),
      '3 package header(s) could not be read',
    ]);
  });

  it.each<[string, Uint8Array, string]>([
    ['not SQLite', Buffer.from('Packages'.repeat(20)), 'not an SQLite database'],
    [
      'SQLite magic then garbage',
      Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(200, 0xff)]),
      'cannot read the Packages table',
    ],
    [
      'SQLite without a Packages table',
      (() => {
        const b = rpmdbSqlite([]);
        return Buffer.from(b.toString('latin1').replace('Packages', 'Pockages'), 'latin1');
      })(),
      'cannot read the Packages table',
    ],
  ])('%s: a warning, no crash', (_, bytes, message) => {
    const out = rpmAnalyzer.analyze(DB, bytes, LAYER);
    expect(out.components ?? []).toEqual([]);
    expect(out.diagnostics?.[0]?.code).toBe('rpm-db-bad');
    expect(out.diagnostics?.[0]?.message).toContain(message);
  });

  it.each(['/var/lib/rpm/Packages', '/var/lib/rpm/Packages.db', '/usr/lib/sysimage/rpm/Packages.db'])(
    'legacy %s: info "not supported"',
    (path) => {
      expect(rpmAnalyzer.required(path)).toBe(true);
      expect(rpmAnalyzer.analyze(path, Buffer.alloc(4096), LAYER).diagnostics).toEqual([
        { code: 'rpm-db-not-supported', severity: 'info', message: expect.stringContaining('not supported') },
      ]);
    },
  );

  it.each([
    ['/var/lib/rpm/rpmdb.sqlite', true],
    ['/usr/lib/sysimage/rpm/rpmdb.sqlite', true],
    ['/var/lib/rpm/rpmdb.sqlite-wal', false],
    ['/var/lib/rpm/Index.db', false],
    ['/var/lib/rpm/sub/rpmdb.sqlite', false],
  ])('required(%s) = %s', (path, want) => {
    expect(rpmAnalyzer.required(path)).toBe(want);
  });
});
