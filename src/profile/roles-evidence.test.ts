// A role inferred from a name alone must not widen a profile whose image was read: the image's
// package database or the role's own program in it is the evidence; a name is reported and adds
// syscalls only. Images are built in process (small OCI archives), one per case.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerCharter } from '../model/charter.js';
import { packTar, writeOciArchive, type Entry } from '../readers/oci-image/fixtures/build.js';
import { profileTargets } from '../test-support/profile.js';
import { explain } from './explain.js';

// Stand-ins for two different programs: an ELF header, then bytes that tell them apart.
const BUSYBOX = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('BusyBox v1.36.1 multi-call binary')]);
const APACHE = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('Apache/2.4.62 (Unix)')]);
const APPLETS = ['sh', 'httpd', 'nc', 'cat', 'wget'];
const APACHE_CAPS = ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID'];

/** A busybox root file system; its applets are symlinks, hard links or plain copies of the one file. */
function busyboxLayer(how: 'symlink' | 'hardlink' | 'copy'): Promise<Buffer> {
  const applet = (a: string): Entry =>
    how === 'symlink'
      ? { name: `bin/${a}`, type: 'symlink', linkname: 'busybox' }
      : how === 'hardlink'
        ? { name: `bin/${a}`, type: 'link', linkname: 'bin/busybox' }
        : { name: `bin/${a}`, mode: 0o755, content: BUSYBOX };
  return packTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', mode: 0o755, content: BUSYBOX },
    ...APPLETS.map(applet),
    { name: 'var/www/index.html', content: '<h1>hi</h1>\n' },
  ]);
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'charter-roles-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

async function image(name: string, layers: Buffer[], ref: string, config: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `${name}.tar`);
  await writeOciArchive(file, { layers, ref, config });
  return `oci-archive:${file}`;
}

async function only(targets: string[]): Promise<ContainerCharter> {
  const ch = await profileTargets(targets);
  expect(ch.containers).toHaveLength(1);
  return ch.containers[0] as ContainerCharter;
}

const HTTPD_CMD = { Cmd: ['httpd', '-f', '-p', '8080', '-h', '/var/www'], ExposedPorts: { '8080/tcp': {} } };

describe('a busybox web server (its httpd applet, no Apache in the image)', () => {
  it.each(['symlink', 'hardlink', 'copy'] as const)(
    '%s applets: busybox, not Apache; no shell, data directory or capability',
    async (how) => {
      const c = await only([await image(`bb-${how}`, [await busyboxLayer(how)], 'example.com/team/site:1', HTTPD_CMD)]);
      expect(c.roles.map((r) => [r.id, r.evidence])).toEqual([['busybox', 'image-file']]);
      expect(c.filesystem.writable.map((w) => w.path)).toEqual(['/tmp']);
      expect(c.capabilities).toEqual([]);
      // One rule, the entrypoint, allowed as the httpd applet only: not sh, not nc.
      expect(c.processes).toHaveLength(1);
      expect(c.processes[0]?.purpose).toBe('entrypoint');
      expect(c.processes[0]?.applets).toEqual(['httpd']);
    },
  );

  it('run as root from an image named like Apache: the name is reported, and grants nothing', async () => {
    const c = await only([await image('bb-named-httpd', [await busyboxLayer('hardlink')], 'example.com/team/httpd:1', HTTPD_CMD)]);
    const apache = c.roles.find((r) => r.id === 'httpd');
    expect(apache?.evidence).toBe('name');
    expect(apache?.sources.some((s) => /by name only/.test(s.reason))).toBe(true);
    expect(c.processes.map((p) => p.path)).toEqual(['/bin/httpd']);
    expect(c.filesystem.writable.map((w) => w.path)).toEqual(['/tmp']);
    expect(c.capabilities).toEqual([]);
    expect(c.network.listen.map((l) => l.port)).toEqual([8080]);
    // Syscalls only: the name-only role may still name the groups its component needs.
    expect(c.syscalls.groups?.map((g) => g.group)).toContain('network-server');
  });
});

describe('Apache borne out by the image', () => {
  it("its program is a real file of the image: the role's directories and capabilities (started as root)", async () => {
    const layer = await packTar([
      { name: 'usr/local/apache2/bin/httpd', mode: 0o755, content: APACHE },
      { name: 'usr/local/bin/httpd-foreground', mode: 0o755, content: '#!/bin/sh\nexec httpd -DFOREGROUND\n' },
    ]);
    const c = await only([
      await image('apache', [await busyboxLayer('symlink'), layer], 'example.com/library/httpd:2.4', {
        Cmd: ['httpd-foreground'],
        Env: ['PATH=/usr/local/apache2/bin:/usr/local/bin:/usr/bin:/bin'],
        ExposedPorts: { '80/tcp': {} },
      }),
    ]);
    const apache = c.roles.find((r) => r.id === 'httpd');
    expect(apache?.evidence).toBe('image-file');
    expect(apache?.sources.some((s) => s.path === '/usr/local/apache2/bin/httpd')).toBe(true);
    expect(c.capabilities.map((x) => x.name)).toEqual(expect.arrayContaining(APACHE_CAPS));
    expect(c.filesystem.writable.map((w) => w.path)).toContain('/usr/local/apache2/logs');
  });

  it('its package is in the image: evidence package', async () => {
    const dpkg = 'Package: apache2\nStatus: install ok installed\nVersion: 2.4.62-1\n\n';
    const layer = await packTar([
      { name: 'var/lib/dpkg/status', content: dpkg },
      { name: 'usr/sbin/apache2', mode: 0o755, content: APACHE },
    ]);
    const c = await only([await image('apache-deb', [layer], 'example.com/team/front:1', { Cmd: ['/usr/sbin/apache2', '-DFOREGROUND'] })]);
    expect(c.roles.find((r) => r.id === 'httpd')?.evidence).toBe('package');
    expect(c.capabilities.map((x) => x.name)).toEqual(expect.arrayContaining(APACHE_CAPS));
  });
});

describe('no image read', () => {
  it('an image reference in a manifest is the best evidence there is: it shapes the profile, and explain says it is a name', async () => {
    const app = path.join(dir, 'declared');
    mkdirSync(app, { recursive: true });
    writeFileSync(path.join(app, 'compose.yaml'), 'services:\n  front:\n    image: httpd:2.4\n');
    const ch = await profileTargets([app]);
    const c = ch.containers[0] as ContainerCharter;
    expect(c.roles.map((r) => [r.id, r.evidence])).toEqual([['httpd', 'declared']]);
    expect(explain(ch, 'role:httpd').matches.map((m) => m.subject)).toEqual(['httpd (evidence: declared)']);
    expect(c.capabilities.map((x) => x.name)).toEqual(expect.arrayContaining(APACHE_CAPS));
    const why = explain(ch, 'path:/usr/local/apache2/logs').matches.flatMap((m) => m.sources.map((s) => s.reason));
    expect(why.join('\n')).toMatch(/image name only, no image read/);
    const cap = explain(ch, 'cap:SETUID').matches.flatMap((m) => m.sources.map((s) => s.reason));
    expect(cap.join('\n')).toMatch(/image name only, no image read/);
  });

  it('an executable named like a component, from a Dockerfile alone: a name, which grants nothing', async () => {
    const app = path.join(dir, 'named');
    mkdirSync(app, { recursive: true });
    writeFileSync(path.join(app, 'Dockerfile'), 'FROM example.com/base:1\nCMD ["httpd", "-f", "-p", "8080"]\n');
    const c = await only([app]);
    expect(c.roles.map((r) => [r.id, r.evidence])).toEqual([['httpd', 'name']]);
    expect(c.capabilities).toEqual([]);
    expect(c.filesystem.writable.map((w) => w.path)).toEqual(['/tmp']);
    expect(c.processes.map((p) => p.path)).toEqual(['httpd']);
  });
});

describe("a role's helper programs that are busybox applets", () => {
  it.each(['symlink', 'hardlink'] as const)('%s applets: allowed as those applets of the one file, and no other', async (how) => {
    const POSTGRES = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('PostgreSQL 16.4')]);
    const helpers = ['find', 'chmod', 'mkdir', 'id', 'nc'];
    const layer = await packTar([
      { name: 'bin/busybox', mode: 0o755, content: BUSYBOX },
      ...helpers.map((a): Entry =>
        how === 'symlink'
          ? { name: `bin/${a}`, type: 'symlink', linkname: 'busybox' }
          : { name: `bin/${a}`, type: 'link', linkname: 'bin/busybox' },
      ),
      { name: 'lib/apk/db/installed', content: 'P:postgresql16\nV:16.4-r0\nA:x86_64\n\n' },
      { name: 'usr/bin/postgres', mode: 0o755, content: POSTGRES },
      { name: 'usr/local/bin/docker-entrypoint.sh', mode: 0o755, content: '#!/bin/sh\nexec "$@"\n' },
    ]);
    const c = await only([await image(`pg-${how}`, [layer], 'example.com/team/db:1', { Cmd: ['postgres'] })]);
    expect(c.roles.find((r) => r.id === 'postgres')?.evidence).toBe('package');
    const applets = c.processes.filter((p) => p.purpose === 'role').flatMap((p) => p.applets ?? []);
    expect(applets.sort()).toEqual(['chmod', 'find', 'id', 'mkdir']);
    expect(c.processes.find((p) => p.path === '/usr/bin/postgres')?.applets).toBeUndefined();
  });
});

describe("a role's entrypoint helpers", () => {
  it('come only with the entrypoint script: a packaged server started directly gets no shell; names resolve on PATH, not /etc/init.d', async () => {
    const REDIS = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('redis-server 7.0.15')]);
    const files = (script: boolean): Entry[] => [
      { name: 'bin/busybox', mode: 0o755, content: BUSYBOX },
      ...['sh', 'find', 'id'].map((a): Entry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
      {
        name: 'var/lib/dpkg/status',
        content: 'Package: redis-server\nStatus: install ok installed\nVersion: 5:7.0.15-1\nArchitecture: amd64\n\n',
      },
      { name: 'usr/bin/redis-check-rdb', mode: 0o755, content: REDIS },
      { name: 'usr/bin/redis-server', type: 'symlink', linkname: 'redis-check-rdb' },
      { name: 'etc/init.d/redis-server', mode: 0o755, content: '#!/bin/sh\n' },
      ...(script ? [{ name: 'usr/local/bin/docker-entrypoint.sh', mode: 0o755, content: '#!/bin/sh\nexec "$@"\n' }] : []),
    ];
    const direct = await only([
      await image('redis-direct', [await packTar(files(false))], 'example.com/team/cache:1', { Cmd: ['redis-server'] }),
    ]);
    expect(direct.roles.find((r) => r.id === 'redis')?.evidence).toBe('package');
    expect(direct.processes.map((p) => p.path)).toEqual(['/usr/bin/redis-check-rdb']);
    const scripted = await only([
      await image('redis-script', [await packTar(files(true))], 'example.com/team/cache:2', { Cmd: ['redis-server'] }),
    ]);
    expect(scripted.processes.flatMap((p) => p.applets ?? []).sort()).toEqual(['find', 'id', 'sh']);
    expect(scripted.processes.map((p) => p.path)).toContain('/usr/local/bin/docker-entrypoint.sh');
    expect(scripted.processes.map((p) => p.path)).not.toContain('/etc/init.d/redis-server');
  });
});
