import { describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter } from '../model/charter.js';
import { emitK8sSecurityContext } from './k8s-security-context.js';
import { parseYamlStream } from './internal.js';
import { expectGolden } from './fixtures/golden.js';
import { batchContainer, dbContainer, sampleCharter, shuffled, src, webContainer } from './fixtures/sample-charter.js';

function charterOf(...containers: ContainerCharter[]): Charter {
  return { ...sampleCharter(), containers, graph: { edges: [] } };
}

function docsOf(charter: Charter): unknown[] {
  const out = emitK8sSecurityContext(charter, {});
  expect(out.files).toHaveLength(1);
  return parseYamlStream(out.files[0]?.content ?? '');
}

/** The securityContext of the single container entry of a single-container charter. */
function securityContextOf(c: ContainerCharter): Record<string, unknown> {
  const [doc] = docsOf(charterOf(c)) as Record<string, any>[];
  const entry = c.identity.workloads.length > 0 ? doc?.['spec']['template']['spec']['containers'][0] : doc;
  return entry['securityContext'] as Record<string, unknown>;
}

describe('k8s-security-context emitter', () => {
  it('matches the golden file', () => {
    expectGolden('k8s-security-context', emitK8sSecurityContext(sampleCharter(), {}).files);
  });

  it('patches each workload and gives a bare entry for a container without one', () => {
    const docs = docsOf(sampleCharter()) as Record<string, any>[];
    expect(docs.map((d) => (d['kind'] !== undefined ? `${d['kind']}/${d['metadata'].name}` : `bare/${d['name']}`))).toEqual([
      'Deployment/web',
      'StatefulSet/db',
      'bare/batch',
    ]);
    expect(docs[0]?.['apiVersion']).toBe('apps/v1');
    expect(docs[0]?.['metadata']).toEqual({ name: 'web', namespace: 'shop' });
  });

  it('sets the full securityContext for the database', () => {
    expect(securityContextOf(dbContainer())).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'], drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsGroup: 999,
      runAsNonRoot: true,
      runAsUser: 999,
      seccompProfile: { localhostProfile: 'charter/db.json', type: 'Localhost' },
    });
  });

  const USERS: { user: string | undefined; nonRoot: boolean | undefined; uid: number | undefined }[] = [
    { user: 'node', nonRoot: true, uid: undefined },
    { user: '1000', nonRoot: true, uid: 1000 },
    { user: '0', nonRoot: undefined, uid: 0 },
    { user: 'root', nonRoot: undefined, uid: undefined },
    { user: 'root:0', nonRoot: undefined, uid: undefined },
    { user: undefined, nonRoot: undefined, uid: undefined },
  ];
  it.each(USERS)('user $user → runAsNonRoot $nonRoot, runAsUser $uid', ({ user, nonRoot, uid }) => {
    const c = batchContainer();
    if (user !== undefined) c.user = { name: user, sources: src('USER') };
    const sc = securityContextOf(c);
    expect(sc['runAsNonRoot']).toBe(nonRoot);
    expect(sc['runAsUser']).toBe(uid);
  });

  it('warns that a named non-root user needs runAsUser', () => {
    const out = emitK8sSecurityContext(charterOf(webContainer()), {});
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.k8s.named-user']);
    expect(out.files[0]?.content).toMatch(/^# web: user "node" is a name; set runAsUser/m);
  });

  const KINDS: { kind: string; apiVersion: string; path: string[] }[] = [
    { kind: 'Pod', apiVersion: 'v1', path: ['spec'] },
    { kind: 'DaemonSet', apiVersion: 'apps/v1', path: ['spec', 'template', 'spec'] },
    { kind: 'Job', apiVersion: 'batch/v1', path: ['spec', 'template', 'spec'] },
    { kind: 'CronJob', apiVersion: 'batch/v1', path: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
  ];
  it.each(KINDS)('puts the containers of a $kind at its pod spec', ({ kind, apiVersion, path }) => {
    const c = batchContainer();
    c.identity.workloads = [{ kind, name: 'nightly' }];
    const [doc] = docsOf(charterOf(c)) as Record<string, any>[];
    expect(doc?.['apiVersion']).toBe(apiVersion);
    let spec: any = doc;
    for (const key of path) spec = spec[key];
    expect(spec.containers.map((x: { name: string }) => x.name)).toEqual(['batch']);
  });

  it('groups the containers of one workload in one patch, in name order', () => {
    const web = webContainer();
    const sidecar = batchContainer();
    sidecar.name = 'agent';
    sidecar.identity.workloads = [{ kind: 'Deployment', name: 'web', namespace: 'shop' }];
    const docs = docsOf(charterOf(web, sidecar)) as Record<string, any>[];
    expect(docs).toHaveLength(1);
    expect(docs[0]?.['spec'].template.spec.containers.map((x: { name: string }) => x.name)).toEqual(['agent', 'web']);
  });

  it('warns on a workload kind it cannot patch and falls back to a bare entry', () => {
    const c = batchContainer();
    c.identity.workloads = [{ kind: 'marathon-app', name: '/shop/batch' }];
    const out = emitK8sSecurityContext(charterOf(c), {});
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.k8s.unknown-kind']);
    expect((parseYamlStream(out.files[0]?.content ?? '')[0] as Record<string, unknown>)['name']).toBe('batch');
  });

  it('never emits privileged, and leaves allowPrivilegeEscalation unset when the profile allows it', () => {
    const c = batchContainer();
    c.privileges.privileged = { value: true, sources: src('privileged') };
    c.privileges.allowPrivilegeEscalation = { value: true, sources: src('allowPrivilegeEscalation') };
    const sc = securityContextOf(c);
    expect(sc).not.toHaveProperty('privileged');
    expect(sc).not.toHaveProperty('allowPrivilegeEscalation');
    expect(emitK8sSecurityContext(charterOf(c), {}).warnings.map((w) => w.code)).toEqual(['emit.k8s.privileged']);
  });

  it('emits only the chosen container', () => {
    const docs = parseYamlStream(emitK8sSecurityContext(sampleCharter(), { container: 'db' }).files[0]?.content ?? '') as Record<
      string,
      any
    >[];
    expect(docs.map((d) => d['kind'])).toEqual(['StatefulSet']);
  });

  it('is deterministic and ignores input order', () => {
    const a = emitK8sSecurityContext(sampleCharter(), {});
    expect(emitK8sSecurityContext(sampleCharter(), {})).toEqual(a);
    expect(emitK8sSecurityContext(shuffled(sampleCharter()), {})).toEqual(a);
  });
});
