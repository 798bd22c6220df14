/**
 * The diff gate on real images: v2 of a busybox web image adds a database URL and a shell
 * healthcheck. Profiling both versions (saved image + Dockerfile) and diffing them must flag the
 * widening, in the library and through the CLI (`charter profile`, `charter diff`, exit code 1).
 * Needs root on Linux; skipped loudly elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffCharters, summarise, type CharterDiff } from '../../src/profile/diff.js';
import type { Charter } from '../../src/model/charter.js';
import { toJson } from '../../src/profile/serialize.js';
import { ensureBuilt } from '../../src/test-support/built-cli.js';
import { BUSYBOX_SERVICE, busyboxRootfsTar } from '../../src/test-support/images.js';
import { canRunPodmanTests, cleanup, podmanOk } from '../../src/test-support/podman.js';
import { repoRoot } from '../../src/test-support/profile.js';
import { buildAndSave, onlyContainer, profileImage, tempDir, writeContext } from './harness.js';

const canRun = canRunPodmanTests('test/enforcement/diff.test.ts', { untested: 'the diff gate on real images' });

const RUN_ID = `${process.pid}`;
const BASE = `localhost/charter-e2e/diff-base:${RUN_ID}`;
// One repository, two tags: both versions are the same container (`web`) to the correlator.
const V1 = `localhost/charter-e2e/web:diff-v1-${RUN_ID}`;
const V2 = `localhost/charter-e2e/web:diff-v2-${RUN_ID}`;

const V1_LINES = (base: string): string[] => [
  `FROM ${base}`,
  'COPY index.html /var/www/index.html',
  'USER 1000',
  'EXPOSE 8080',
  'CMD ["httpd","-f","-p","8080","-h","/var/www"]',
];
const V2_LINES = (base: string): string[] => [
  ...V1_LINES(base),
  // A database outside the application (a managed one): a one-label name like `db` would be a
  // service of the application, and one the profile does not hold is only diagnosed, never allowed.
  'ENV DATABASE_URL=postgres://db.example.com:5432/app',
  'HEALTHCHECK CMD ["/bin/sh","-c","wget -q -O- http://127.0.0.1:8080/"]',
];

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [path.join(repoRoot, 'bin/charter.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!canRun)('diff gate on two versions of a real image', () => {
  let dir = '';
  let v1: Charter;
  let v2: Charter;
  let diff: CharterDiff;
  let summary = '';
  const files: Record<'v1' | 'v2', { archive: string; dockerfile: string }> = {
    v1: { archive: '', dockerfile: '' },
    v2: { archive: '', dockerfile: '' },
  };

  beforeAll(async () => {
    dir = tempDir('charter-e2e-diff-');
    podmanOk(['import', busyboxRootfsTar(dir, BUSYBOX_SERVICE), BASE], { timeoutMs: 60_000 });
    for (const [version, image, lines] of [
      ['v1', V1, V1_LINES(BASE)],
      ['v2', V2, V2_LINES(BASE)],
    ] as const) {
      // `<version>/web/Dockerfile`: the directory names the container, as in a repository.
      const context = path.join(dir, version, 'web');
      const dockerfile = writeContext(context, { Dockerfile: `${lines.join('\n')}\n`, 'index.html': 'hello\n' });
      // Docker format and a docker-archive keep the HEALTHCHECK in the image config too.
      const archive = buildAndSave(context, image, path.join(dir, `${version}.tar`), 'docker');
      files[version] = { archive, dockerfile };
    }
    v1 = await profileImage(files.v1.archive, files.v1.dockerfile, 'web');
    v2 = await profileImage(files.v2.archive, files.v2.dockerfile, 'web');
    diff = diffCharters(v1, v2);
    summary = summarise(diff);
  });

  afterAll(() => {
    if (canRun) cleanup([], [V1, V2, BASE]);
    if (dir !== '' && !process.env['CHARTER_E2E_KEEP']) rmSync(dir, { recursive: true, force: true });
  });

  it('profiles both versions as the same one container', () => {
    expect(onlyContainer(v1).name).toBe('web');
    expect(onlyContainer(v2).name).toBe('web');
  });

  it('v2 declares the database egress (and the resolver to find it)', () => {
    const egress = onlyContainer(v2).network.egress.map(
      (e) => `${e.peer.kind === 'dns' || e.peer.kind === 'container' ? e.peer.name : e.peer.kind}:${e.port ?? '*'}/${e.protocol}`,
    );
    expect(egress).toEqual(['@resolver:53/tcp', '@resolver:53/udp', 'db.example.com:5432/tcp']);
    expect(onlyContainer(v1).network.egress).toEqual([]);
  });

  it('flags the widening: egress to db.example.com:5432, and the gate fails', () => {
    expect(diff.widened).toBe(true);
    const added = diff.changes.filter((c) => c.widens).map((c) => `${c.kind} ${c.subject}`);
    expect(added).toContain('egress db.example.com:5432/tcp');
    expect(summary).toMatch(/^web adds .*egress to db\.example\.com:5432\/tcp/);
  });

  // In a busybox image /bin/sh, wget and httpd are one file: the rule keeps every name it runs as,
  // so the healthcheck's new shell is visible to the user and to the gate.
  it('v2 records the healthcheck shell as a name busybox now runs as', () => {
    const busybox = onlyContainer(v2).processes.find((p) => p.path === '/bin/busybox');
    expect(busybox?.invokedAs).toEqual(expect.arrayContaining(['/bin/httpd', '/bin/sh']));
    expect(busybox?.sources.some((s) => /HEALTHCHECK|Healthcheck/i.test(s.reason))).toBe(true);
  });

  it('the gate names the new shell (exec of /bin/sh)', () => {
    expect(summary).toMatch(/exec of \/bin\/sh/);
  });

  it('the CLI gate exits 1 with the same summary', () => {
    ensureBuilt();
    const out: Record<string, string> = {};
    for (const version of ['v1', 'v2'] as const) {
      const target = path.join(dir, `${version}.json`);
      const r = cli(['profile', files[version].archive, '-f', files[version].dockerfile, '--name', 'web', '-o', target]);
      expect(r.status, r.stderr).toBe(0);
      out[version] = target;
    }
    const r = cli(['diff', out['v1'] as string, out['v2'] as string]);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(1);
    expect(r.stdout).toContain(`FAIL: ${summary}`);
    // The reverse direction only narrows: the gate passes.
    const back = cli(['diff', out['v2'] as string, out['v1'] as string]);
    expect(back.status, `${back.stdout}${back.stderr}`).toBe(0);
    expect(back.stdout).toMatch(/^ok: /m);
  });

  it('the library profile written as JSON diffs the same way through the CLI', () => {
    ensureBuilt();
    writeFileSync(path.join(dir, 'lib-v1.json'), toJson(v1));
    writeFileSync(path.join(dir, 'lib-v2.json'), toJson(v2));
    const r = cli(['diff', path.join(dir, 'lib-v1.json'), path.join(dir, 'lib-v2.json'), '--format', 'json']);
    expect(r.status, r.stderr).toBe(1);
    const parsed = JSON.parse(r.stdout) as CharterDiff & { summary: string };
    expect(parsed.summary).toBe(summary);
    expect(parsed.widened).toBe(true);
  });
});
