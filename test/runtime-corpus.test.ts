// Real applications' profiles (the bundled example and the corpus manifests) replayed with the
// behaviour their own artifacts declare — every declared program started, port opened, peer called,
// path written — give no deviation; the same applications attacked give each attack, classified.
// The events are generated from the profile at test time, so a profile the engine misreads fails.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Charter } from '../src/model/charter.js';
import type { RuntimeEvent } from '../src/model/events.js';
import type { AddressBook } from '../src/runtime/engine/judge.js';
import { RuntimeEngine } from '../src/runtime/engine/engine.js';
import { corpusRoot, profileTargets } from '../src/test-support/profile.js';

const repoRoot = join(corpusRoot, '../..');
const APPS: [string, () => Promise<Charter>][] = [
  ['the bundled example (shop)', () => profileTargets([join(repoRoot, 'examples/shop')])],
  ...readdirSync(join(corpusRoot, 'k8s'))
    .filter((f) => f !== 'single')
    .map((f): [string, () => Promise<Charter>] => [`k8s/${f}`, () => profileTargets([join(corpusRoot, 'k8s', f)])]),
  ...readdirSync(join(corpusRoot, 'compose')).map((f): [string, () => Promise<Charter>] => [
    `compose/${f}`,
    () => profileTargets([join(corpusRoot, 'compose', f)]),
  ]),
  ['marathon/group.json', () => profileTargets([], { files: [join(corpusRoot, 'marathon/group.json')] })],
];

/** One address per container (10.77.x.y), the way a runtime's network would give them. */
function addresses(ch: Charter): { of: Map<string, string>; book: AddressBook } {
  const of = new Map(ch.containers.map((c, i) => [c.name, `10.77.${Math.floor(i / 250)}.${(i % 250) + 2}`]));
  const back = new Map([...of].map(([n, a]) => [a, n]));
  return { of, book: { lookup: (a) => (back.has(a) ? { container: back.get(a)!, names: [back.get(a)!] } : undefined) } };
}

/** The behaviour a charter declares, as events of each container. */
function declaredBehaviour(ch: Charter, of: Map<string, string>): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  const time = '2026-12-04T10:00:00Z';
  for (const c of ch.containers) {
    const container = { id: `id-${c.name}`, name: c.name };
    const base = { time, container, process: { pid: 1 } };
    for (const p of c.processes) {
      const path = p.path.startsWith('/') ? p.path : `/usr/bin/${p.path}`;
      const argv0 = p.applets?.[0] ?? path;
      events.push({
        ...base,
        kind: 'exec',
        process: { pid: 1, path, argv: [argv0], ...(p.sha256 ? { sha256: p.sha256 } : {}), origin: 'image' },
      });
    }
    for (const l of c.network.listen)
      events.push({ ...base, kind: 'listen', protocol: l.protocol, local: { address: '0.0.0.0', port: l.port } });
    for (const e of c.network.egress) {
      const port = e.port ?? 443;
      if (e.peer.kind === 'container' && of.has(e.peer.name))
        events.push({ ...base, kind: 'connect', protocol: e.protocol, remote: { address: of.get(e.peer.name)!, port } });
      if (e.peer.kind === 'dns')
        events.push({
          ...base,
          kind: 'connect',
          protocol: e.protocol,
          remote: { address: '10.96.0.10', port },
          dnsName: e.peer.name === '@resolver' ? 'kube-dns' : e.peer.name,
        });
    }
    for (const w of c.filesystem.writable)
      if (w.readOnly !== true) events.push({ ...base, kind: 'open', path: `${w.path.replace(/\/$/, '')}/f`, write: true, create: true });
    for (const cap of c.capabilities) events.push({ ...base, kind: 'privilege', op: 'capability', capability: cap.name });
  }
  return events;
}

describe.each(APPS)('%s', (_name, load) => {
  it('its declared behaviour, replayed, gives no deviation; each event is allowed by a declaration', async () => {
    const ch = await load();
    const { of, book } = addresses(ch);
    const engine = new RuntimeEngine(ch, { addressBook: book });
    const events = declaredBehaviour(ch, of);
    expect(events.length).toBeGreaterThan(ch.containers.length);
    const deviations = events
      .map((e) => engine.judge(e, 1))
      .flatMap((o) =>
        'verdict' in o
          ? o.verdict.deviation
            ? [`${o.verdict.container}: ${o.verdict.event}: ${o.verdict.deviation.missing}`]
            : []
          : [`unmatched ${JSON.stringify(o.unmatched)}`],
      );
    expect(deviations).toEqual([]);
  });

  it('a shell, a dropped binary and a miner in each container are blocked and classified', async () => {
    const ch = await load();
    const engine = new RuntimeEngine(ch);
    for (const c of ch.containers) {
      const container = { id: `id-${c.name}`, name: c.name };
      const base = { time: '2026-12-04T10:00:00Z', container };
      const allowsShell = c.processes.some((p) => ['sh', 'bash', 'dash', 'ash'].includes(p.path.split('/').pop()!));
      const attacks: [RuntimeEvent, string][] = [
        [{ ...base, kind: 'exec', process: { pid: 66, path: '/tmp/.x/kdevtmpfsi', origin: 'written' } }, 'dropped-binary'],
        [
          {
            ...base,
            kind: 'connect',
            process: { pid: 66, path: '/tmp/.x/kdevtmpfsi' },
            protocol: 'tcp',
            remote: { address: '198.51.100.9', port: 3333 },
          },
          'miner-pool-port',
        ],
        ...(allowsShell
          ? []
          : [
              [{ ...base, kind: 'exec', process: { pid: 65, path: '/bin/sh', argv: ['sh', '-c', 'id'] } }, 'shell-in-service'] as [
                RuntimeEvent,
                string,
              ],
            ]),
      ];
      for (const [e, id] of attacks) {
        const o = engine.judge(e, 1);
        expect('verdict' in o && o.verdict.action, `${c.name}: ${id}`).toBe('block');
        if ('verdict' in o) expect(o.verdict.deviation?.patterns.map((p) => p.id)).toContain(id);
      }
    }
  });
});
