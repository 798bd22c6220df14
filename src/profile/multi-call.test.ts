// Multi-call binaries (busybox): one file, many programs. Allowing one applet allows no other, in
// the profile, in explain and in diff.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter } from '../model/charter.js';
import type { ImageFile } from '../model/fragments.js';
import { packTar, writeOciArchive, type Entry } from '../readers/oci-image/fixtures/build.js';
import { profileTargets } from '../test-support/profile.js';
import { diffCharters } from './diff.js';
import { explain } from './explain.js';
import { appletOf, multiCallFiles } from './multi-call.js';

const BUSYBOX = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('BusyBox v1.36.1 multi-call binary')]);
const OTHER = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('another program')]);

const file = (p: string, sha: string, extra: Partial<ImageFile> = {}): [string, ImageFile] => [
  p,
  { path: p, sha256: sha, mode: 0o100755, size: 1, executable: 'elf', setuid: false, setgid: false, layer: 'sha256:l', ...extra },
];

describe('recognising a multi-call file', () => {
  it('by the content of the file installed under its own name: links and copies alike', () => {
    const files = new Map([
      file('/bin/busybox', 'a'.repeat(64)),
      file('/bin/httpd', 'a'.repeat(64)), // a hard link or a copy: same bytes
      file('/usr/bin/toybox', 'b'.repeat(64)),
      file('/usr/bin/env', 'c'.repeat(64)),
      file('/bin/sh', '', { linkTarget: 'busybox' }),
      file('/opt/busybox', 'd'.repeat(64), { executable: 'none', mode: 0o100644 }), // not executable: not a program
    ]);
    const found = multiCallFiles(files);
    expect([...found.entries()].sort()).toEqual([
      ['a'.repeat(64), 'busybox'],
      ['b'.repeat(64), 'toybox'],
    ]);
  });

  it.each([
    ['/bin/httpd', ['-f'], 'busybox', 'httpd'],
    ['/bin/busybox', ['httpd', '-f'], 'busybox', 'httpd'],
    ['/bin/busybox', ['--list'], 'busybox', undefined],
    ['/bin/busybox', undefined, 'busybox', undefined],
    ['/usr/bin/coreutils', ['--coreutils-prog=ls', '-l'], 'coreutils', 'ls'],
  ] as const)('%s %j runs applet %s of %s', (requested, args, binary, applet) => {
    expect(appletOf(requested, args as readonly string[] | undefined, binary)).toBe(applet);
  });
});

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'charter-multicall-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const APPLETS = ['sh', 'httpd', 'nc', 'cat'];
async function busyboxImage(name: string, how: 'symlink' | 'hardlink', config: Record<string, unknown>): Promise<Charter> {
  const link = (a: string): Entry =>
    how === 'symlink'
      ? { name: `bin/${a}`, type: 'symlink', linkname: 'busybox' }
      : { name: `bin/${a}`, type: 'link', linkname: 'bin/busybox' };
  const layer = await packTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', mode: 0o755, content: BUSYBOX },
    ...APPLETS.map(link),
    { name: 'usr/bin/other', mode: 0o755, content: OTHER },
  ]);
  const tar = path.join(dir, `${name}.tar`);
  await writeOciArchive(tar, { layers: [layer], ref: `example.com/team/${name}:1`, config });
  return profileTargets([`oci-archive:${tar}`]);
}
const only = (ch: Charter): ContainerCharter => ch.containers[0] as ContainerCharter;

describe('a busybox image running its httpd applet', () => {
  it.each(['symlink', 'hardlink'] as const)('%s: the rule allows httpd only; explain finds no sh or nc', async (how) => {
    const ch = await busyboxImage(`web-${how}`, how, { Cmd: ['httpd', '-f', '-p', '8080'], User: '1000' });
    const c = only(ch);
    expect(c.processes.map((p) => [p.path, p.invokedAs, p.applets])).toEqual([
      how === 'symlink' ? ['/bin/busybox', ['/bin/httpd'], ['httpd']] : ['/bin/httpd', undefined, ['httpd']],
    ]);
    expect(explain(ch, 'exec:httpd').matches).toHaveLength(1);
    expect(explain(ch, 'exec:/bin/httpd').matches).toHaveLength(1);
    for (const q of ['exec:nc', 'exec:/bin/nc', 'exec:sh', 'exec:/bin/sh', 'exec:cat']) expect(explain(ch, q).matches, q).toEqual([]);
  });

  it('a shell script beside it adds the sh applet of the same file, and only that', async () => {
    const c = only(await busyboxImage('web-sh', 'symlink', { Cmd: ['/bin/sh', '-c', 'httpd -f -p 8080'] }));
    expect(c.processes.map((p) => [p.path, p.applets])).toEqual([['/bin/busybox', ['httpd', 'sh']]]);
  });

  it('a command relative to the working directory is run by its path inside the image', async () => {
    const c = only(await busyboxImage('relative', 'symlink', { WorkingDir: 'var', Cmd: ['../bin/httpd', '-f'] }));
    expect(c.processes.map((p) => [p.path, p.invokedAs, p.applets])).toEqual([['/bin/busybox', ['/bin/httpd'], ['httpd']]]);
  });

  it('other programs of the image are ordinary files: no applets', async () => {
    const c = only(await busyboxImage('other', 'symlink', { Cmd: ['/usr/bin/other'] }));
    expect(c.processes.map((p) => [p.path, p.applets])).toEqual([['/usr/bin/other', undefined]]);
  });
});

describe('diff', () => {
  it('another applet of the same file is a new program: the change widens', async () => {
    const before = await busyboxImage('d-httpd', 'symlink', { Cmd: ['/bin/busybox', 'httpd', '-f', '-p', '8080'] });
    const after = await busyboxImage('d-nc', 'symlink', { Cmd: ['/bin/busybox', 'nc', '-l', '-p', '8080'] });
    const rename = (ch: Charter): Charter => ({ ...ch, containers: ch.containers.map((c) => ({ ...c, name: 'web' })) });
    const d = diffCharters(rename(before), rename(after));
    expect(d.widened).toBe(true);
    expect(d.changes.filter((x) => x.kind === 'exec').map((x) => [x.op, x.subject, x.widens])).toEqual([
      ['added', 'nc (applet of /bin/busybox)', true],
      ['removed', 'httpd (applet of /bin/busybox)', false],
    ]);
  });

  it('a rule that gains applets narrows; one that loses them widens to every applet', async () => {
    const ch = await busyboxImage('d-same', 'symlink', { Cmd: ['httpd', '-f'] });
    const without: Charter = {
      ...ch,
      containers: ch.containers.map((c) => ({ ...c, processes: c.processes.map(({ applets: _a, ...p }) => p) })),
    };
    const narrowed = diffCharters(without, ch);
    expect(narrowed.widened).toBe(false);
    expect(narrowed.changes.map((x) => x.subject)).toEqual(['/bin/busybox: only applets httpd (was any)']);
    const widened = diffCharters(ch, without);
    expect(widened.widened).toBe(true);
    expect(widened.changes.map((x) => x.subject)).toEqual(['/bin/busybox: any applet (was httpd)']);
  });
});
