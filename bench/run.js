#!/usr/bin/env node
// Charter's benchmarks. Every figure is a ratio against a baseline measured in the same run on the
// same machine (shared machines are noisy; absolute times are printed for context only).
//
//   image-profile   profile a Debian bookworm + Node.js image (oci-archive)  vs  `tar -xf` of the same archive
//   manifests-200   profile a 200-service Kubernetes manifest set            vs  parsing its YAML alone
//
// Usage: npm run bench [-- --only image-profile] [-- --runs 5]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache', 'bench');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
process.env.CONTAINERS_CONF ??= join(root, 'config', 'containers.conf');

const { readImage } = await import(join(root, 'dist/readers/oci-image/index.js'));
const { loadTargets } = await import(join(root, 'dist/io/targets.js'));
const { buildCharter } = await import(join(root, 'dist/profile/build.js'));
const { loadKnowledge } = await import(join(root, 'dist/knowledge/index.js'));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Alternates baseline and subject runs so drift in machine load hits both alike. */
async function compare(name, baseline, subject, target) {
  const b = [];
  const s = [];
  await subject(); // warm caches (page cache, JIT) for both sides equally
  await baseline();
  for (let i = 0; i < runs; i++) {
    b.push(await time(baseline));
    s.push(await time(subject));
  }
  const ratio = median(s) / median(b);
  const ok = target === undefined || ratio <= target;
  console.log(`${name.padEnd(16)} subject ${median(s).toFixed(0).padStart(6)} ms  baseline ${median(b).toFixed(0).padStart(6)} ms  ratio ${ratio.toFixed(2)}${target !== undefined ? `  (target ≤ ${target}) ${ok ? 'ok' : 'MISSED'}` : ''}`);
  return { name, subjectMs: median(s), baselineMs: median(b), ratio, target, ok };
}

function debianNodeArchive() {
  mkdirSync(cacheDir, { recursive: true });
  const archive = join(cacheDir, 'bookworm-nodejs.oci.tar');
  if (existsSync(archive)) return archive;
  const rootfs = join(cacheDir, 'bookworm-nodejs.rootfs.tar');
  if (!existsSync(rootfs)) {
    console.error('building a Debian bookworm + nodejs rootfs with mmdebstrap (about a minute, cached)…');
    execFileSync('mmdebstrap', ['--quiet', '--variant=minbase', '--include=nodejs', 'bookworm', rootfs], { stdio: 'inherit' });
  }
  execFileSync('podman', ['import', '--change', 'CMD ["node"]', rootfs, 'localhost/charter-bench/bookworm-nodejs:1'], { stdio: 'ignore' });
  execFileSync('podman', ['save', '--format', 'oci-archive', '-o', archive, 'localhost/charter-bench/bookworm-nodejs:1'], { stdio: 'ignore' });
  return archive;
}

function manifests200(dir) {
  const docs = [];
  for (let i = 0; i < 200; i++) {
    const peer = `svc-${(i + 1) % 200}`;
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: { name: svc-${i}, namespace: bench }
spec:
  selector: { matchLabels: { app: svc-${i} } }
  template:
    metadata: { labels: { app: svc-${i} } }
    spec:
      containers:
        - name: app
          image: bench/svc-${i}:1.${i}
          ports: [{ containerPort: 8080, name: http }]
          env:
            - { name: PEER_URL, value: "http://${peer}.bench.svc.cluster.local:80/api" }
            - { name: DATABASE_URL, value: "postgres://db:5432/app" }
            - { name: CACHE_ADDR, value: "cache:6379" }
          securityContext: { readOnlyRootFilesystem: true, runAsUser: 1000 }
          readinessProbe: { httpGet: { path: /healthz, port: http } }
`);
    docs.push(`apiVersion: v1
kind: Service
metadata: { name: svc-${i}, namespace: bench }
spec:
  selector: { app: svc-${i} }
  ports: [{ port: 80, targetPort: http }]
`);
  }
  const file = join(dir, 'services.yaml');
  writeFileSync(file, docs.join('---\n'));
  return file;
}

const results = [];
const kb = loadKnowledge();
const { FsLayerCache } = await import(join(root, 'dist/cache/fs-layer-cache.js'));

async function profileImage(archive, options) {
  const res = await readImage(`oci-archive:${archive}`, options);
  const fragment = res.containers[0];
  return buildCharter({ name: 'bench', generator: 'bench', inputs: [], results: [{ ...res, containers: [] }], images: [{ fragment, files: res.image.files }], diagnostics: [] }, kb);
}

if (!only || only === 'manifests-200') {
  const dir = mkdtempSync(join(tmpdir(), 'charter-bench-'));
  const file = manifests200(dir);
  const text = (await import('node:fs')).readFileSync(file, 'utf8');
  results.push(
    await compare(
      'manifests-200',
      async () => parseAllDocuments(text).map((d) => d.toJS()),
      async () => buildCharter({ name: 'bench', generator: 'bench', ...(await loadTargets([dir])) }, kb),
    ),
  );
  const abs = results.at(-1).subjectMs;
  console.log(`${''.padEnd(16)} absolute: ${abs.toFixed(0)} ms for 200 services (target < 1000 ms) ${abs < 1000 ? 'ok' : 'MISSED'}`);
  rmSync(dir, { recursive: true, force: true });
}

if (!only || only === 'image-profile') {
  const haveTools = spawnSync('sh', ['-c', 'command -v mmdebstrap && command -v podman'], { stdio: 'ignore' }).status === 0;
  if (!haveTools) {
    console.log('image-profile    SKIPPED: needs mmdebstrap and podman (run scripts/setup-system.sh as root)');
  } else {
    const archive = debianNodeArchive();
    const extracted = [];
    console.log(`image-profile    archive ${(statSync(archive).size / 1e6).toFixed(0)} MB`);
    results.push(
      await compare(
        'image-profile-cold',
        async () => {
          // Only the extraction is timed; the previous run's tree is removed before the clock starts.
          const out = mkdtempSync(join(tmpdir(), 'charter-bench-x-'));
          extracted.push(out);
          execFileSync('tar', ['-xf', archive, '-C', out]);
        },
        () => profileImage(archive, { cache: false }),
        undefined,
      ),
    );
    // The same cold profile against what extraction-based scanners do: unpack the archive and
    // every layer into a root filesystem (informational: the issue's baseline is the line above).
    results.push(
      await compare(
        'image-profile-cold-vs-rootfs',
        async () => {
          const out = mkdtempSync(join(tmpdir(), 'charter-bench-r-'));
          extracted.push(out);
          execFileSync('tar', ['-xf', archive, '-C', out]);
          const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
          const blob = (d) => join(out, 'blobs', ...d.split(':'));
          const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
          const rootfs = join(out, 'rootfs');
          mkdirSync(rootfs);
          for (const layer of manifest.layers) execFileSync('tar', ['-xf', blob(layer.digest), '-C', rootfs]);
        },
        () => profileImage(archive, { cache: false }),
        undefined,
      ),
    );
    // Warm: the per-layer cache holds this image's layers (a second profile of the same image, or of
    // one built on the same base). The cache lives in a directory of this run only.
    const cacheDir = mkdtempSync(join(tmpdir(), 'charter-bench-cache-'));
    const cache = new FsLayerCache(cacheDir);
    await profileImage(archive, { cache });
    results.push(
      await compare(
        'image-profile-warm',
        async () => {
          const out = mkdtempSync(join(tmpdir(), 'charter-bench-x-'));
          extracted.push(out);
          execFileSync('tar', ['-xf', archive, '-C', out]);
        },
        () => profileImage(archive, { cache }),
        1.0,
      ),
    );
    rmSync(cacheDir, { recursive: true, force: true });
    for (const d of extracted) rmSync(d, { recursive: true, force: true });
  }
}

if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
