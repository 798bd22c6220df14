/**
 * Which charter container a running container is, across several profiles: the profiled image by
 * digest, then the repository, then the name; ambiguity and no match said in one sentence; the
 * answer bound to the runtime id so every event of it gets it. Profiles that cannot be read are
 * refused naming the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { API_VERSION, emptyContainer, type Charter, type ContainerCharter } from '../../model/charter.js';
import { UserError } from '../../model/errors.js';
import { LiveAddressBook, matchRunning, openProfiles } from './profiles.js';
import type { RunningContainer } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'charter-agent-profiles-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function container(name: string, image?: string, digest?: string): ContainerCharter {
  const c = emptyContainer(name);
  if (image !== undefined) c.identity.image = image;
  if (digest !== undefined) c.identity.digest = digest;
  return c;
}

function profile(file: string, ...containers: ContainerCharter[]): string {
  const charter: Charter = {
    apiVersion: API_VERSION,
    kind: 'Charter',
    metadata: { name: file, generator: 'test' },
    inputs: [],
    containers,
    graph: { edges: [] },
    diagnostics: [],
  };
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(charter));
  return path;
}

const running = (over: Partial<RunningContainer>): RunningContainer => ({
  id: 'a'.repeat(64),
  name: 'x',
  image: 'localhost/other:1',
  pid: 42,
  labels: {},
  ...over,
});

const D1 = `sha256:${'1'.repeat(64)}`;
const shop = profile('shop.json', container('api', 'shop/api:1.0', D1), container('web', 'nginx:1.25'), container('db', 'postgres:16'));
const blog = profile('blog.json', container('frontend', 'nginx:1.25'), container('worker', 'blog/worker:2'));

describe('matchRunning', async () => {
  const slots = await openProfiles([shop, blog], 'monitor');
  const [shopSlot, blogSlot] = slots;

  it('takes the profiled image by its digest, whatever the name', () => {
    const m = matchRunning(running({ name: 'anything', image: 'registry.local/x:9', imageDigest: D1 }), slots);
    expect(m).toEqual({ binding: { slot: shopSlot, match: { name: 'api', by: 'image' } } });
  });

  it('takes a repository only one profile has, across tags and registries', () => {
    expect(matchRunning(running({ image: 'docker.io/blog/worker:3' }), slots).binding?.match.name).toBe('worker');
  });

  it('lets the name decide between two profiles that run the same image', () => {
    const m = matchRunning(running({ name: 'blog-frontend-1', image: 'docker.io/library/nginx:1.25' }), slots);
    expect(m.note).toBeUndefined();
    expect(m.binding).toEqual({ slot: blogSlot, match: { name: 'frontend', by: 'image' } });
    // A name neither knows: the first profile, and a note that says so.
    const both = matchRunning(running({ name: 'proxy', image: 'nginx:1.25' }), slots);
    expect(both.binding?.slot).toBe(shopSlot);
    expect(both.note).toBe(`proxy: its image matches web of ${shop}, frontend of ${blog}; judged as web of ${shop}`);
  });

  it('falls back to the name when the image says nothing', () => {
    expect(matchRunning(running({ name: 'shop-db-1', image: 'localhost/custom-db:1' }), slots).binding).toEqual({
      slot: shopSlot,
      match: { name: 'db', by: 'name' },
    });
  });

  it('says so when nothing matches', () => {
    expect(matchRunning(running({ name: 'stray', image: 'busybox' }), slots)).toEqual({
      note: `stray (image busybox) matches no container of ${shop}, ${blog}: watched in monitor mode, its events counted, not judged`,
    });
  });

  it('judges every event of a bound container as its binding, until unbound', () => {
    const engine = blogSlot!.engine;
    const id = 'b'.repeat(64);
    const event = {
      kind: 'exec' as const,
      time: '2026-12-05T10:00:00Z',
      container: { id, name: 'totally-unrelated' },
      process: { pid: 1, path: '/bin/sh' },
    };
    expect('unmatched' in engine.judge(event)).toBe(true);
    engine.matcher.bind(id, { name: 'worker', by: 'image' });
    const out = engine.judge(event);
    expect('verdict' in out && out.verdict.container).toBe('worker');
    engine.matcher.unbind(id);
    expect('unmatched' in engine.judge(event)).toBe(true);
  });

  it('judges one runtime container in its own mode, its siblings in theirs', () => {
    const engine = shopSlot!.engine;
    const [one, two] = ['c'.repeat(64), 'd'.repeat(64)];
    for (const id of [one, two]) engine.matcher.bind(id, { name: 'db', by: 'name' });
    engine.setRuntimeMode(one, 'protect');
    const ev = (id: string) => ({ kind: 'exec' as const, time: 't', container: { id }, process: { pid: 1, path: '/bin/nc' } });
    const mode = (id: string): string | undefined => {
      const out = engine.judge(ev(id));
      return 'verdict' in out ? `${out.verdict.mode} ${out.verdict.action}` : undefined;
    };
    expect([mode(one), mode(two)]).toEqual(['protect block', 'monitor alert']);
    engine.setRuntimeMode(one, undefined);
    expect(mode(one)).toBe('monitor alert');
  });
});

describe('openProfiles', () => {
  it('refuses a malformed profile naming the file and the position', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"apiVersion": "charter/v1",\n "kind": 7}');
    const err = await openProfiles([shop, bad], 'monitor').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).describe()).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:`));
  });

  it('refuses a missing profile naming it', async () => {
    const err = await openProfiles([join(dir, 'none.json')], 'monitor').catch((e: unknown) => e);
    expect((err as UserError).describe()).toBe(`${join(dir, 'none.json')}: cannot read profile: no such file or directory`);
  });
});

describe('LiveAddressBook', () => {
  it('names the charter container at an address in any spelling, until it stops', () => {
    const book = new LiveAddressBook();
    book.set(['10.89.0.3', 'fd00::3'], 'db', ['shop-db-1']);
    expect(book.lookup('::ffff:10.89.0.3')).toEqual({ container: 'db', names: ['db', 'shop-db-1'] });
    expect(book.lookup('fd00:0::3')?.container).toBe('db');
    book.delete(['10.89.0.3']);
    expect(book.lookup('10.89.0.3')).toBeUndefined();
    expect(book.lookup('not an address')).toBeUndefined();
  });
});
