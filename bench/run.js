#!/usr/bin/env node
// Charter's benchmarks. Every figure is a ratio against a baseline measured in the same run on the
// same machine (shared machines are noisy; absolute times are printed for context only).
//
//   image-profile   profile a Debian bookworm + Node.js image (oci-archive)  vs  `tar -xf` of the same archive
//   manifests-200   profile a 200-service Kubernetes manifest set            vs  parsing its YAML alone
//
// The other benchmarks: bench/profile-list.js, bench/node-analyze.js, bench/vulns.js, bench/scan.js (`npm run bench` runs all).
//
// Usage: npm run bench [-- --only image-profile] [-- --runs 5]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { compare, unpackRootfs } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache', 'bench');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
process.env.CONTAINERS_CONF ??= join(root, 'config', 'containers.conf');

const { readImage } = await import(join(root, 'dist/pipeline/image.js'));
const { loadTargets } = await import(join(root, 'dist/pipeline/targets.js'));
const { buildCharter } = await import(join(root, 'dist/profile/build.js'));
const { loadKnowledge } = await import(join(root, 'dist/knowledge/index.js'));

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
  execFileSync('podman', ['save', '--format', 'oci-archive', '-o', archive, 'localhost/charter-bench/bookworm-nodejs:1'], {
    stdio: 'ignore',
  });
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
const { FsLayerCache } = await import(join(root, 'dist/readers/oci-image/cache/fs-layer-cache.js'));

async function profileImage(archive, options) {
  const res = await readImage(`oci-archive:${archive}`, options);
  const fragment = res.containers[0];
  return buildCharter(
    {
      name: 'bench',
      generator: 'bench',
      inputs: [],
      results: [{ ...res, containers: [] }],
      images: [{ fragment, files: res.image.files }],
      diagnostics: [],
    },
    kb,
  );
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
      { runs },
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
    // Only the extraction is timed; the previous run's tree is removed before the clock starts.
    const untar = async () => {
      const out = mkdtempSync(join(tmpdir(), 'charter-bench-x-'));
      extracted.push(out);
      execFileSync('tar', ['-xf', archive, '-C', out]);
    };
    console.log(`image-profile    archive ${(statSync(archive).size / 1e6).toFixed(0)} MB`);
    results.push(await compare('image-profile-cold', untar, () => profileImage(archive, { cache: false }), { runs }));
    // The same cold profile against what extraction-based scanners do: unpack the archive and
    // every layer into a root filesystem (informational: the baseline is the line above).
    results.push(
      await compare(
        'image-profile-cold-vs-rootfs',
        async () => {
          const out = mkdtempSync(join(tmpdir(), 'charter-bench-r-'));
          extracted.push(out);
          unpackRootfs(archive, out);
        },
        () => profileImage(archive, { cache: false }),
        { runs },
      ),
    );
    // Warm: the per-layer cache holds this image's layers (a second profile of the same image, or of
    // one built on the same base). The cache lives in a directory of this run only.
    const cacheDir = mkdtempSync(join(tmpdir(), 'charter-bench-cache-'));
    const cache = new FsLayerCache(cacheDir);
    await profileImage(archive, { cache });
    results.push(await compare('image-profile-warm', untar, () => profileImage(archive, { cache }), { runs, target: 1.0 }));
    rmSync(cacheDir, { recursive: true, force: true });
    for (const d of extracted) rmSync(d, { recursive: true, force: true });
  }
}

if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
