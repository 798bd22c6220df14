/** Transport paths that are missing, unreadable or the wrong kind: UserErrors, and nothing blocks. */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../../../model/errors.js';
import { openImage, parseImageSpec } from './index.js';
import { checkImageReference, isImageReference } from './image-reference.js';
import { podmanSaveError } from './podman.js';

const LIMITS = { maxPaxHeaderBytes: 1 << 20, maxEntries: 1000 };
let dir: string;
let fifo: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-local-path-'));
  fifo = path.join(dir, 'fifo');
  const made = spawnSync('mkfifo', [fifo]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${String(made.stderr)}`);
  await writeFile(path.join(dir, 'file.tar'), 'x');
  await mkdir(path.join(dir, 'layout'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openError(spec: string): Promise<UserError> {
  const err: unknown = await openImage(parseImageSpec(spec), spec, LIMITS).then(
    async (o) => {
      await o.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('the path a transport names', () => {
  it.each([
    ['oci-archive', 'missing.tar', /cannot read the image archive .*missing\.tar: no such file or directory/],
    ['docker-archive', 'missing.tar', /cannot read the image archive .*missing\.tar: no such file or directory/],
    ['oci', 'missing', /cannot read the OCI layout directory .*missing: no such file or directory/],
    ['oci-archive', 'layout', /layout is a directory, not an image archive \(an OCI layout directory is read with oci:/],
    ['docker-archive', 'layout', /layout is a directory, not an image archive/],
    ['oci', 'file.tar', /file\.tar is a file, not an OCI layout directory \(an image archive is read with oci-archive:/],
    // A FIFO opened for reading would block until a writer came: these must return at once.
    ['oci-archive', 'fifo', /fifo is a FIFO, not an image archive; only regular files are read/],
    ['docker-archive', 'fifo', /fifo is a FIFO, not an image archive/],
    ['oci', 'fifo', /fifo is a FIFO, not an OCI layout directory/],
    ['oci-archive', 'file.tar/x', /a component of the path is not a directory/],
  ])('%s:%s is refused with a plain message', async (transport, name, message) => {
    const spec = `${transport}:${path.join(dir, name)}`;
    const err = await openError(spec);
    expect(err.message).toMatch(message);
    expect(err.file).toBe(spec);
    expect(err.message).not.toMatch(/ENOENT|EISDIR|ENOTDIR/);
  });

  it('a character device is refused without opening it', async () => {
    const err = await openError('oci-archive:/dev/zero');
    expect(err.message).toMatch(/is a character device, not an image archive/);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable archive or directory: permission denied', async () => {
    const locked = path.join(dir, 'locked.tar');
    await writeFile(locked, 'x');
    await chmod(locked, 0);
    expect((await openError(`oci-archive:${locked}`)).message).toMatch(/locked\.tar: permission denied/);
    const lockedDir = path.join(dir, 'locked-dir');
    await mkdir(lockedDir, { mode: 0 });
    expect((await openError(`oci:${lockedDir}`)).message).toMatch(/locked-dir: permission denied/);
  });

  it('a FIFO inside an OCI layout is refused from stat, never opened', async () => {
    const layout = path.join(dir, 'fifo-layout');
    await mkdir(layout);
    spawnSync('mkfifo', [path.join(layout, 'index.json')]);
    const opened = await openImage(parseImageSpec(`oci:${layout}`), `oci:${layout}`, LIMITS);
    const err: unknown = await opened.source.read('index.json', 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/index\.json is a FIFO, not a regular file/);
    await expect(opened.source.size('index.json')).rejects.toBeInstanceOf(InputError);
  });
});

describe('podman references', () => {
  it.each([
    'alpine',
    'alpine:3.20',
    'registry.example.com/library/alpine:3.20',
    'localhost:5000/team/app_v2:1.0-rc.1',
    'registry.example.org:5000/a/b@sha256:' + 'a'.repeat(64),
    'localhost/x',
    '3f1c2a9b8e7d',
    'sha256:' + 'b'.repeat(64),
  ])('accepts %s', (ref) => expect(isImageReference(ref)).toBe(true));

  it.each(['-x', '--help', '--output=/etc/passwd', 'a b', 'Upper', 'x:', ':tag', 'a@sha256:xyz', 'a'.repeat(700), 'x\n--rm', '../x'])(
    'refuses %j (podman never sees it)',
    (ref) => {
      expect(isImageReference(ref)).toBe(false);
      expect(() => checkImageReference(ref, `podman:${ref}`)).toThrow(UserError);
    },
  );

  it('podman:-x is a UserError from openImage, before podman runs', async () => {
    const err = await openError('podman:-x');
    expect(err.message).toMatch(/"-x" is not an image reference/);
  });

  it("a missing image or missing podman is the user's to fix; other failures are podman's", () => {
    const noImage = podmanSaveError('nosuch', Object.assign(new Error('exit 125'), { code: 125 }), 'Error: nosuch: image not known\n');
    expect(noImage).toBeInstanceOf(UserError);
    expect(noImage.message).toBe('no local podman image named nosuch');
    const noPodman = podmanSaveError('x', Object.assign(new Error('spawn podman ENOENT'), { code: 'ENOENT' }), '');
    expect(noPodman).toBeInstanceOf(UserError);
    expect(podmanSaveError('x', Object.assign(new Error('exit 125'), { code: 125 }), 'Error: storage is corrupt')).not.toBeInstanceOf(
      UserError,
    );
    const stuck = podmanSaveError('x', Object.assign(new Error('killed'), { killed: true, code: null }), '');
    expect(stuck).not.toBeInstanceOf(UserError);
    expect(stuck.message).toMatch(/did not finish within 30 minutes/);
  });
});
