/**
 * A real image whose layer 2 adds a private key and layer 3 deletes it: the key is gone from the
 * final file system but not from the image. The secrets analyzer must flag the bytes stored in
 * layer 2, and the image reader must report it with layer 2's digest. The key is generated at test
 * time and never written into the repository. Runs as root on Linux; elsewhere skipped loudly.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../pipeline/image.js';
import { busyboxRootfsTar } from '../../test-support/images.js';
import { canRunPodmanTests, cleanup, podmanOk } from '../../test-support/podman.js';
import { secretsAnalyzer } from './index.js';

const canRun = canRunPodmanTests('src/hygiene/secrets/podman.test.ts', { untested: 'finding a deleted key in a real image' });

const TAG = randomBytes(4).toString('hex');
const BASE = `localhost/charter-test/secrets-bb-${TAG}:1`;
const APP = `localhost/charter-test/secrets-app-${TAG}:1`;
const KEY_PATH = '/root/.ssh/id_rsa';

/** One file's bytes from a layer tar (gzip or plain). */
async function fileInLayer(blob: Buffer, wanted: string): Promise<Buffer | undefined> {
  const tar = blob[0] === 0x1f && blob[1] === 0x8b ? gunzipSync(blob) : blob;
  const ex = extract();
  let found: Buffer | undefined;
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        if (Buffer.isBuffer(c)) chunks.push(c);
      });
      stream.on('end', () => {
        if (header.name.replace(/^\.?\//, '') === wanted.replace(/^\//, '')) found = Buffer.concat(chunks);
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(tar);
  await done;
  return found;
}

describe.runIf(canRun)('secrets in a podman-built image', () => {
  let dir: string;
  let archive: string;
  const key = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'charter-secrets-'));
    podmanOk(['import', busyboxRootfsTar(dir), BASE]);

    const ctx = path.join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'id_rsa'), key, { mode: 0o600 });
    writeFileSync(
      path.join(ctx, 'Containerfile'),
      [`FROM ${BASE}`, `ADD id_rsa ${KEY_PATH}`, `RUN ["/bin/busybox", "rm", "${KEY_PATH}"]`, 'USER 1000', ''].join('\n'),
    );
    podmanOk(['build', '--quiet', '-t', APP, ctx]);
    archive = path.join(dir, 'app.tar');
    podmanOk(['save', '--quiet', '--format', 'oci-archive', '-o', archive, APP]);
  }, 120_000);

  afterAll(() => {
    cleanup([], [APP, BASE]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the analyzer flags the key bytes stored in layer 2', async () => {
    const layout = path.join(dir, 'layout');
    mkdirSync(layout);
    execFileSync('tar', ['-xf', archive, '-C', layout]);
    const blob = (digest: string) => readFileSync(path.join(layout, 'blobs', ...digest.split(':')));
    const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as { layers: { digest: string }[] };
    expect(manifest.layers).toHaveLength(3);
    const layer2 = manifest.layers[1]!.digest;
    const bytes = await fileInLayer(blob(layer2), KEY_PATH);
    expect(bytes?.toString()).toBe(key);
    // Nothing of the key in layer 3: it only holds the whiteout.
    expect(await fileInLayer(blob(manifest.layers[2]!.digest), KEY_PATH)).toBeUndefined();

    expect(secretsAnalyzer.required(KEY_PATH, { size: bytes!.length, mode: 0o100600 })).toBe(true);
    const out = secretsAnalyzer.analyze(KEY_PATH, bytes!, layer2);
    expect(out.findings?.map((f) => [f.id, f.title, f.locations[0]])).toEqual([
      ['CHARTER-SEC-001', 'Private key (RSA)', { artifact: KEY_PATH, layer: layer2, path: KEY_PATH, line: 1, column: 1 }],
    ]);
    expect(JSON.stringify(out)).not.toContain(key.split('\n')[1]);
  });

  it('readImage reports the deleted key with layer 2 digest', async () => {
    const r = await readImage(`oci-archive:${archive}`, { cache: false, analyzers: [secretsAnalyzer] });
    expect(r.image.layers).toHaveLength(3);
    expect(r.image.files.has(KEY_PATH)).toBe(false);
    const secrets = r.image.findings.filter((f) => f.kind === 'secret');
    expect(secrets.map((f) => [f.id, f.locations[0]?.path, f.locations[0]?.layer])).toEqual([
      ['CHARTER-SEC-001', KEY_PATH, r.image.layers[1]!.digest],
    ]);
    expect(JSON.stringify(r.image.findings)).not.toContain(key.split('\n')[1]);
  }, 60_000);
});
