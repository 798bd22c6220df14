// The runtime-enforcer emitters on the bundled example and on real applications' manifests:
// every policy they write must be what Tetragon's and KubeArmor's CRDs accept (no undeclared
// field either), every Falco rules file what Falco's schema accepts, with every condition parsing
// and only selecting containers that exist in the manifests.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { corpusRoot, profileTargets, repoRoot } from '../src/test-support/profile.js';
import type { Charter } from '../src/model/charter.js';
import { emitFalcoRules } from '../src/emit/falco-rules.js';
import { emitTetragon } from '../src/emit/tetragon.js';
import { emitKubeArmor } from '../src/emit/kubearmor.js';
import { parseYamlStrict, schemaErrors } from '../src/emit/fixtures/enforcer-schemas.js';
import { expandCondition, parseCondition } from '../src/emit/fixtures/falco-condition.js';

const k8s = (p: string): string => join(corpusRoot, 'k8s', p);

const APPS: { name: string; targets: string[]; files: string[] }[] = [
  { name: 'shop', targets: [join(repoRoot, 'examples/shop')], files: [] },
  { name: 'guestbook', targets: [], files: [k8s('guestbook-all-in-one.yaml')] },
  { name: 'bookinfo', targets: [], files: [k8s('istio-bookinfo.yaml')] },
  { name: 'online-boutique', targets: [], files: [k8s('online-boutique/kubernetes-manifests.yaml')] },
  { name: 'sock-shop', targets: [], files: [k8s('sock-shop/complete-demo.yaml')] },
  { name: 'voting-app', targets: [k8s('voting-app')], files: [] },
  { name: 'selenium-grid', targets: [k8s('selenium-grid')], files: [] },
  { name: 'single', targets: [k8s('single')], files: [] },
];

type Item = Record<string, unknown>;

/** Every container name the pod specs of the manifests declare (containers and init containers). */
function podSpecContainerNames(paths: string[]): Set<string> {
  const files = paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p, { recursive: true, encoding: 'utf8' })
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => join(p, f))
      : [p],
  );
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'containers' || k === 'initContainers') && Array.isArray(x)) {
          for (const c of x) if (typeof (c as { name?: unknown }).name === 'string') names.add((c as { name: string }).name);
        }
        walk(x);
      }
    }
  };
  for (const f of files) for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) walk(d.toJS());
  return names;
}

function checkAll(charter: Charter, strict: boolean, podNames: Set<string>): { tetragon: number; kubearmor: number; falcoRules: number } {
  const opts = { strict };
  const tetragon = parseYamlStrict(emitTetragon(charter, opts).files[0]?.content ?? '').filter((d) => d !== null);
  for (const d of tetragon) {
    expect(schemaErrors('tetragon', d)).toEqual([]);
    const sel = (d as { spec: { containerSelector?: { matchExpressions: { values: string[] }[] } } }).spec.containerSelector;
    for (const v of sel?.matchExpressions[0]?.values ?? []) expect(podNames).toContain(v);
  }
  const kubearmor = parseYamlStrict(emitKubeArmor(charter, opts).files[0]?.content ?? '').filter((d) => d !== null);
  for (const d of kubearmor) expect(schemaErrors('kubearmor', d)).toEqual([]);
  const [falco] = parseYamlStrict(emitFalcoRules(charter, opts).files[0]?.content ?? '') as Item[][];
  expect(schemaErrors('falco', falco)).toEqual([]);
  let falcoRules = 0;
  for (const i of falco ?? []) {
    if (typeof i['condition'] !== 'string') continue;
    const preds = parseCondition(expandCondition(falco ?? [], i['condition']));
    // A container is selected by the name its pod spec gives it, which the runtime reports.
    for (const p of preds.filter((x) => x.field === 'container.name')) expect(podNames).toContain(p.values[0]);
    if ('rule' in i) falcoRules++;
  }
  return { tetragon: tetragon.length, kubearmor: kubearmor.length, falcoRules };
}

describe('runtime-enforcer policies on real applications', () => {
  it.each(APPS)('$name: every policy validates, with and without --strict', async ({ name, targets, files }) => {
    const charter = await profileTargets(targets, { files }, name);
    expect(charter.containers.length).toBeGreaterThan(0);
    const podNames = podSpecContainerNames([...targets, ...files]);
    const open = checkAll(charter, false, podNames);
    const strict = checkAll(charter, true, podNames);
    // --strict only ever adds enforcement.
    expect(strict.falcoRules).toBeGreaterThanOrEqual(open.falcoRules);
    expect(strict.tetragon).toBeGreaterThanOrEqual(open.tetragon);
    expect(strict.kubearmor).toBe(open.kubearmor);
    // Every labelled container gets a KubeArmor policy: selection does not silently drop any.
    expect(open.kubearmor).toBe(charter.containers.filter((c) => Object.keys(c.identity.labels ?? {}).length > 0).length);
  });
});
