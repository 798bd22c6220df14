import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../model/findings.js';
import { checkKubernetesManifest, checkKubernetesObject } from './kubernetes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = (...p: string[]) => path.resolve(repoRoot, 'test/corpus', ...p);
const k8s = (name: string) => checkKubernetesManifest(`k8s/${name}`, readFileSync(corpus('k8s/single', name), 'utf8'));
const admission = (name: string): Finding[] => {
  const req = JSON.parse(readFileSync(corpus('admission', name), 'utf8')) as { object?: unknown; request?: { object?: unknown } };
  return checkKubernetesObject(req.object ?? req.request?.object, { artifact: `admission:${name}` });
};
const summary = (fs: Finding[]) => fs.map((f) => `${f.id} ${f.locations[0]?.line ?? '-'} ${f.locations[0]?.pointer}`);
const idSet = (fs: Finding[]) => [...new Set(fs.map((f) => f.id))].sort();

/** The checks an admission webhook rejects on: privileged, uid 0, escalation, capabilities, host namespaces, hostPath. */
const SEVERE = [
  'CHARTER-K8S-001',
  'CHARTER-K8S-002',
  'CHARTER-K8S-003',
  'CHARTER-K8S-004',
  'CHARTER-K8S-005',
  'CHARTER-K8S-006',
  'CHARTER-K8S-007',
  'CHARTER-K8S-009',
  'CHARTER-K8S-011',
  'CHARTER-K8S-013',
];
const severe = (fs: Finding[]) => summary(fs.filter((f) => SEVERE.includes(f.id)));

describe('Kubernetes checks on the real corpus', () => {
  it('sysdig DaemonSet: privileged, docker.sock, sensitive hostPaths, hostPID and hostNetwork at their lines', () => {
    const r = k8s('sysdig-agent-daemonset-privileged-hostpath.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(severe(r.findings)).toEqual([
      'CHARTER-K8S-005 38 /spec/template/spec/hostNetwork',
      'CHARTER-K8S-006 39 /spec/template/spec/hostPID',
      'CHARTER-K8S-004 21 /spec/template/spec/volumes/0/hostPath/path',
      'CHARTER-K8S-003 25 /spec/template/spec/volumes/1/hostPath/path',
      'CHARTER-K8S-003 28 /spec/template/spec/volumes/2/hostPath/path',
      'CHARTER-K8S-003 31 /spec/template/spec/volumes/3/hostPath/path',
      'CHARTER-K8S-003 34 /spec/template/spec/volumes/4/hostPath/path',
      'CHARTER-K8S-003 37 /spec/template/spec/volumes/5/hostPath/path',
      'CHARTER-K8S-001 44 /spec/template/spec/containers/0/securityContext/privileged',
    ]);
    const sock = r.findings.find((f) => f.id === 'CHARTER-K8S-004');
    expect(sock?.title).toContain('/var/run/docker.sock');
    expect(sock?.controls?.map((c) => c.id)).toEqual(['HostPath Volumes', '5.31']);
    expect(sock?.locations[0]).toMatchObject({ artifact: 'k8s/sysdig-agent-daemonset-privileged-hostpath.yaml', document: 0, column: 16 });
    // `sysdig/agent` has no tag.
    expect(idSet(r.findings)).toContain('CHARTER-K8S-019');
  });

  it('hardened metrics-server: no privileged, root, escalation, capability, read-only or seccomp findings', () => {
    const r = k8s('metrics-server-deployment-hardened.yaml');
    // What is left is real: no limits (only requests), and the `:master` tag is not pinned, which is no finding.
    expect(idSet(r.findings)).toEqual(['CHARTER-K8S-018']);
    expect(r.findings[0]?.title).toBe('No cpu or memory limit (container metrics-server)');
  });

  it('cassandra: added capabilities at their positions, IPC_LOCK flagged as non-baseline', () => {
    const r = k8s('cassandra-statefulset-capabilities.yaml');
    const caps = r.findings.filter((f) => f.id === 'CHARTER-K8S-009');
    expect(caps.map((f) => f.title)).toEqual(['Capability IPC_LOCK added (container cassandra)']);
    expect(caps[0]?.severity).toBe('medium');
  });

  it('tetragon privileged pod with hostPID', () => {
    expect(idSet(k8s('tetragon-soe-privileged-pod-hostpid.yaml').findings)).toEqual(
      expect.arrayContaining(['CHARTER-K8S-001', 'CHARTER-K8S-006']),
    );
  });
});

describe('checkKubernetesObject on admission requests', () => {
  it.each([
    ['request-pod-create-privileged.json', ['CHARTER-K8S-001 - /spec/containers/1/securityContext/privileged']],
    ['request-deployment-create-privileged.json', ['CHARTER-K8S-001 - /spec/template/spec/containers/0/securityContext/privileged']],
    ['request-deployment-create-root-user.json', ['CHARTER-K8S-013 - /spec/template/spec/containers/0/securityContext/runAsUser']],
    [
      'request-pod-create-allow-privilege-escalation.json',
      ['CHARTER-K8S-011 - /spec/containers/0/securityContext/allowPrivilegeEscalation'],
    ],
    [
      'request-pod-create-capabilities-added.json',
      [
        'CHARTER-K8S-009 - /spec/containers/0/securityContext/capabilities/add/0',
        'CHARTER-K8S-009 - /spec/containers/0/securityContext/capabilities/add/1',
      ],
    ],
    [
      'request-pod-create-host-namespaces.json',
      ['CHARTER-K8S-005 - /spec/hostNetwork', 'CHARTER-K8S-006 - /spec/hostPID', 'CHARTER-K8S-007 - /spec/hostIPC'],
    ],
    [
      'request-pod-create-hostpaths.json',
      [
        'CHARTER-K8S-002 - /spec/volumes/0/hostPath/path',
        'CHARTER-K8S-003 - /spec/volumes/1/hostPath/path',
        'CHARTER-K8S-002 - /spec/volumes/2/hostPath/path',
      ],
    ],
    ['request-pod-create-unprivileged.json', []],
  ])('%s', (name, expected) => {
    expect(severe(admission(name))).toEqual(expected);
  });

  it('capability severity follows the dangerous list: NET_ADMIN high, SYS_TIME high, in the baseline nothing', () => {
    const fs = admission('request-pod-create-capabilities-added.json').filter((f) => f.id === 'CHARTER-K8S-009');
    expect(fs.map((f) => [f.title, f.severity])).toEqual([
      ['Capability NET_ADMIN added (container nginx)', 'high'],
      ['Capability SYS_TIME added (container nginx)', 'high'],
    ]);
  });

  it('the unprivileged pod still gets the restricted-profile hardening findings', () => {
    const ids = idSet(admission('request-pod-create-unprivileged.json'));
    expect(ids).toEqual([
      'CHARTER-K8S-010',
      'CHARTER-K8S-012',
      'CHARTER-K8S-014',
      'CHARTER-K8S-015',
      'CHARTER-K8S-017',
      'CHARTER-K8S-018',
      'CHARTER-K8S-019',
    ]);
  });

  it('flexVolume in an AdmissionReview is outside the restricted volume types', () => {
    const review = JSON.parse(readFileSync(corpus('admission', 'review-v1-pod-create-flexvolume.json'), 'utf8')) as {
      request: { object: unknown };
    };
    const fs = checkKubernetesObject(review.request.object, { artifact: 'admission', basePath: ['request', 'object'] });
    expect(summary(fs.filter((f) => f.id === 'CHARTER-K8S-025'))).toEqual(['CHARTER-K8S-025 - /request/object/spec/volumes/0/flexVolume']);
  });
});

describe('Kubernetes checks, inline cases', () => {
  const pod = (spec: string, meta = '') => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n${meta}spec:\n${spec}`;
  const one = (text: string) => checkKubernetesManifest('m.yaml', text).findings;

  it.each([
    [
      'hostPort',
      pod('  containers:\n  - name: a\n    image: a:1\n    ports:\n    - containerPort: 80\n      hostPort: 8080\n'),
      'CHARTER-K8S-008',
      11,
    ],
    [
      'procMount',
      pod('  containers:\n  - name: a\n    image: a:1\n    securityContext:\n      procMount: Unmasked\n'),
      'CHARTER-K8S-020',
      10,
    ],
    [
      'unsafe sysctl',
      pod('  securityContext:\n    sysctls:\n    - name: kernel.msgmax\n      value: "1"\n  containers:\n  - name: a\n    image: a:1\n'),
      'CHARTER-K8S-021',
      8,
    ],
    [
      'seccomp Unconfined',
      pod('  securityContext:\n    seccompProfile:\n      type: Unconfined\n  containers:\n  - name: a\n    image: a:1\n'),
      'CHARTER-K8S-016',
      8,
    ],
    [
      'AppArmor annotation',
      pod(
        '  containers:\n  - name: a\n    image: a:1\n',
        '  annotations:\n    container.apparmor.security.beta.kubernetes.io/a: unconfined\n',
      ),
      'CHARTER-K8S-022',
      6,
    ],
    [
      'AppArmor field',
      pod('  containers:\n  - name: a\n    image: a:1\n    securityContext:\n      appArmorProfile:\n        type: Unconfined\n'),
      'CHARTER-K8S-022',
      11,
    ],
    [
      'SELinux role',
      pod('  securityContext:\n    seLinuxOptions:\n      role: sysadm_r\n  containers:\n  - name: a\n    image: a:1\n'),
      'CHARTER-K8S-023',
      8,
    ],
    [
      'HostProcess',
      pod('  securityContext:\n    windowsOptions:\n      hostProcess: true\n  containers:\n  - name: a\n    image: a:1\n'),
      'CHARTER-K8S-024',
      8,
    ],
    [
      'capability ALL',
      pod('  containers:\n  - name: a\n    image: a:1\n    securityContext:\n      capabilities:\n        add: ["ALL"]\n'),
      'CHARTER-K8S-009',
      11,
    ],
    [
      'latest image in a CronJob',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: a\n            image: busybox:latest\n',
      'CHARTER-K8S-019',
      12,
    ],
    [
      'runAsUser 0 at pod level',
      pod('  securityContext:\n    runAsUser: 0\n  containers:\n  - name: a\n    image: a:1\n  - name: b\n    image: b:1\n'),
      'CHARTER-K8S-013',
      7,
    ],
  ])('%s', (_n, text, id, line) => {
    const hits = one(text).filter((f) => f.id === id);
    expect(hits.map((f) => f.locations[0]?.line)).toEqual([line]);
  });

  it('a fully hardened pod has no findings', () => {
    const text = pod(
      [
        '  securityContext:',
        '    runAsNonRoot: true',
        '    seccompProfile: {type: RuntimeDefault}',
        '  volumes: [{name: t, emptyDir: {}}]',
        '  containers:',
        '  - name: a',
        '    image: reg.example/a:1.0@sha256:abc',
        '    resources: {limits: {cpu: 100m, memory: 64Mi}}',
        '    securityContext:',
        '      allowPrivilegeEscalation: false',
        '      readOnlyRootFilesystem: true',
        '      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}',
        '',
      ].join('\n'),
    );
    expect(summary(one(text))).toEqual([]);
  });

  it('List items get /items/N pointers', () => {
    const text =
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    hostPID: true\n    containers: [{name: a, image: a:1}]\n';
    expect(summary(one(text).filter((f) => f.id === 'CHARTER-K8S-006'))).toEqual(['CHARTER-K8S-006 8 /items/0/spec/hostPID']);
  });

  it.each([
    [
      'a broken middle document',
      'apiVersion: v1\nkind: Pod\nspec: {hostPID: true, containers: [{name: a, image: a:1}]}\n---\nkey: [unclosed\n---\napiVersion: v1\nkind: Pod\nspec: {hostIPC: true, containers: [{name: a, image: a:1}]}\n',
    ],
    [
      'wrong types everywhere',
      'apiVersion: v1\nkind: Pod\nspec:\n  hostPID: "yes"\n  volumes: 3\n  containers:\n  - 7\n  - name: a\n    securityContext: [1]\n    ports: {a: 1}\n    resources: x\n',
    ],
    [
      'a billion-laughs document',
      `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n`,
    ],
    ['not YAML at all', '\u0000\u0001\u0002{{{'],
  ])('hostile: %s never throws', (_n, text) => {
    expect(() => checkKubernetesManifest('m.yaml', text)).not.toThrow();
  });

  it('hostile: a broken document is reported and the others are still checked', () => {
    const r = checkKubernetesManifest(
      'm.yaml',
      'apiVersion: v1\nkind: Pod\nspec: {hostPID: true, containers: [{name: a, image: a:1}]}\n---\nkey: [unclosed\n---\napiVersion: v1\nkind: Pod\nspec: {hostIPC: true, containers: [{name: a, image: a:1}]}\n',
    );
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([['kubernetes/yaml-syntax', 6]]);
    expect(idSet(r.findings)).toEqual(expect.arrayContaining(['CHARTER-K8S-006', 'CHARTER-K8S-007']));
  });

  it.each([[null], [3], ['x'], [[]], [{ kind: 'Pod', spec: { containers: 'x' } }], [{ kind: 'List', items: [null, 1] }]])(
    'hostile object %j gives no findings',
    (obj) => {
      expect(checkKubernetesObject(obj, { artifact: 'a' })).toEqual([]);
    },
  );
});
