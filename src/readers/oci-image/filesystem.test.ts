import { describe, expect, it } from 'vitest';
import type { ImageFile } from '../types.js';
import { ImageTree } from './filesystem.js';
import { S_IFLNK, S_IFREG } from './layers.js';
import { MAX_SYMLINK_HOPS, PATH_MAX } from './linux-limits.js';

const file = (path: string): [string, ImageFile] => [path, { path, mode: S_IFREG | 0o755, size: 1, executable: 'elf', setuid: false, setgid: false, layer: 'sha256:l' }];
const link = (path: string, linkTarget: string): [string, ImageFile] => [
  path,
  { path, mode: S_IFLNK | 0o777, size: 0, executable: 'none', setuid: false, setgid: false, layer: 'sha256:l', linkTarget },
];

describe('ImageTree.resolve is bounded like the kernel', () => {
  it('follows a chain of exactly MAX_SYMLINK_HOPS links, and stops (loop) one beyond', () => {
    const chain = (n: number): ImageTree =>
      new ImageTree(new Map([file('/bin/app'), ...Array.from({ length: n }, (_, i) => link(`/l${i}`, i === n - 1 ? '/bin/app' : `/l${i + 1}`))]));
    const ok = chain(MAX_SYMLINK_HOPS).resolve('/l0');
    expect(ok).toMatchObject({ path: '/bin/app', loop: false, tooLong: false });
    expect(ok.via).toHaveLength(MAX_SYMLINK_HOPS);
    const over = chain(MAX_SYMLINK_HOPS + 1).resolve('/l0');
    expect(over).toMatchObject({ loop: true, tooLong: false });
    expect(over.file).toBeUndefined();
  });

  it('a link target with 400,000 components is refused without recursion (too long)', () => {
    const tree = new ImageTree(new Map([file('/a'), link('/deep', 'a/'.repeat(400_000))]));
    const r = tree.resolve('/deep');
    expect(r).toMatchObject({ tooLong: true, loop: false });
    expect(r.file).toBeUndefined();
  });

  it('links that each stay under PATH_MAX but build a longer path are refused (too long)', () => {
    // /d → x/…/x/e (3001 bytes), a relative link there → y/…/y/f (3001 bytes): 6000 bytes walked.
    const x = `${'x/'.repeat(1500)}`;
    const tree = new ImageTree(new Map([link('/d', `${x}e`), link(`/${x}e`, `${'y/'.repeat(1500)}f`), file(`/${x}${'y/'.repeat(1500)}f`)]));
    expect(tree.resolve('/d')).toMatchObject({ tooLong: true });
  });

  it('a path over PATH_MAX is refused before it is split', () => {
    expect(new ImageTree(new Map([file('/a')])).resolve(`/${'a'.repeat(PATH_MAX)}`)).toMatchObject({ tooLong: true });
  });

  it('a path of exactly PATH_MAX bytes resolves', () => {
    const name = `/${'b'.repeat(PATH_MAX - 1)}`;
    expect(new ImageTree(new Map([file(name)])).resolve(name)).toMatchObject({ path: name, tooLong: false, loop: false });
  });

  it('.. at the root stays at the root', () => {
    const tree = new ImageTree(new Map([file('/etc/shadow'), link('/bin/up', '../../../etc/shadow')]));
    expect(tree.resolve('/bin/up')).toMatchObject({ path: '/etc/shadow', clamped: true });
  });
});
