/**
 * Test support: root file systems for the images the container tests build. Each test imports them
 * under its own image names (tests run in parallel and must not share tags).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './profile.js';

/** Where built root file systems are kept between runs (gitignored). */
export const TEST_IMAGE_CACHE = path.join(repoRoot, '.cache/test-images');
/**
 * Packages installed on top of minbase: the distribution's Node.js (18), and strace for the Node 18
 * syscall map's check (src/knowledge/node-syscalls/node18-check.test.ts). They name the cached
 * tar, so changing the list never reuses a tar built from another one.
 */
const DEBIAN_NODE_PACKAGES = ['nodejs', 'strace'] as const;

/** Debian bookworm (minbase) with the distribution's nodejs and strace, as a tar for `podman import`. */
export function debianNodeRootfs(): string {
  return debianRootfs(DEBIAN_NODE_PACKAGES);
}

/**
 * Debian bookworm (minbase) with these packages, as a tar for `podman import`. Made with mmdebstrap
 * on first use (about a minute) and reused when present; written under a temporary name and linked
 * into place last, so a concurrent or interrupted run never sees half a tar. The package list names
 * the cached tar, so changing it never reuses a tar built from another one.
 */
export function debianRootfs(packages: readonly string[]): string {
  const tar = path.join(TEST_IMAGE_CACHE, `debian-bookworm-minbase-${packages.join('-')}.tar`);
  if (existsSync(tar)) return tar;
  mkdirSync(TEST_IMAGE_CACHE, { recursive: true });
  const partial = `${tar}.partial-${process.pid}`;
  const r = spawnSync(
    'mmdebstrap',
    ['--quiet', '--format=tar', '--variant=minbase', `--include=${packages.join(',')}`, 'bookworm', partial],
    {
      encoding: 'utf8',
      timeout: 900_000,
    },
  );
  if (r.status !== 0) {
    rmSync(partial, { force: true });
    throw new Error(`mmdebstrap failed (${String(r.status ?? r.signal)}): ${r.stderr}`);
  }
  // Two test files may build it at once. mmdebstrap output is not byte-reproducible, and a reader
  // (podman import digests, then copies) must never see the file replaced: the first one in wins.
  try {
    linkSync(partial, tar);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(partial, { force: true });
  }
  return tar;
}

export interface BusyboxLayout {
  /** Directories besides /bin; a `tmp` is made sticky and world-writable, as on any distribution. */
  dirs?: readonly string[];
  /** Names linked to busybox in /bin (default: only `sh`). */
  applets?: readonly string[];
  /** More files, by path below the root. */
  files?: Readonly<Record<string, string>>;
  /** Like `files`, but executable (mode 0755): scripts. */
  executables?: Readonly<Record<string, string>>;
  /**
   * Host programs copied in as executables (0755), by path below the root: part of the image's
   * layer. Their directories are made (a dynamic program's loader and libraries go to theirs).
   */
  programs?: Readonly<Record<string, string>>;
}

/** A small service image: applets for a web server and shell scripts, /var/www, and root and www (1000) users. */
export const BUSYBOX_SERVICE: BusyboxLayout = {
  dirs: ['tmp', 'etc', 'var/www'],
  applets: ['sh', 'httpd', 'cat', 'echo', 'ls', 'wget', 'nc', 'chown', 'id', 'mkdir', 'touch', 'stat', 'grep', 'sleep'],
  files: {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000:www:/var/www:/bin/sh\n',
    'etc/group': 'root:x:0:\nwww:x:1000:\n',
  },
};

/**
 * A busybox-static root file system as a tar owned by root, for `podman import`: /bin/busybox plus
 * applet links and whatever the layout adds. Written below `dir`; returns the tar's path.
 */
export function busyboxRootfsTar(dir: string, layout: BusyboxLayout = {}): string {
  const root = path.join(dir, 'bb-rootfs');
  for (const d of ['bin', ...(layout.dirs ?? [])]) mkdirSync(path.join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const a of layout.applets ?? ['sh']) symlinkSync('busybox', path.join(root, 'bin', a));
  for (const [name, content] of Object.entries(layout.files ?? {})) writeFileSync(path.join(root, name), content);
  for (const [name, content] of Object.entries(layout.executables ?? {})) writeFileSync(path.join(root, name), content, { mode: 0o755 });
  for (const [name, from] of Object.entries(layout.programs ?? {})) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    copyFileSync(from, path.join(root, name));
    chmodSync(path.join(root, name), 0o755);
  }
  if (layout.dirs?.includes('tmp')) chmodSync(path.join(root, 'tmp'), 0o1777);
  const archive = path.join(dir, 'bb-rootfs.tar');
  const tar = spawnSync('tar', ['--owner=0', '--group=0', '-C', root, '-cf', archive, '.'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return archive;
}
