import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import { ArchiveSource } from './blob-source.js';
import { podmanEnv, REPO_CONTAINERS_CONF } from './podman.js';
import { parseImageSpec } from './index.js';
import { TarFormatError, TarWalker, type TarHeader } from './tar.js';

async function pack(
  entries: { name: string; content?: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string }[],
): Promise<Buffer> {
  const p = tar.pack();
  for (const e of entries) {
    const { content, ...header } = e;
    if (content === undefined) p.entry(header);
    else p.entry(header, content);
  }
  p.finalize();
  const parts: Buffer[] = [];
  for await (const c of p) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Raw header with optional base-256 size and GNU/pax flags. */
function header(name: string, size: number, flag: string, opts: { base256?: boolean; prefix?: string } = {}): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100);
  b.write('0000644\0', 100, 'latin1');
  if (opts.base256) {
    b[124] = 0x80;
    b.writeUIntBE(size, 136 - 6, 6);
  } else b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write(flag, 156, 'latin1');
  b.write('ustar\x0000', 257, 'latin1');
  if (opts.prefix) b.write(opts.prefix, 345, 155);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}
const body = (s: string): Buffer => {
  const b = Buffer.alloc(Math.ceil(s.length / 512) * 512);
  b.write(s);
  return b;
};

function walk(data: Buffer, chunk: number): { names: string[]; links: string[]; bodies: string[] } {
  const names: string[] = [];
  const links: string[] = [];
  const bodies: string[] = [];
  const w = new TarWalker(
    {
      entry(h: TarHeader) {
        names.push(`${h.type}:${h.name}:${h.size}`);
        if (h.linkName) links.push(h.linkName);
        const parts: Buffer[] = [];
        return { data: (c) => parts.push(Buffer.from(c)), end: () => bodies.push(Buffer.concat(parts).toString()) };
      },
    },
    { maxMetaBytes: 1 << 20 },
  );
  for (let i = 0; i < data.length; i += chunk) w.push(data.subarray(i, i + chunk));
  w.finish();
  return { names, links, bodies };
}

describe('TarWalker', () => {
  const longName = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
  const cases: { name: string; data: () => Promise<Buffer>; names: string[]; bodies: string[]; links?: string[] }[] = [
    {
      name: 'ustar files, dirs and symlinks',
      data: () =>
        pack([
          { name: 'a/', type: 'directory' },
          { name: 'a/b', content: 'hello' },
          { name: 'a/l', type: 'symlink', linkname: 'b' },
        ]),
      names: ['directory:a/:0', 'file:a/b:5', 'symlink:a/l:0'],
      bodies: ['', 'hello', ''],
      links: ['b'],
    },
    {
      name: 'pax long path (tar-stream writes one for long names)',
      data: () => pack([{ name: longName, content: 'x' }]),
      names: [`file:${longName}:1`],
      bodies: ['x'],
    },
    {
      name: 'GNU long name and long link',
      data: () =>
        Promise.resolve(
          Buffer.concat([
            header('././@LongLink', longName.length + 1, 'L'),
            body(`${longName}\0`),
            header('././@LongLink', 300, 'K'),
            body('t'.repeat(300)),
            header('short', 0, '2'),
            Buffer.alloc(1024),
          ]),
        ),
      names: [`symlink:${longName}:0`],
      bodies: [''],
      links: ['t'.repeat(300)],
    },
    {
      name: 'ustar prefix field and base-256 size',
      data: () =>
        Promise.resolve(Buffer.concat([header('name', 3, '0', { base256: true, prefix: 'pre/fix' }), body('abc'), Buffer.alloc(1024)])),
      names: ['file:pre/fix/name:3'],
      bodies: ['abc'],
    },
  ];
  for (const chunk of [1, 7, 512, 100_000]) {
    it.each(cases)(`$name (chunks of ${chunk})`, async ({ data, names, bodies, links }) => {
      const r = walk(await data(), chunk);
      expect(r.names).toEqual(names);
      expect(r.bodies).toEqual(bodies);
      if (links) expect(r.links).toEqual(links);
    });
  }

  it.each([
    ['truncated body', async () => (await pack([{ name: 'a', content: 'x'.repeat(2000) }])).subarray(0, 1000), /truncated at byte 1000/],
    ['truncated header', async () => (await pack([{ name: 'a', content: 'x' }])).subarray(0, 100), /truncated at byte 100/],
    ['bad checksum', async () => Buffer.from((await pack([{ name: 'a', content: 'x' }])).fill(0x31, 0, 4)), /checksum at byte 0/],
    [
      'oversized pax header',
      () => Promise.resolve(Buffer.concat([header('p', 2 << 20, 'x'), Buffer.alloc(512)])),
      /pax header of 2097152 bytes/,
    ],
    [
      'malformed pax record',
      () => Promise.resolve(Buffer.concat([header('p', 12, 'x'), body('99 path=abc\n'), Buffer.alloc(1024)])),
      /malformed pax record/,
    ],
  ])('%s → TarFormatError', async (_, data, message) => {
    expect(() => walk(Buffer.from(new Uint8Array(0)), 1)).not.toThrow();
    let err: unknown;
    try {
      walk(await data(), 64);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TarFormatError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('ArchiveSource', () => {
  it('indexes members by offset, follows symlinks, later duplicates win', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'charter-archive-'));
    try {
      const file = path.join(dir, 'a.tar');
      await writeFile(
        file,
        await pack([
          { name: './x.tar', content: 'first' },
          { name: 'x.tar', content: 'second!' },
          { name: 'id/layer.tar', type: 'symlink', linkname: '../x.tar' },
        ]),
      );
      const src = await ArchiveSource.open(file, 'a.tar', { maxPaxHeaderBytes: 1 << 20, maxEntries: 100 });
      expect((await src.read('id/layer.tar', 100)).toString()).toBe('second!');
      expect(await src.size('x.tar')).toBe(7);
      expect(await src.size('missing')).toBeUndefined();
      const parts: Buffer[] = [];
      for await (const c of src.stream('./x.tar')) parts.push(c as Buffer);
      expect(Buffer.concat(parts).toString()).toBe('second!');
      await expect(src.read('x.tar', 3)).rejects.toThrow(/over the limit of 3/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('image specs and podman env', () => {
  it.each([
    ['oci-archive:/a/b.tar', 'oci-archive', '/a/b.tar'],
    ['docker-archive:x.tar', 'docker-archive', 'x.tar'],
    ['oci:dir', 'oci', 'dir'],
    ['podman:localhost/shop/api:1.0', 'podman', 'localhost/shop/api:1.0'],
  ])('%s', (spec, transport, target) => {
    expect(parseImageSpec(spec)).toEqual({ transport, target });
  });

  it('defaults CONTAINERS_CONF to the repository config, keeps a set one', () => {
    expect(REPO_CONTAINERS_CONF.endsWith(path.join('config', 'containers.conf'))).toBe(true);
    expect(podmanEnv({})['CONTAINERS_CONF']).toBe(REPO_CONTAINERS_CONF);
    expect(podmanEnv({ CONTAINERS_CONF: '/etc/x.conf' })['CONTAINERS_CONF']).toBe('/etc/x.conf');
  });
});
