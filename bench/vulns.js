#!/usr/bin/env node
// Vulnerability database benchmarks, as ratios against baselines measured in the same run.
//
//   osv-import-100k   import 100,000 OSV records from an all.zip into a fresh SQLite file
//                     vs  JSON.parse of the same 100,000 record texts              (target < 30 s absolute)
//   vuln-match-1000   match a 1,000-component inventory against that database
//                     vs  the store's package lookups alone                        (target < 200 ms absolute)
//
// The records are the real ones of the shared corpus (npm, Debian, Alpine), renamed: each copy
// gets its own id, aliases and package names, so the database holds 100,000 distinct advisories
// over about 16,000 packages. Usage: node bench/vulns.js [--runs 3] [--json]   (needs `npm run build`)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { compare } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = resolve(root, 'test/corpus/osv');
const cacheDir = join(root, '.cache', 'bench');
const RECORDS = 100_000;

/** The corpus records renamed into RECORDS distinct advisories. */
function generateRecords() {
  const base = ['npm', 'debian', 'alpine'].flatMap((eco) =>
    readdirSync(join(corpus, eco))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(corpus, eco, f), 'utf8'))),
  );
  const texts = [];
  for (let i = 0; i < RECORDS; i++) {
    const r = structuredClone(base[i % base.length]);
    const copy = Math.floor(i / base.length);
    const pkgSuffix = `-${copy % 4000}`;
    r.id = `${r.id}-B${i}`;
    if (r.aliases) r.aliases = r.aliases.map((a) => `${a}-B${i}`);
    if (r.upstream) r.upstream = r.upstream.map((a) => `${a}-B${i}`);
    for (const a of r.affected ?? []) a.package.name += pkgSuffix;
    texts.push(JSON.stringify(r, null, 2));
  }
  return texts;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A deflated zip with one JSON file per record, as OSV's all.zip exports are. */
function writeZip(file, texts) {
  const parts = [];
  const central = [];
  let offset = 0;
  texts.forEach((text, i) => {
    const data = Buffer.from(text);
    const name = Buffer.from(`R-${i}.json`);
    const body = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  });
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  // More than 65,535 entries: the 16-bit counts are saturated and readers count from the
  // central directory, which yauzl does only with zip64; so keep the true count modulo 2^16 out
  // of it by writing a zip64 end record.
  const zip64 = texts.length > 0xffff;
  const tail = [];
  if (zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(texts.length), 24);
    rec.writeBigUInt64LE(BigInt(texts.length), 32);
    rec.writeBigUInt64LE(BigInt(cdBuf.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cdBuf.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
    eocd.writeUInt16LE(0xffff, 8);
    eocd.writeUInt16LE(0xffff, 10);
    eocd.writeUInt32LE(0xffffffff, 12);
    eocd.writeUInt32LE(0xffffffff, 16);
  } else {
    eocd.writeUInt16LE(texts.length, 8);
    eocd.writeUInt16LE(texts.length, 10);
    eocd.writeUInt32LE(cdBuf.length, 12);
    eocd.writeUInt32LE(offset, 16);
  }
  writeFileSync(file, Buffer.concat([...parts, cdBuf, ...tail, eocd]));
}

export async function runVulnBench({ runs = 3 } = {}) {
  const { importOsv } = await import(join(root, 'dist/vulns/import.js'));
  const { matchComponents } = await import(join(root, 'dist/vulns/match.js'));
  const { matchTarget } = await import(join(root, 'dist/vulns/ecosystems.js'));
  const { openSqliteVulnStore } = await import(join(root, 'dist/store/vulns/sqlite/index.js'));

  mkdirSync(cacheDir, { recursive: true });
  const texts = generateRecords();
  const zip = join(cacheDir, `osv-${RECORDS}.zip`);
  if (!existsSync(zip)) writeZip(zip, texts);

  const work = mkdtempSync(join(tmpdir(), 'charter-bench-vulns-'));
  const results = [];
  try {
    let n = 0;
    let last;
    results.push(
      await compare(
        'osv-import-100k',
        async () => {
          for (const t of texts) JSON.parse(t);
        },
        async () => {
          const store = openSqliteVulnStore(join(work, `import-${n++}.db`));
          const r = await importOsv(store, [zip], { now: () => new Date(0) });
          if (r.imported !== RECORDS) throw new Error(`imported ${r.imported} of ${RECORDS} (${JSON.stringify(r.invalid.slice(0, 3))})`);
          await store.close();
          last = join(work, `import-${n - 1}.db`);
        },
        { runs, targetMs: 30_000, warmUp: false },
      ),
    );

    const store = openSqliteVulnStore(last);
    const names = ['lodash', 'minimist', 'express', 'qs', 'jsonwebtoken', 'ws', 'axios', 'ansi-html', 'body-parser'];
    const components = [];
    for (let i = 0; i < 1000; i++) {
      const k = i % 4000;
      if (i % 4 === 0) components.push(npmComponent(`${names[i % names.length]}-${k}`, '4.17.15'));
      else if (i % 4 === 1) components.push(debComponent(`bin-${i}`, '1.1.0l-1~deb9u1', `openssl-${k}`));
      else components.push(npmComponent(`unrelated-${i}`, '1.0.0'));
    }
    const queries = components
      .map(matchTarget)
      .filter(Boolean)
      .map((t) => ({ ecosystem: t.ecosystem, name: t.name }));
    let findings = 0;
    results.push(
      await compare(
        'vuln-match-1000',
        async () => {
          await store.findAffected(queries);
        },
        async () => {
          findings = (await matchComponents(store, components)).findings.length;
        },
        { runs: Math.max(runs, 5), targetMs: 200, warmUp: false },
      ),
    );
    console.log(`${''.padEnd(16)} ${findings} findings for 1,000 components over ${RECORDS} advisories`);
    await store.close();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

function npmComponent(name, version) {
  return { ecosystem: 'npm', name, version, purl: `pkg:npm/${name}@${version}` };
}

function debComponent(name, version, source) {
  return {
    ecosystem: 'deb',
    name,
    version,
    sourceName: source,
    distro: 'debian-9',
    purl: `pkg:deb/debian/${name}@${version}?distro=debian-9`,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
  const results = await runVulnBench({ runs });
  if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
}
