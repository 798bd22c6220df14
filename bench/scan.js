#!/usr/bin/env node
// `charter scan` benchmark (plain JS over dist/). Every figure is a ratio against a baseline run
// in the same process on the same machine, alternating, median of N.
//
//   scan-cold      full scan (inventory, secrets, image checks, OSV matching, unsafe checks)
//                  of a Debian bookworm + Node.js app image, empty layer cache   vs  tar -xf of its archive   (target ≤ 1.5)
//   scan-warm      the same, layer cache filled by a previous scan              vs  tar -xf                  (target ≤ 1.5)
//   scan-sibling   a second image built on the same base, cache filled by the
//                  first image only (its base layers are hits)                  vs  tar -xf of its archive   (target ≤ 0.3 of a cold scan)
//   scan-cold-vs-rootfs  the cold scan vs unpacking the archive and every layer into a root filesystem (context)
//
// Usage: node bench/scan.js [--runs 5] [--json]      (needs root, podman and mmdebstrap; builds dist first: npm run build)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, unpackRootfs } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const benchCache = join(root, '.cache', 'bench');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
process.env.CONTAINERS_CONF ??= join(root, 'config', 'containers.conf');

const { scanTarget } = await import(join(root, 'dist/scan/index.js'));
const { FsLayerCache } = await import(join(root, 'dist/readers/oci-image/cache/fs-layer-cache.js'));
const { openSqliteVulnStore } = await import(join(root, 'dist/store/vulns/sqlite/index.js'));
const { importOsv } = await import(join(root, 'dist/vulns/import.js'));

function sh(cmd, argv, opts = {}) {
  return execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
}

function rootfs() {
  const shared = join(root, '.cache', 'test-images', 'debian-bookworm-minbase-nodejs.tar');
  if (existsSync(shared)) return shared;
  mkdirSync(benchCache, { recursive: true });
  const own = join(benchCache, 'bookworm-nodejs.rootfs.tar');
  if (!existsSync(own)) {
    console.error('building a Debian bookworm + nodejs rootfs with mmdebstrap (about a minute, cached)…');
    const partial = `${own}.partial-${process.pid}`;
    sh('mmdebstrap', ['--quiet', '--format=tar', '--variant=minbase', '--include=nodejs', 'bookworm', partial], { stdio: 'inherit' });
    execFileSync('mv', [partial, own]);
  }
  return own;
}

/** Base image + two app images on top of it, saved as oci-archives (cached across runs). */
function images() {
  mkdirSync(benchCache, { recursive: true });
  const a = join(benchCache, 'scan-app-a.oci.tar');
  const b = join(benchCache, 'scan-app-b.oci.tar');
  if (existsSync(a) && existsSync(b)) return { a, b };
  const base = 'localhost/charter-bench/scan-base:1';
  sh('podman', ['import', rootfs(), base]);
  const work = mkdtempSync(join(tmpdir(), 'charter-bench-scan-'));
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true }));
  const npm = spawnSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      'lodash@4.17.15',
      'minimist@1.2.5',
      'qs@6.5.2',
      'ws@7.4.5',
      'express@4.17.1',
    ],
    { cwd: app, stdio: 'ignore' },
  );
  if (npm.status !== 0) throw new Error('npm install failed');
  for (const [name, archive, extra] of [
    ['a', a, 'COPY app/ /app/'],
    ['b', b, 'COPY app/package.json /srv/package.json'],
  ]) {
    const ctx = join(work, `ctx-${name}`);
    mkdirSync(ctx);
    cpSync(app, join(ctx, 'app'), { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\n${extra}\nUSER 1000\nCMD ["node"]\n`);
    const tag = `localhost/charter-bench/scan-${name}:1`;
    sh('podman', ['build', '--quiet', '--pull=never', '--network', 'none', '-t', tag, ctx]);
    sh('podman', ['save', '--quiet', '--format', 'oci-archive', '-o', `${archive}.partial`, tag]);
    execFileSync('mv', [`${archive}.partial`, archive]);
    spawnSync('podman', ['rmi', '--force', tag], { stdio: 'ignore' });
  }
  spawnSync('podman', ['rmi', '--force', base], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
  return { a, b };
}

const haveTools = spawnSync('sh', ['-c', 'command -v podman && command -v mmdebstrap'], { stdio: 'ignore' }).status === 0;
if (!haveTools || process.getuid?.() !== 0) {
  console.log('scan benchmarks SKIPPED: need root, podman and mmdebstrap');
  process.exit(0);
}

const { a, b } = images();
const tmp = mkdtempSync(join(tmpdir(), 'charter-bench-scan-run-'));
const dbPath = join(tmp, 'vulns.db');
const corpus = resolve(root, 'test/corpus/osv');
if (existsSync(corpus)) {
  const store = openSqliteVulnStore(dbPath);
  await importOsv(store, [corpus]);
  await store.close();
}
console.log(
  `scan           image A ${(statSync(a).size / 1e6).toFixed(0)} MB, image B ${(statSync(b).size / 1e6).toFixed(0)} MB, database ${existsSync(corpus) ? 'corpus' : 'none'}`,
);

const extracted = [];
const untar = (archive) => async () => {
  const out = mkdtempSync(join(tmp, 'x-'));
  extracted.push(out);
  execFileSync('tar', ['-xf', archive, '-C', out]);
};
// Offline: registry look-ups are not what is measured (they are cached per package anyway).
const scan = (archive, layerCache) => () =>
  scanTarget(`oci-archive:${archive}`, {
    dbPath,
    offline: true,
    cacheDir: join(tmp, 'npm'),
    ...(layerCache ? { layerCache } : { noCache: true }),
  });

const results = [];
const timing = { runs, width: 20 };
let coldCache;
results.push(
  await compare('scan-cold', untar(a), () => scan(a, coldCache)(), {
    ...timing,
    target: 1.5,
    // A fresh, empty layer cache for every cold run (written to, as a real first scan does).
    prepare: async () => {
      coldCache = new FsLayerCache(mkdtempSync(join(tmp, 'cold-')));
    },
  }),
);
// Context for the cold figure: what extraction-based scanners do first (archive + every layer
// into a root filesystem). `tar -xf` of the archive alone never inflates the gzip layers.
const untarRootfs = (archive) => async () => {
  const out = mkdtempSync(join(tmp, 'r-'));
  extracted.push(out);
  unpackRootfs(archive, out);
};
results.push(
  await compare('scan-cold-vs-rootfs', untarRootfs(a), () => scan(a, coldCache)(), {
    ...timing,
    prepare: async () => {
      coldCache = new FsLayerCache(mkdtempSync(join(tmp, 'cold-')));
    },
  }),
);
const warm = new FsLayerCache(mkdtempSync(join(tmp, 'warm-')));
await scan(a, warm)();
results.push(await compare('scan-warm', untar(a), scan(a, warm), { ...timing, target: 1.5 }));

let sibling;
const cold = results[0];
const siblingResult = await compare('scan-sibling', untar(b), () => scan(b, sibling)(), {
  ...timing,
  // The cache holds image A's layers only: B's base layers hit, its own layer is read.
  prepare: async () => {
    sibling = new FsLayerCache(mkdtempSync(join(tmp, 'sib-')));
    await scan(a, sibling)();
  },
});
const vsCold = siblingResult.subjectMs / cold.subjectMs;
console.log(`${''.padEnd(20)} sibling scan / cold scan of A: ${vsCold.toFixed(2)} (target ≤ 0.3) ${vsCold <= 0.3 ? 'ok' : 'MISSED'}`);
results.push({ ...siblingResult, vsCold, target: 0.3, ok: vsCold <= 0.3 });

for (const d of extracted) rmSync(d, { recursive: true, force: true });
rmSync(tmp, { recursive: true, force: true });
if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
