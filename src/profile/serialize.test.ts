import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MAX_PROFILE_BYTES,
  MAX_YAML_PROFILE_BYTES,
  charterToJson,
  charterToYaml,
  compactCharter,
  parseCharter,
  toJson,
} from './serialize.js';
import { containerSyscalls } from './syscalls.js';
import { CharterSchema, emptyContainer, type Charter, type ContainerCharter, type Source } from '../model/charter.js';
import { UserError } from '../model/errors.js';
import { profileTargets } from '../test-support/profile.js';
import { SAMPLE_SYSCALL_GROUPS, kbSource } from '../test-support/charter-parts.js';

/**
 * Issue 8's bound: a one-line Pod costs at most this much profile JSON, so 5,000 of them stay a
 * file a user can read, diff and keep in git (they cost ~120 KB each before groups and the table).
 */
const MAX_BYTES_PER_PLAIN_CONTAINER = 10 * 1024;

const kb = kbSource;
const at = (line: number, reason: string): Source => ({
  kind: 'kubernetes',
  artifact: 'app.yaml',
  line,
  pointer: `/items/${line}`,
  reason,
});

function charter(containers: ContainerCharter[], groups: Charter['syscallGroups'] = []): Charter {
  return {
    apiVersion: 'charter/v1',
    kind: 'Charter',
    metadata: { name: 't', generator: 'test' },
    inputs: [],
    syscallGroups: groups,
    containers,
    graph: { edges: [] },
    diagnostics: [],
  };
}

const groups = SAMPLE_SYSCALL_GROUPS;

function redis(name: string, line: number): ContainerCharter {
  const c = emptyContainer(name);
  const role = kb('role:redis', 'Redis listens on 6379/tcp');
  c.network = { none: false, listen: [{ port: 6379, protocol: 'tcp', sources: [role] }], ingress: [], egress: [] };
  c.processes = [{ path: 'redis-server', purpose: 'role', sources: [kb('role:redis', 'Redis runs redis-server')] }];
  c.syscalls.groups = [
    { group: 'libc-floor', sources: [] },
    {
      group: 'network-server',
      sources: [{ ...role, reason: `network-server: ${role.reason}` }, at(line, 'network-server: image redis:7 is Redis')],
    },
  ];
  return c;
}

describe('the file form of a profile', () => {
  // Parsed, as `buildCharter` returns it: keys in schema order.
  const two = CharterSchema.parse(charter([redis('a', 1), redis('b', 2)], groups));

  it('writes a source used more than once in the top-level table and cites it by id', () => {
    const file = compactCharter(two) as {
      sources: Record<string, Source>;
      containers: { network: { listen: { sources: unknown[] }[] } }[];
    };
    expect(Object.keys(file).slice(0, 6)).toEqual(['apiVersion', 'kind', 'metadata', 'inputs', 'sources', 'syscallGroups']);
    expect(file.sources['role:redis#1']).toEqual(kb('role:redis', 'Redis listens on 6379/tcp'));
    expect(file.containers[0]?.network.listen[0]?.sources).toEqual(['role:redis#1']);
    // Used once: stays where it is used.
    expect(Object.values(file.sources).some((s) => s.artifact === 'app.yaml')).toBe(false);
  });

  it('reads back to the same charter, from JSON and from YAML, byte-stable', () => {
    expect(parseCharter(charterToJson(two), 'p.json')).toEqual(two);
    expect(parseCharter(charterToYaml(two), 'p.yaml')).toEqual(two);
    expect(charterToJson(parseCharter(charterToJson(two), 'p.json'))).toBe(charterToJson(two));
  });

  it('still reads a profile written before groups and the table (every syscall listed with its sources)', () => {
    const old = redis('a', 1);
    const expanded = containerSyscalls(two, old);
    delete old.syscalls.groups;
    Object.assign(old.syscalls, expanded);
    const { syscallGroups: _unused, ...rest } = charter([old]);
    const back = parseCharter(toJson(rest), 'old.json');
    expect(back.syscallGroups).toBeUndefined();
    expect(containerSyscalls(back, back.containers[0] as ContainerCharter)).toEqual(expanded);
  });

  it('refuses a cited id the table does not define, at its position', () => {
    const text = charterToJson(two).replace('"role:redis#1"\n', '"role:redis#9"\n');
    const err = (() => {
      try {
        parseCharter(text, 'p.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/at \/containers\/0\/network\/listen\/0\/sources\/0: source "role:redis#9" is not defined/);
    expect((err as UserError).file).toBe('p.json');
    expect((err as UserError).line).toBe(text.split('\n').findIndex((l) => l.includes('"role:redis#9"')) + 1);
  });

  it('refuses a malformed table entry and a reference to an undefined syscall group', () => {
    const table = JSON.parse(charterToJson(two)) as { sources: Record<string, unknown> };
    table.sources['role:redis#1'] = { kind: 'knowledge' };
    expect(() => parseCharter(JSON.stringify(table), 'p.json')).toThrow(/at \/sources\/role:redis#1\/artifact/);
    const noGroup = charterToJson(charter([redis('a', 1)], groups.slice(0, 1)));
    const twice = charterToJson({ ...two, syscallGroups: [...groups, ...groups.slice(0, 1)] });
    expect(() => parseCharter(twice, 'p.json')).toThrow(/at \/syscallGroups\/2\/id: syscall group "libc-floor" is defined twice/);
    expect(() => parseCharter(noGroup, 'p.json')).toThrow(
      /at \/containers\/0\/syscalls\/groups\/1\/group: syscall group "network-server" is not defined/,
    );
  });
});

describe('large profiles', () => {
  // Padding that keeps the profile valid: the metadata name is free text.
  const padded = (bytes: number): Charter => ({
    ...charter([redis('a', 1)], groups),
    metadata: { name: 'x'.repeat(bytes), generator: 'test' },
  });

  it(`reads a JSON profile above ${MAX_YAML_PROFILE_BYTES} bytes without the YAML tree, and names the pointer of an error`, () => {
    const text = charterToJson(padded(MAX_YAML_PROFILE_BYTES));
    expect(parseCharter(text, 'big.json').containers).toHaveLength(1);
    expect(() => parseCharter(text.replace('"apiVersion": "charter/v1"', '"apiVersion": "charter/v0"'), 'big.json')).toThrow(
      /at \/apiVersion/,
    );
    const broken = `${text.slice(0, -3)}\n  ]x`;
    const err = (() => {
      try {
        parseCharter(broken, 'big.json');
      } catch (e) {
        return e as UserError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err?.message).toMatch(/not a valid profile/);
    expect(err?.line).toBe(broken.split('\n').length);
  });

  it(`refuses a YAML profile above ${MAX_YAML_PROFILE_BYTES} bytes and any profile above ${MAX_PROFILE_BYTES}, naming the file`, () => {
    expect(() => parseCharter(charterToYaml(padded(MAX_YAML_PROFILE_BYTES)), 'big.yaml')).toThrow(
      /YAML profile larger than .* write it as JSON/,
    );
    expect(() => parseCharter(' '.repeat(MAX_PROFILE_BYTES + 1), 'huge.json')).toThrow(UserError);
  });
});

describe('the size of a large profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'charter-size-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const images = ['nginx:1.25', 'redis:7', 'postgres:16', 'node:20', 'busybox:1.36', 'alpine:3.19'];
  const list = (n: number): string => {
    const items = Array.from({ length: n }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p${i}` },
      spec: { containers: [{ name: 'c', image: i % 4 === 0 ? `example/svc-${i}:1` : images[i % images.length] }] },
    }));
    return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
  };
  const profile = async (n: number): Promise<string> => {
    const file = join(dir, `list-${n}.json`);
    writeFileSync(file, list(n));
    return charterToJson(await profileTargets([file]));
  };

  it(`costs at most ${MAX_BYTES_PER_PLAIN_CONTAINER} bytes of JSON per one-line Pod, whatever the image`, async () => {
    const small = await profile(120);
    const large = await profile(240);
    // What 120 more Pods add to the file: shared groups and knowledge sources are not repeated.
    expect((large.length - small.length) / 120).toBeLessThanOrEqual(MAX_BYTES_PER_PLAIN_CONTAINER / 2);
    const ch = JSON.parse(large) as { containers: { name: string }[] };
    expect(ch.containers).toHaveLength(240);
    for (const c of ch.containers) expect(JSON.stringify(c, null, 2).length, c.name).toBeLessThanOrEqual(MAX_BYTES_PER_PLAIN_CONTAINER);
    expect(large.length / 240).toBeLessThanOrEqual(MAX_BYTES_PER_PLAIN_CONTAINER);
    // Same input, same bytes.
    expect(await profile(240)).toBe(large);
  });
});
