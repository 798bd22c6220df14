import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageAppFiles } from '../../pipeline/image.js';
import { packTar, writeDockerArchive, writeOciArchive } from './fixtures/build.js';

let dir: string;
let archive: string;
let layers: Buffer[];

const text = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('utf8') : undefined);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-app-files-'));
  layers = [
    await packTar([
      { name: 'usr/bin/node', mode: 0o755, content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]) },
      { name: 'app/', type: 'directory' },
      { name: 'app/server.js', content: 'require("./old")\n' },
      { name: 'app/old.js', content: 'require("fs").unlinkSync("/x")\n' },
      { name: 'app/secret.js', content: 'gone\n' },
      { name: 'app/lib/', type: 'directory' },
      { name: 'app/lib/a.js', content: 'lib a\n' },
      { name: 'app/README.md', content: 'not code' },
      { name: 'app/start', content: 'extension-less entry\n' },
      { name: 'app/shared.js', content: 'shared body\n' },
      { name: 'srv/outside.js', content: 'not under root' },
    ]),
    await packTar([
      // Deleted, replaced and opaque: none of the lower copies may be handed out.
      { name: 'app/.wh.old.js' },
      { name: 'app/.wh.secret.js' },
      { name: 'app/lib/.wh..wh..opq' },
      { name: 'app/lib/b.js', content: 'lib b\n' },
      { name: 'app/server.js', content: 'require("./new")\n' },
      { name: 'app/new.js', content: 'new\n' },
      { name: 'app/link.js', type: 'symlink', linkname: 'new.js' },
      { name: 'app/hard.js', type: 'link', linkname: 'app/shared.js' },
      { name: 'app/empty.json', content: '' },
    ]),
  ];
  archive = path.join(dir, 'app.tar');
  await writeOciArchive(archive, { layers, gzip: true, config: { WorkingDir: '/app', Cmd: ['node', 'server.js'] } });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readImageAppFiles', () => {
  it('collects code under the root after whiteouts, opaque dirs and replacements', async () => {
    const got = await readImageAppFiles(`oci-archive:${archive}`, '/app', { extraPaths: ['start'] });
    expect(Object.keys(got.files).sort()).toEqual(['empty.json', 'hard.js', 'lib/b.js', 'new.js', 'server.js', 'shared.js', 'start']);
    expect(text(got.files['server.js'])).toBe('require("./new")\n');
    // A hardlink to a lower layer's file shares its contents.
    expect(text(got.files['hard.js'])).toBe('shared body\n');
    expect(got.files['old.js']).toBeUndefined();
    expect(got.files['secret.js']).toBeUndefined();
    expect(got.files['lib/a.js']).toBeUndefined();
    expect(got.links).toEqual({ 'link.js': 'new.js' });
    expect(got.truncated).toBeUndefined();
    expect(got.missing).toEqual([]);
  });

  it('reads docker-archive the same way; trailing slashes in the root do not matter', async () => {
    const file = path.join(dir, 'app-docker.tar');
    await writeDockerArchive(file, { layers, config: {} });
    const got = await readImageAppFiles(`docker-archive:${file}`, '/app/');
    expect(Object.keys(got.files).sort()).toEqual(['empty.json', 'hard.js', 'lib/b.js', 'new.js', 'server.js', 'shared.js']);
  });

  it('stops at the byte and file limits and says so', async () => {
    const bytes = await readImageAppFiles(`oci-archive:${archive}`, '/app', { maxBytes: 20 });
    expect(bytes.truncated).toMatch(/exceed 20 bytes/);
    expect(Object.values(bytes.files).reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(20);
    const files = await readImageAppFiles(`oci-archive:${archive}`, '/app', { maxFiles: 2 });
    expect(files.truncated).toMatch(/more than 2 application files/);
    expect(Object.keys(files.files).length).toBeLessThanOrEqual(2);
  });

  it('refuses a root that climbs', async () => {
    await expect(readImageAppFiles(`oci-archive:${archive}`, '/app/../etc')).rejects.toThrow(/\.\. component/);
  });
});
