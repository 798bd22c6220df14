import { describe, expect, it } from 'vitest';
import type { Charter } from '../model/charter.js';
import { emitFalcoRules, falcoValue } from './falco-rules.js';
import { expectGolden } from './fixtures/golden.js';
import { sampleCharter, src, webContainer } from './fixtures/sample-charter.js';
import { parseYamlStrict, schemaErrors } from './fixtures/enforcer-schemas.js';
import { expandCondition, parseCondition, type Predicate } from './fixtures/falco-condition.js';
import { hostileCharter, manyProcessesCharter } from './fixtures/hostile-charter.js';
import type { EmitOptions } from './types.js';

type Item = Record<string, unknown>;

function itemsOf(charter: Charter, opts: EmitOptions = {}): Item[] {
  const out = emitFalcoRules(charter, opts);
  expect(out.files.map((f) => f.name)).toEqual(['falco-rules.yaml']);
  const [doc, ...rest] = parseYamlStrict(out.files[0]?.content ?? '');
  expect(rest).toEqual([]);
  return doc as Item[];
}

function rule(items: Item[], fragment: string): Item | undefined {
  return items.find((i) => typeof i['rule'] === 'string' && i['rule'].includes(fragment));
}

/** Every predicate of a rule, macros and lists expanded as Falco's loader does. */
function predicates(items: Item[], r: Item | undefined): Predicate[] {
  if (r === undefined) throw new Error('no such rule');
  return parseCondition(expandCondition(items, String(r['condition'])));
}

/** The fields the emitter writes conditions on: anything else would be injected. */
const FIELDS = new Set([
  'evt.type',
  'evt.dir',
  'evt.is_open_write',
  'evt.rawres',
  'evt.res',
  'fd.typechar',
  'fd.num',
  'fd.ip',
  'fd.snet',
  'fd.sport',
  'fd.l4proto',
  'fd.name',
  'container.id',
  'container.name',
  'container.image.repository',
  'k8s.ns.name',
  'proc.exepath',
  'proc.name',
]);

const OUTPUT_FIELDS = new Set([...FIELDS, 'proc.cmdline', 'proc.pname', 'user.name', 'k8s.pod.name']);

function expectOnlyKnownFields(preds: Predicate[]): void {
  for (const p of preds) if (!p.field.startsWith('k8s.pod.label[')) expect(FIELDS, p.field).toContain(p.field);
}

describe('falco-rules emitter', () => {
  it('matches the golden file', () => {
    expectGolden('falco-rules', emitFalcoRules(sampleCharter(), {}).files);
  });

  it("writes a rules file Falco's schema accepts, with the engine version first", () => {
    for (const opts of [{}, { strict: true }]) {
      const items = itemsOf(sampleCharter(), opts);
      expect(schemaErrors('falco', items)).toEqual([]);
      expect(items[0]).toEqual({ required_engine_version: '0.26.0' });
    }
  });

  it('selects a Kubernetes container by namespace, container name and pod labels, another by its image repository', () => {
    const items = itemsOf(sampleCharter());
    const web = items.find((i) => i['macro'] === 'charter_shop_web_container');
    expect(web?.['condition']).toBe(
      'container.id != host and k8s.ns.name = shop and container.name = web and k8s.pod.label[app] = shop-web and k8s.pod.label[tier] = frontend',
    );
    expect(items.find((i) => i['macro'] === 'charter_shop_db_container')?.['condition']).toBe(
      'container.id != host and k8s.ns.name = shop and container.name = postgres and k8s.pod.label[app] = shop-db',
    );
    const batch = items.find((i) => i['macro'] === 'charter_shop_batch_container');
    expect(batch?.['condition']).toBe('container.id != host and container.image.repository in (docker.io/shop/batch, shop/batch)');
  });

  it('alerts on a process not in the charter: paths by proc.exepath, multi-call files by path and applet, bare names by proc.name', () => {
    const charter = sampleCharter();
    const web = charter.containers.find((c) => c.name === 'web');
    if (web === undefined) throw new Error('fixture');
    web.processes = [
      { path: '/usr/local/bin/node', invokedAs: ['/usr/bin/node'], purpose: 'entrypoint', sources: src('CMD node') },
      {
        path: '/bin/busybox',
        invokedAs: ['/bin/sh'],
        applets: ['sh', 'wget-with-a-long-name'],
        purpose: 'healthcheck',
        sources: src('HEALTHCHECK'),
      },
      { path: 'docker-entrypoint.sh', purpose: 'entrypoint', sources: src('ENTRYPOINT') },
    ];
    const items = itemsOf(charter);
    const preds = predicates(items, rule(items, 'shop/web: process'));
    expectOnlyKnownFields(preds);
    expect(preds.filter((p) => p.field === 'proc.exepath')).toEqual([
      { field: 'proc.exepath', op: 'in', values: ['/usr/bin/node', '/usr/local/bin/node'] },
      { field: 'proc.exepath', op: 'in', values: ['/bin/busybox', '/bin/sh'] },
    ]);
    // proc.name is the kernel's comm: 15 characters.
    expect(preds.filter((p) => p.field === 'proc.name')).toEqual([
      { field: 'proc.name', op: 'in', values: ['sh', 'wget-with-a-lon'] },
      { field: 'proc.name', op: 'in', values: ['docker-entrypoi'] },
    ]);
    const r = rule(items, 'shop/web: process');
    expect(r?.['priority']).toBe('ERROR');
    expect(r?.['tags']).toEqual(expect.arrayContaining(['charter', 'T1059.004']));
    expect(String(r?.['output'])).toContain('%proc.exepath');
  });

  it('alerts on outbound connections only where egress is enforced, on the declared ports, and says peers by name cannot be addresses', () => {
    const charter = sampleCharter();
    const out = emitFalcoRules(charter, {});
    expect(out.warnings.filter((w) => w.code === 'emit.enforcer.peer-by-name').map((w) => w.message)).toEqual([
      expect.stringMatching(/^container web: peers api\.stripe\.com, db are known by name/),
    ]);
    const items = itemsOf(charter);
    const preds = predicates(items, rule(items, 'shop/web: outbound'));
    expect(preds.filter((p) => p.field === 'fd.sport')).toEqual([
      { field: 'fd.sport', op: 'in', values: ['53', '443', '5432'] },
      { field: 'fd.sport', op: 'in', values: ['53'] },
    ]);
    // batch declares no network: every outbound connection alerts.
    expect(rule(items, 'shop/batch: outbound')?.['condition']).toBe('charter_outbound and charter_shop_batch_container');

    const unknown = sampleCharter();
    const w = unknown.containers.find((c) => c.name === 'web');
    if (w === undefined) throw new Error('fixture');
    w.network.egressIntent = { state: 'unknown', sources: src('calls a service nothing declares') };
    expect(rule(itemsOf(unknown), 'shop/web: outbound')).toBeUndefined();
    expect(emitFalcoRules(unknown, {}).warnings.find((x) => x.code === 'emit.enforcer.egress-open')?.severity).toBe('info');
    expect(rule(itemsOf(unknown, { strict: true }), 'shop/web: outbound')).toBeDefined();
  });

  it('alerts on writes outside the writable paths under a read-only root only, with the runtime files as an exception', () => {
    const items = itemsOf(sampleCharter());
    const r = rule(items, 'shop/web: write');
    const preds = predicates(items, r);
    expect(preds.find((p) => p.op === 'pmatch')).toEqual({ field: 'fd.name', op: 'pmatch', values: ['/app/uploads', '/tmp'] });
    expect(r?.['exceptions']).toEqual([{ name: 'runtime_files', fields: 'fd.name', comps: 'pmatch', values: ['/dev', '/proc'] }]);
    const writable = sampleCharter();
    const web = writable.containers.find((c) => c.name === 'web');
    if (web === undefined) throw new Error('fixture');
    web.filesystem.readOnlyRoot = { value: false, sources: src('no readOnlyRootFilesystem') };
    expect(rule(itemsOf(writable), 'shop/web: write')).toBeUndefined();
  });

  it('writes no rules for a container nothing can select, with a warning', () => {
    const charter: Charter = {
      ...sampleCharter(),
      containers: [{ ...webContainer(), identity: { aliases: [], workloads: [], sources: [] } }],
    };
    const out = emitFalcoRules(charter, {});
    expect(out.warnings.map((w) => w.code)).toContain('emit.enforcer.no-selector');
    expect(itemsOf(charter).filter((i) => 'rule' in i)).toEqual([]);
  });

  it('quotes values with spaces or keywords, and refuses values that could end a string or a list', () => {
    expect(falcoValue('/usr/bin/node')).toBe('/usr/bin/node');
    expect(falcoValue('/opt/my app/run')).toBe('"/opt/my app/run"');
    expect(falcoValue('not')).toBe('"not"');
    for (const bad of ['a"b', "a'b", 'a,b', 'a)b', 'a(b', 'a\\b', 'a\nb', '', ' x']) expect(falcoValue(bad), bad).toBeUndefined();
  });

  it('never lets a hostile profile break the YAML or inject condition syntax', () => {
    const charter = hostileCharter();
    for (const opts of [{}, { strict: true }]) {
      const out = emitFalcoRules(charter, opts);
      const items = itemsOf(charter, opts);
      expect(schemaErrors('falco', items)).toEqual([]);
      for (const i of items) {
        if (typeof i['condition'] !== 'string') continue;
        const preds = parseCondition(expandCondition(items, i['condition']));
        expectOnlyKnownFields(preds);
        for (const p of preds) for (const v of p.values) expect(v).toMatch(/^[A-Za-z0-9_./+@:%~ <>!=-]+$/);
      }
      for (const i of items) {
        if (typeof i['list'] === 'string') expect(i['list']).toMatch(/^[a-z0-9_]+$/);
        if (typeof i['macro'] === 'string') expect(i['macro']).toMatch(/^[a-z0-9_]+$/);
        // Names in rule names, descriptions and the text of outputs: no output fields, quotes or line breaks.
        if (typeof i['rule'] === 'string') {
          const text = `${i['rule']} ${String(i['desc'])} ${String(i['output']).slice(0, String(i['output']).indexOf(' ('))}`;
          expect(text).not.toMatch(/[%"\n\r]/);
        }
        if (typeof i['output'] === 'string')
          for (const f of i['output'].match(/%[^ )]*/g) ?? []) expect(OUTPUT_FIELDS).toContain(f.slice(1));
      }
      expect(out.warnings.some((w) => w.code === 'emit.enforcer.unsafe-value')).toBe(true);
      // Every container has a rule of its own name, distinct from the others.
      const names = items.filter((i) => 'rule' in i).map((i) => i['rule']);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('holds thousands of executables in one list', () => {
    const items = itemsOf(manyProcessesCharter(5000));
    const list = items.find((i) => i['list'] === 'charter_big_big_executables');
    expect((list?.['items'] as unknown[]).length).toBe(5000);
    expect(schemaErrors('falco', items)).toEqual([]);
    expect(predicates(items, rule(items, 'big/big: process')).find((p) => p.field === 'proc.exepath')?.values.length).toBe(5000);
  });
});
