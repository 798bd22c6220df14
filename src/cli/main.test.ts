import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type Io } from './main.js';
import { packTar, writeOciArchive } from '../readers/oci-image/fixtures/build.js';
import { VERSION } from '../version.js';
import { hostileExtras } from '../test-support/hostile-trees.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

describe('charter CLI', () => {
  it('keeps its version in step with package.json', () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });

  it('profiles the bundled example and the output is deterministic', async () => {
    const a = capture();
    const b = capture();
    expect(await main(['profile', join(repo, 'examples/shop'), '--name', 'shop'], a)).toBe(0);
    expect(await main(['profile', join(repo, 'examples/shop'), '--name', 'shop'], b)).toBe(0);
    expect(a.out).toBe(b.out);
    const charter = JSON.parse(a.out) as { containers: { name: string }[] };
    expect(charter.containers.map((c) => c.name)).toEqual(['api', 'cache', 'db', 'web', 'worker']);
  });

  it.each([
    ['not json or yaml', '{"apiVersion": "charter/v1", "kind":', /profile\.json:1:\d+: not a valid profile/],
    [
      'a wrong field type',
      '{"apiVersion":"charter/v1","kind":"Charter","metadata":{"name":"x","generator":"g"},"inputs":[],"containers":[{"name":5}],"graph":{"edges":[]},"diagnostics":[]}',
      /profile\.json:1:\d+: not a charter\/v1 profile at \/containers\/0\/name/,
    ],
    ['another apiVersion', 'apiVersion: charter/v0\nkind: Charter\n', /profile\.json:1:\d+: not a charter\/v1 profile at \/apiVersion/],
    [
      'an alias bomb',
      'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
      /profile\.json:\d+:\d+: not a valid profile/,
    ],
  ])('explain rejects a profile with %s, naming file and position, exit 2', async (_what, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
    const file = join(dir, 'profile.json');
    writeFileSync(file, text);
    const io = capture();
    expect(await main(['explain', file, 'syscall:bind'], io)).toBe(2);
    expect(io.err).toMatch(message);
  });

  it('profile and scan of a hostile tree (symlink loops, a FIFO named like a manifest, node_modules, a hidden dir) complete; only the real manifests are read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine\nEXPOSE 8080\nUSER 1000\n');
    hostileExtras(dir);
    const io = capture();
    expect(await main(['profile', dir, '--name', 'hostile'], io)).toBe(0);
    const charter = JSON.parse(io.out) as { inputs: { artifact: string }[]; containers: { name: string }[] };
    expect(charter.inputs.map((i) => i.artifact)).toEqual(['Dockerfile']);
    const scan = capture();
    expect(await main(['scan', dir, '--format', 'json', '--offline', '--db', join(dir, 'no.db')], scan)).toBe(0);
    expect(scan.out).not.toMatch(/node_modules\/dep\/pod\.yaml|\.hidden/);
  }, 30_000);

  it('a bad target does not stop the others: profile written, errors named, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM alpine\nEXPOSE 8080\nUSER 1000\n');
    const out = join(dir, 'out', 'p.json');
    const io = capture();
    const code = await main(['profile', dir, 'oci-archive:/nonexistent/x.tar', join(dir, 'missing'), '-o', out], io);
    expect(code).toBe(2);
    expect(io.err).toMatch(/nonexistent\/x\.tar/);
    expect(io.err).toMatch(/missing/);
    const charter = JSON.parse(readFileSync(out, 'utf8')) as { containers: { network: { listen: { port: number }[] } }[] };
    expect(charter.containers[0]?.network.listen.map((l) => l.port)).toEqual([8080]);
    // Nothing but the output (no temp files) is left in the output directory.
    expect(readdirSync(join(dir, 'out'))).toEqual(['p.json']);
  });

  it('a garbage or truncated image archive is named in the error; the manifests beside it are still profiled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
    writeFileSync(join(dir, 'garbage.tar'), Buffer.from('this is not a tar archive at all'.repeat(40)));
    // A valid tar header for index.json claiming far more bytes than the file has.
    const header = Buffer.alloc(512);
    header.write('index.json', 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write('00000100000\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    writeFileSync(join(dir, 'truncated.tar'), Buffer.concat([header, Buffer.from('{"schemaVersion": 2,')]));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'compose.yaml'), 'services:\n  web:\n    image: nginx:1.27\n    ports: ["8080:80"]\n');
    const io = capture();
    const code = await main(
      ['profile', `oci-archive:${join(dir, 'garbage.tar')}`, `oci-archive:${join(dir, 'truncated.tar')}`, join(dir, 'app')],
      io,
    );
    expect(code).toBe(2);
    expect(io.err).toMatch(/garbage\.tar/);
    expect(io.err).toMatch(/truncated\.tar/);
    const charter = JSON.parse(io.out) as { containers: { name: string }[] };
    expect(charter.containers.map((c) => c.name)).toEqual(['web']);
  });

  it.each(['scan', 'profile'])(
    '%s: image targets that cannot be read are bad input (exit 2, a plain message, never an internal error)',
    async (command) => {
      const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
      mkdirSync(join(dir, 'layout'));
      writeFileSync(join(dir, 'file.tar'), 'x');
      const fifo = join(dir, 'fifo');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const cases: [string, RegExp][] = [
        [`oci-archive:${join(dir, 'missing.tar')}`, /cannot read the image archive .*missing\.tar: no such file or directory/],
        [`docker-archive:${join(dir, 'layout')}`, /is a directory, not an image archive/],
        [`oci:${join(dir, 'file.tar')}`, /is a file, not an OCI layout directory/],
        [`oci-archive:${fifo}`, /is a FIFO, not an image archive/],
        [`oci:${join(dir, 'missing')}`, /cannot read the OCI layout directory/],
        ['podman:-x', /"-x" is not an image reference/],
        ['podman:--output=/tmp/x', /is not an image reference/],
      ];
      for (const [target, message] of cases) {
        const io = capture();
        const args = command === 'scan' ? ['scan', target, '--offline', '--db', join(dir, 'no.db')] : ['profile', target];
        expect({ target, code: await main(args, io) }).toEqual({ target, code: 2 });
        expect(io.err).toMatch(message);
        expect(io.err).not.toMatch(/internal error|ENOENT|EISDIR/);
      }
    },
  );

  it('an image with a symlink target of 400,000 components: scan and profile finish, the link is a diagnostic (was exit 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
    const layer = await packTar([
      { name: 'bin/app', mode: 0o755, content: Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(60)]) },
      { name: 'bin/deep', type: 'symlink', linkname: 'a/'.repeat(400_000) },
    ]);
    const file = join(dir, 'deep.tar');
    await writeOciArchive(file, { layers: [layer], config: { Entrypoint: ['/bin/deep'] } });
    const scan = capture();
    const code = await main(
      ['scan', `oci-archive:${file}`, '--format', 'json', '--offline', '--no-cache', '--db', join(dir, 'no.db')],
      scan,
    );
    expect([0, 1]).toContain(code);
    expect(scan.err).toMatch(/image-link-target-too-long/);
    const profile = capture();
    expect(await main(['profile', `oci-archive:${file}`, '--no-cache'], profile)).toBe(2);
    expect(profile.err).toMatch(/bin\/deep" → a target of 800000 bytes, over Linux's PATH_MAX of 4096/);
    expect((JSON.parse(profile.out) as { containers: unknown[] }).containers).toHaveLength(1);
  });

  it('usage errors exit 2 and --help exits 0', async () => {
    expect(await main(['profile'], capture())).toBe(2);
    expect(await main(['frobnicate'], capture())).toBe(2);
    expect(await main(['--help'], capture())).toBe(0);
  });

  it('emit writes files into the output directory only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
    const profile = join(dir, 'shop.json');
    expect(await main(['profile', join(repo, 'examples/shop'), '-o', profile], capture())).toBe(0);
    const io = capture();
    expect(await main(['emit', profile, '--as', 'seccomp', '-o', join(dir, 'seccomp')], io)).toBe(0);
    expect(readdirSync(join(dir, 'seccomp')).sort()).toEqual([
      'api.seccomp.json',
      'cache.seccomp.json',
      'db.seccomp.json',
      'web.seccomp.json',
      'worker.seccomp.json',
    ]);
    expect(existsSync(join(dir, 'seccomp', 'api.seccomp.json'))).toBe(true);
  });

  it('emit --strict closes egress the profile does not call complete; without it the run says egress stays open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'charter-cli-'));
    const profile = join(dir, 'shop.json');
    expect(await main(['profile', join(repo, 'examples/shop'), '-o', profile], capture())).toBe(0);
    const open = capture();
    expect(await main(['emit', profile, '--as', 'network-policy', '--container', 'worker'], open)).toBe(0);
    expect(open.out).not.toMatch(/- Egress/);
    expect(open.err).toMatch(/^info: network-policy\.yaml: container worker: egress not restricted .*\[emit\.netpol\.egress-open\]$/m);
    const strict = capture();
    expect(await main(['emit', profile, '--as', 'network-policy', '--container', 'worker', '--strict'], strict)).toBe(0);
    expect(strict.out).toMatch(/- Egress/);
    expect(strict.out).toMatch(/k8s-app: kube-dns/);
    expect(strict.err).not.toMatch(/egress-open/);
  });
});
