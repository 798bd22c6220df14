import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DiagnosticSchema,
  NamedRuleSchema,
  PeerRuleSchema,
  PortRuleSchema,
  ProcessRuleSchema,
  SourceSchema,
  WritablePathSchema,
  FlagSchema,
} from '../../model/charter.js';
import type { ContainerFragment, ReaderResult } from '../../model/fragments.js';
import { MAX_TEXT_LENGTH, kubernetesReader } from './index.js';
import { toPointer } from '../../util/json-pointer.js';
import { prefixedCapability } from '../../util/capabilities.js';
import { expectGolden } from '../../test-support/golden.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
// CI clones the repo with shared/ beside it, so the corpus sits next to the checkout.
const corpusRoot = path.resolve(repoRoot, 'test/corpus');
const fixtures = path.join(here, 'fixtures');
const goldenDir = path.join(fixtures, 'golden');

function read(display: string, text: string): ReaderResult {
  return kubernetesReader.read({ path: display, text });
}
function readCorpus(rel: string): ReaderResult {
  return read(rel, readFileSync(path.join(corpusRoot, rel), 'utf8'));
}
function readFixture(name: string): ReaderResult {
  return read(`fixtures/${name}`, readFileSync(path.join(fixtures, name), 'utf8'));
}
function only(result: ReaderResult, name?: string): ContainerFragment {
  const found = result.containers.filter((c) => name === undefined || c.key.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
}
function errors(result: ReaderResult) {
  return result.diagnostics.filter((d) => d.severity === 'error');
}
function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));
}

/** Every rule the reader emits must be valid under the profile model's own schemas. */
function expectModelValid(result: ReaderResult): void {
  for (const d of result.diagnostics) DiagnosticSchema.parse(d);
  for (const s of result.services) SourceSchema.parse(s.source);
  for (const p of result.networkPolicies) SourceSchema.parse(p.source);
  for (const c of result.containers) {
    SourceSchema.parse(c.declared);
    if (c.image) SourceSchema.parse(c.image.source);
    if (c.user) SourceSchema.parse(c.user.source);
    if (c.readOnlyRoot) FlagSchema.parse(c.readOnlyRoot);
    for (const f of Object.values(c.privileges)) FlagSchema.parse(f);
    for (const r of c.listen) PortRuleSchema.parse(r);
    for (const r of [...c.ingress, ...c.egress]) PeerRuleSchema.parse(r);
    for (const r of c.processes) ProcessRuleSchema.parse(r);
    for (const r of c.writable) WritablePathSchema.parse(r);
    for (const r of [...c.capabilities, ...c.dropCapabilities]) NamedRuleSchema.parse(r);
    for (const e of c.env) SourceSchema.parse(e.source);
    for (const cmd of c.commands) SourceSchema.parse(cmd.source);
  }
}

describe('kubernetesReader.matches', () => {
  it.each([
    ['deploy/app.yaml', 'apiVersion: apps/v1\nkind: Deployment\n', true],
    ['deploy/app.YML', '# comment\napiVersion: v1\nkind: Pod\n', true],
    ['deploy/app.json', '{\n  "apiVersion": "v1",\n  "kind": "Service"\n}', true],
    ['flow.yaml', '---\n{\n  apiVersion: "v1",\n  kind: "Pod",\n', true],
    ['docker-compose.yml', 'services:\n  web:\n    image: nginx\n', false],
    ['marathon.json', '{"id": "/app", "container": {"type": "DOCKER"}}', false],
    ['kind-only.yaml', 'kind: Pod\n', false],
    ['charter.yaml', 'apiVersion: charter/v1\nkind: Charter\n', false],
    ['Dockerfile', 'apiVersion: v1\nkind: Pod\n', false],
    ['notes.txt', 'apiVersion: v1\nkind: Pod\n', false],
    // The word inside a value is not a key.
    ['config.yaml', 'description: "the apiVersion field"\nkind: x\n', false],
  ])('%s → %s', (file, head, expected) => {
    expect(kubernetesReader.matches(file, head)).toBe(expected);
  });

  it('is registered under its type and version', () => {
    expect(kubernetesReader.type).toBe('kubernetes');
    expect(kubernetesReader.version).toBe('2');
  });
});

describe('corpus', () => {
  const files = walk(path.join(corpusRoot, 'k8s')).map((f) => path.relative(corpusRoot, f));

  it('holds the expected manifests', () => {
    expect(files.length).toBeGreaterThanOrEqual(22);
  });

  it.each(files)('%s: matched, read without errors, model-valid', (rel) => {
    const text = readFileSync(path.join(corpusRoot, rel), 'utf8');
    expect(kubernetesReader.matches(rel, text.slice(0, 4096))).toBe(true);
    const result = read(rel, text);
    expect(errors(result)).toEqual([]);
    expect(result.containers.length + result.services.length + result.networkPolicies.length).toBeGreaterThan(0);
    expectModelValid(result);
  });

  it('sysdig DaemonSet: privileged, host namespaces, docker.sock host mount', () => {
    const f = only(readCorpus('k8s/single/sysdig-agent-daemonset-privileged-hostpath.yaml'));
    expect(f.key).toEqual({
      name: 'sysdig-agent',
      scope: 'default',
      image: 'sysdig/agent',
      workload: { kind: 'DaemonSet', name: 'sysdig-agent', namespace: 'default' },
    });
    expect(f.privileges.privileged?.value).toBe(true);
    expect(f.privileges.privileged?.sources[0]).toMatchObject({
      artifact: 'k8s/single/sysdig-agent-daemonset-privileged-hostpath.yaml',
      document: 0,
      pointer: '/spec/template/spec/containers/0/securityContext/privileged',
      line: 44,
      column: 22,
    });
    expect(f.privileges.hostNetwork?.value).toBe(true);
    expect(f.privileges.hostPID?.value).toBe(true);
    expect(f.privileges.hostIPC).toBeUndefined();
    const sock = f.writable.find((w) => w.path === '/host/var/run/docker.sock');
    expect(sock).toMatchObject({ kind: 'host', hostPath: '/var/run/docker.sock' });
    expect(sock?.readOnly).toBeUndefined();
    expect(sock?.sources.map((s) => s.pointer)).toEqual([
      '/spec/template/spec/containers/0/volumeMounts/0',
      '/spec/template/spec/volumes/0',
    ]);
    expect(f.writable.filter((w) => w.readOnly).map((w) => w.hostPath)).toEqual(['/proc', '/boot', '/lib/modules', '/usr']);
    expect(f.labels).toEqual({ name: 'sysdig-agent' });
  });

  it('metrics-server: read-only root, drop ALL, non-root user, probes on the named port', () => {
    const f = only(readCorpus('k8s/single/metrics-server-deployment-hardened.yaml'));
    expect(f.key.scope).toBe('kube-system');
    expect(f.readOnlyRoot?.value).toBe(true);
    expect(f.dropCapabilities.map((c) => c.name)).toEqual(['ALL']);
    expect(f.capabilities).toEqual([]);
    expect(f.user?.name).toBe('1000');
    expect(f.privileges.allowPrivilegeEscalation?.value).toBe(false);
    expect(f.listen).toHaveLength(1);
    expect(f.listen[0]).toMatchObject({ port: 10250, protocol: 'tcp', name: 'https' });
    expect(f.listen[0]?.sources.map((s) => s.reason)).toEqual([
      'container metrics-server of Deployment metrics-server declares containerPort 10250/tcp (https)',
      'liveness probe of container metrics-server of Deployment metrics-server: the kubelet connects with httpGet /livez to port 10250 (https)',
      'readiness probe of container metrics-server of Deployment metrics-server: the kubelet connects with httpGet /readyz to port 10250 (https)',
    ]);
    expect(f.writable).toEqual([expect.objectContaining({ path: '/tmp', kind: 'volume' })]);
    // args without command: the image ENTRYPOINT runs with them, which this file does not know.
    expect(f.commands).toEqual([
      expect.objectContaining({ argv: expect.arrayContaining(['--secure-port=10250']), replaces: 'cmd', purpose: 'entrypoint' }),
    ]);
  });

  it('cassandra StatefulSet: IPC_LOCK, claim-template volume, exec probes and preStop hook', () => {
    const f = only(readCorpus('k8s/single/cassandra-statefulset-capabilities.yaml'));
    expect(f.capabilities.map((c) => c.name)).toEqual(['CAP_IPC_LOCK']);
    expect(f.capabilities[0]?.sources[0]).toMatchObject({ line: 42, column: 17 });
    expect(f.listen.map((l) => [l.port, l.name])).toEqual([
      [7000, 'intra-node'],
      [7001, 'tls-intra-node'],
      [7199, 'jmx'],
      [9042, 'cql'],
    ]);
    expect(f.writable).toEqual([expect.objectContaining({ path: '/var/lib/cassandra', kind: 'volume' })]);
    expect(f.writable[0]?.sources[1]?.pointer).toBe('/spec/volumeClaimTemplates/0');
    expect(f.commands.map((c) => [c.purpose, c.argv])).toEqual([
      // liveness, readiness, startup, then the lifecycle hooks, whatever the order in the file
      ['probe', ['/bin/bash', '-c', 'nodetool status']],
      ['probe', ['/bin/bash', '-c', '/ready-probe.sh']],
      ['probe', ['/bin/sh', '-c', 'nodetool drain']],
    ]);
    expect(f.env.find((e) => e.name === 'CASSANDRA_SEEDS')?.value).toBe('cassandra-0.cassandra.default.svc.cluster.local');
    const podIp = f.env.find((e) => e.name === 'POD_IP');
    expect(podIp?.value).toBeUndefined();
    expect(podIp?.source.reason).toContain('the pod field status.podIP');
  });

  it('flow-style Pod: capabilities with positions', () => {
    const f = only(readCorpus('k8s/single/security-context-4-capabilities-flowstyle.yaml'));
    expect(f.key.workload).toEqual({ kind: 'Pod', name: 'security-context-demo-4', namespace: 'default' });
    expect(f.capabilities.map((c) => [c.name, c.sources[0]?.line, c.sources[0]?.column])).toEqual([
      ['CAP_NET_ADMIN', 15, 13],
      ['CAP_SYS_TIME', 16, 13],
    ]);
  });

  it.each([
    ['k8s/single/psp-pod-privileged.yaml', { privileged: true }],
    ['k8s/single/tetragon-soe-privileged-pod-hostpid.yaml', { privileged: true, hostPID: true, hostNetwork: true }],
  ])('%s: privileges', (rel, expected) => {
    const f = only(readCorpus(rel));
    const values = Object.fromEntries(Object.entries(f.privileges).map(([k, v]) => [k, v.value]));
    expect(values).toEqual(expected);
    expect(f.listen.map((l) => l.port)).toEqual([80]);
  });

  it('guestbook: deployments and the services that select them', () => {
    const r = readCorpus('k8s/guestbook-all-in-one.yaml');
    expect(r.containers.map((c) => [c.key.name, c.key.workload?.name, c.key.image])).toEqual([
      ['master', 'redis-master', 'registry.k8s.io/redis:e2e'],
      ['replica', 'redis-replica', 'gcr.io/google_samples/gb-redisslave:v1'],
      ['php-redis', 'frontend', 'gcr.io/google-samples/gb-frontend:v5'],
    ]);
    expect(r.services.map((s) => [s.name, s.selector, s.ports])).toEqual([
      ['redis-master', { app: 'redis', tier: 'backend', role: 'master' }, [{ port: 6379, targetPort: 6379, protocol: 'tcp' }]],
      ['redis-replica', { app: 'redis', tier: 'backend', role: 'replica' }, [{ port: 6379, protocol: 'tcp' }]],
      ['frontend', { app: 'guestbook', tier: 'frontend' }, [{ port: 80, protocol: 'tcp' }]],
    ]);
    expect(r.containers[2]?.labels).toEqual({ app: 'guestbook', tier: 'frontend' });
    expect(r.containers[2]?.env).toEqual([expect.objectContaining({ name: 'GET_HOSTS_FROM', value: 'dns' })]);
    expect(r.containers.map((c) => c.declared.document)).toEqual([1, 3, 5]);
  });

  it('istio bookinfo: three reviews versions stay apart by workload', () => {
    const r = readCorpus('k8s/istio-bookinfo.yaml');
    expect(r.services.map((s) => s.name)).toEqual(['details', 'ratings', 'reviews', 'productpage']);
    const reviews = r.containers.filter((c) => c.key.name === 'reviews');
    expect(reviews.map((c) => c.key.workload?.name)).toEqual(['reviews-v1', 'reviews-v2', 'reviews-v3']);
    expect(reviews[0]?.writable.map((w) => [w.path, w.kind])).toEqual([
      ['/tmp', 'volume'],
      ['/opt/ibm/wlp/output', 'volume'],
    ]);
    expect(reviews[0]?.env).toEqual([expect.objectContaining({ name: 'LOG_DIR', value: '/tmp/logs' })]);
  });

  it('selenium grid: hub probes and the node env that names the hub', () => {
    const hub = only(readCorpus('k8s/selenium-grid/selenium-hub-deployment.yaml'));
    expect(hub.listen.map((l) => [l.port, l.sources.length])).toEqual([
      [4444, 3],
      [4443, 1],
      [4442, 1],
    ]);
    const node = only(readCorpus('k8s/selenium-grid/selenium-node-chrome-deployment.yaml'));
    expect(node.env.find((e) => e.name === 'SE_EVENT_BUS_HOST')?.value).toBe('selenium-hub');
    expect(node.writable).toEqual([expect.objectContaining({ path: '/dev/shm', kind: 'tmpfs' })]);
    const svc = readCorpus('k8s/selenium-grid/selenium-hub-svc.yaml').services;
    expect(svc).toEqual([
      expect.objectContaining({
        name: 'selenium-hub',
        selector: { app: 'selenium-hub' },
        ports: [
          { port: 4444, targetPort: 4444, protocol: 'tcp', name: 'port0' },
          { port: 4443, targetPort: 4443, protocol: 'tcp', name: 'port1' },
          { port: 4442, targetPort: 4442, protocol: 'tcp', name: 'port2' },
        ],
      }),
    ]);
  });

  it('voting app: postgres with env and an emptyDir data dir', () => {
    const db = only(readCorpus('k8s/voting-app/db-deployment.yaml'));
    expect(db.key).toMatchObject({ name: 'postgres', image: 'postgres:15-alpine' });
    expect(db.env.map((e) => [e.name, e.value])).toEqual([
      ['POSTGRES_USER', 'postgres'],
      ['POSTGRES_PASSWORD', 'postgres'],
    ]);
    expect(db.writable).toEqual([expect.objectContaining({ path: '/var/lib/postgresql/data', kind: 'volume' })]);
    const svc = readCorpus('k8s/voting-app/db-service.yaml').services;
    expect(svc).toEqual([expect.objectContaining({ name: 'db', selector: { app: 'db' } })]);
  });

  it('NetworkPolicy: podSelector and the raw object', () => {
    const r = readCorpus('k8s/single/networkpolicy-website.yaml');
    expect(r.networkPolicies).toHaveLength(1);
    const np = r.networkPolicies[0]!;
    expect(np).toMatchObject({ name: 'test-network-policy', scope: 'default', podSelector: { role: 'db' } });
    expect(np.raw).toMatchObject({ spec: { policyTypes: ['Ingress', 'Egress'] } });
  });
});

describe('fixtures', () => {
  it('env-config: ConfigMap and Secret of the same file resolve env values', () => {
    const r = readFixture('env-config.yaml');
    const api = only(r, 'api');
    expect(api.env.map((e) => [e.name, e.value])).toEqual([
      ['DATABASE_HOST', 'db'],
      ['DATABASE_PORT', '5432'],
      ['RETRIES', '3'],
      ['EXT_*', undefined],
      ['DATABASE_PASSWORD', 'secret-pw'],
      ['BLOB', undefined],
      ['TOKEN', undefined],
      ['POD_IP', undefined],
      ['EMPTY', ''],
      ['MODE', 'production'],
    ]);
    expect(api.env.find((e) => e.name === 'TOKEN')?.source.reason).toContain('Secret other-secret (not in this file)');
  });

  it('env-config: command + args, probes, named ports, capabilities, user override', () => {
    const r = readFixture('env-config.yaml');
    const api = only(r, 'api');
    expect(api.key).toEqual({
      name: 'api',
      scope: 'shop',
      image: 'shop/api:1.2.0',
      workload: { kind: 'Deployment', name: 'shop-api', namespace: 'shop' },
    });
    expect(api.commands.map((c) => [c.purpose, c.shell, c.argv])).toEqual([
      ['entrypoint', false, ['node', 'server.js', '--port', '8080']],
      ['probe', false, ['/bin/sh', '-c', 'sleep 5']],
    ]);
    expect(api.listen.map((l) => [l.port, l.protocol, l.name ?? null, l.sources.length])).toEqual([
      [8080, 'tcp', 'http', 2],
      [9090, 'udp', null, 1],
      [8081, 'tcp', null, 1],
      [8082, 'tcp', null, 1],
    ]);
    expect(api.listen[1]?.sources[0]?.reason).toContain('published on host port 9090');
    // runAsUser from the pod, runAsGroup from the container.
    expect(api.user?.name).toBe('1000:4000');
    expect(api.user?.source.pointer).toBe('/spec/template/spec/securityContext/runAsUser');
    expect(api.capabilities.map((c) => c.name)).toEqual(['CAP_NET_BIND_SERVICE', 'CAP_CHOWN']);
    expect(api.dropCapabilities.map((c) => c.name)).toEqual(['ALL']);
    expect(api.readOnlyRoot?.value).toBe(true);
    expect(api.labels).toEqual({ app: 'shop-api', tier: 'backend' });
  });

  it('env-config: volumes by type', () => {
    const api = only(readFixture('env-config.yaml'), 'api');
    expect(api.writable.map((w) => [w.path, w.kind, w.hostPath ?? null, w.readOnly ?? false])).toEqual([
      ['/cache', 'tmpfs', null, false],
      ['/scratch', 'volume', null, false],
      ['/data', 'volume', null, false],
      ['/etc/shop', 'volume', null, true],
      ['/etc/creds', 'volume', null, true],
      ['/var/log/host', 'host', '/var/log', true],
      ['/missing', 'volume', null, false],
    ]);
  });

  it('env-config: init container is named init:<name> and conflicts are reported', () => {
    const r = readFixture('env-config.yaml');
    const init = only(r, 'init:migrate');
    expect(init.user?.name).toBe('0:3000');
    expect(init.commands).toEqual([expect.objectContaining({ purpose: 'entrypoint', argv: ['/app/bin/migrate', '--wait'] })]);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ['kubernetes/conflicting-security-context', 48, 22],
      ['kubernetes/unknown-volume', 124, 17],
    ]);
    expectModelValid(r);
  });

  it('list-cronjob: List items, CronJob template, ExternalName and selector-less Services', () => {
    const r = readFixture('list-cronjob.yaml');
    const backup = only(r, 'backup');
    expect(backup.key.workload).toEqual({ kind: 'CronJob', name: 'nightly', namespace: 'ops' });
    expect(backup.labels).toEqual({ job: 'nightly' });
    expect(backup.declared.pointer).toBe('/items/0/spec/jobTemplate/spec/template/spec/containers/0');
    expect(backup.declared).toMatchObject({ document: 0, line: 20, column: 15 });
    const task = only(r, 'task');
    expect(task.privileges.hostIPC?.value).toBe(true);
    expect(task.privileges.privileged?.value).toBe(false);
    expect(r.services).toEqual([
      expect.objectContaining({ name: 'payments', scope: 'ops', ports: [] }),
      expect.objectContaining({ name: 'legacy', scope: 'ops', ports: [{ port: 5432, protocol: 'tcp' }] }),
    ]);
    expect(r.services.every((s) => s.selector === undefined)).toBe(true);
    expect(r.services[0]?.source.reason).toContain('ExternalName');
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'kubernetes/invalid-object', line: 58, column: 3 })]);
  });

  it('unknown kinds with a pod template are read as workloads, with an info diagnostic', () => {
    const r = readFixture('unknown-workloads.yaml');
    expect(r.containers.map((c) => [c.key.name, c.key.workload?.kind])).toEqual([
      ['web', 'Rollout'],
      ['hello', 'Service'],
    ]);
    expect(r.services).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.line])).toEqual([
      ['kubernetes/unknown-workload', 'info', 1],
      ['kubernetes/unknown-workload', 'info', 20],
    ]);
  });

  it('statefulset.json: JSON manifests, claim templates, exec probe', () => {
    const f = only(readFixture('statefulset.json'));
    expect(f.key).toMatchObject({ name: 'postgres', scope: 'data' });
    expect(f.labels).toEqual({ 'app.kubernetes.io/name': 'db' });
    expect(f.writable[0]?.sources.map((s) => s.pointer)).toEqual([
      '/spec/template/spec/containers/0/volumeMounts/0',
      '/spec/volumeClaimTemplates/0',
    ]);
    expect(f.commands).toEqual([expect.objectContaining({ purpose: 'probe', argv: ['pg_isready', '-U', 'postgres'] })]);
  });
});

describe('hostile and malformed input', () => {
  it('invalid YAML mid-file: that document is reported with a position, the others are read', () => {
    const r = readFixture('broken-middle.yaml');
    expect(r.containers.map((c) => c.key.workload?.name)).toEqual(['first']);
    expect(r.services.map((s) => [s.name, s.source.document])).toEqual([['third', 2]]);
    expect(r.services[0]?.ports).toEqual([{ port: 80, targetPort: 'http', protocol: 'tcp' }]);
    const syntax = r.diagnostics.filter((d) => d.code === 'kubernetes/yaml-syntax');
    expect(syntax.length).toBeGreaterThan(0);
    for (const d of syntax) {
      expect(d).toMatchObject({ severity: 'error', file: 'fixtures/broken-middle.yaml' });
      expect(d.message).toMatch(/^document 1 is not read/);
      expect(d.line).toBeGreaterThanOrEqual(9);
      expect(d.line).toBeLessThanOrEqual(16);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
  });

  it('billion laughs: refused after a bounded number of aliases, next document still read', () => {
    const started = Date.now();
    const r = readFixture('billion-laughs.yaml');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'kubernetes/yaml-aliases', severity: 'error', line: 1, column: 1 })]);
    expect(only(r).key.workload?.name).toBe('survivor');
  });

  it('wrong field types: each bad field is dropped with a positioned warning, the rest is kept', () => {
    const r = readFixture('wrong-types.yaml');
    const app = only(r, 'app');
    expect(app.listen).toEqual([]);
    expect(app.env.map((e) => [e.name, e.value])).toEqual([
      ['GOOD', 'kept'],
      ['ALSO_GOOD', '7'],
    ]);
    expect(app.privileges).toEqual({});
    expect(app.user).toBeUndefined();
    expect(app.capabilities).toEqual([]);
    expect(app.image?.ref).toBe('example/app:1');
    const second = only(r, 'second');
    expect(second.listen.map((l) => l.port)).toEqual([8080]);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
      ['kubernetes/invalid-field', 11, 20],
      ['kubernetes/invalid-field', 15, 16],
      ['kubernetes/invalid-field', 19, 11],
      ['kubernetes/invalid-field', 23, 23],
      ['kubernetes/invalid-field', 24, 22],
      ['kubernetes/invalid-field', 26, 18],
      ['kubernetes/invalid-field', 29, 13],
      ['kubernetes/unresolved-port', 32, 19],
      ['kubernetes/invalid-field', 34, 11],
      ['kubernetes/invalid-field', 35, 9],
      ['kubernetes/invalid-field', 39, 26],
      ['kubernetes/invalid-object', 42, 1],
    ]);
    expect(r.diagnostics[1]?.message).toBe('ports of container ignored: Invalid input: expected array, received string');
    expect(r.diagnostics[6]?.message).toMatch(/^livenessProbe\.httpGet of container ignored \(livenessProbe\.httpGet\.port\)/);
    expectModelValid(r);
  });

  it('non-object documents are reported, empty ones skipped, the last one read', () => {
    const r = readFixture('non-objects.yaml');
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['kubernetes/invalid-object', 1],
      ['kubernetes/invalid-object', 3],
      ['kubernetes/invalid-object', 6],
    ]);
    expect(only(r).key.workload?.name).toBe('last');
  });

  it.each([
    ['empty file', ''],
    ['only comments', '# nothing here\n'],
    ['only markers', '---\n---\n...\n'],
    ['a bare null', '~\n'],
  ])('%s: nothing, no diagnostics', (_label, text) => {
    expect(read('x.yaml', text)).toEqual({ containers: [], services: [], networkPolicies: [], diagnostics: [] });
  });

  it('a file over the size limit is refused at once', () => {
    const one = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: v\n---\n';
    const text = one.repeat(Math.ceil((20 * 1024 * 1024) / one.length));
    expect(text.length).toBeGreaterThan(MAX_TEXT_LENGTH);
    const started = Date.now();
    const r = read('huge.yaml', text);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'kubernetes/too-large', severity: 'error' })]);
  });

  it('a large file under the limit is read in bounded time', () => {
    const pod = (i: number) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    ports:\n    - containerPort: ${1000 + (i % 1000)}\n---\n`;
    const text = Array.from({ length: 5000 }, (_, i) => pod(i)).join('');
    const started = Date.now();
    const r = read('many.yaml', text);
    expect(Date.now() - started).toBeLessThan(15000);
    expect(r.containers).toHaveLength(5000);
    expect(r.containers[4999]?.declared).toMatchObject({ document: 4999, line: 4999 * 11 + 7 });
  });

  it('deeply nested flow collections do not crash', () => {
    const depth = 20000;
    const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: deep\nspec:\n  x: ${'['.repeat(depth)}${']'.repeat(depth)}\n  containers:\n  - name: c\n    image: busybox\n`;
    const r = read('deep.yaml', `${text}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: after\n`);
    expect(r.services.map((s) => s.name)).toEqual(['after']);
    for (const d of r.diagnostics) DiagnosticSchema.parse(d);
  });

  it('an unclosed quote does not swallow the documents after it', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "oops\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: ok\n';
    const r = read('q.yaml', text);
    expect(r.services.map((s) => s.name)).toEqual(['ok']);
    expect(r.diagnostics[0]).toMatchObject({ code: 'kubernetes/yaml-syntax' });
  });

  it('merge keys are honoured as Kubernetes does', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: merged}',
      'spec:',
      '  containers:',
      '  - &base {name: a, image: busybox, securityContext: {privileged: true}}',
      '  - <<: *base',
      '    name: b',
    ].join('\n');
    const r = read('m.yaml', text);
    expect(r.containers.map((c) => [c.key.name, c.privileges.privileged?.value])).toEqual([
      ['a', true],
      ['b', true],
    ]);
  });
});

describe('helpers', () => {
  it.each([
    ['NET_ADMIN', 'CAP_NET_ADMIN'],
    ['net_admin', 'CAP_NET_ADMIN'],
    ['CAP_SYS_TIME', 'CAP_SYS_TIME'],
    [' all ', 'ALL'],
    ['', ''],
  ])('prefixedCapability(%j) = %j', (input, expected) => {
    expect(prefixedCapability(input)).toBe(expected);
  });

  it.each([
    [[], ''],
    [['spec', 'containers', 0], '/spec/containers/0'],
    [['metadata', 'labels', 'app.kubernetes.io/name'], '/metadata/labels/app.kubernetes.io~1name'],
    [['a~b'], '/a~0b'],
  ] as const)('toPointer(%j) = %j', (segments, expected) => {
    expect(toPointer(segments)).toBe(expected);
  });
});

/** Golden files: one per input, each written by exactly this test when CHARTER_UPDATE_GOLDEN=1. */
describe('golden output', () => {
  const inputs = [
    ...readdirSync(fixtures)
      .filter((n) => /\.(ya?ml|json)$/.test(n))
      .sort()
      .map((n) => ({ name: `fixture-${n}`, display: `fixtures/${n}`, file: path.join(fixtures, n) })),
    ...walk(path.join(corpusRoot, 'k8s')).map((f) => {
      const rel = path.relative(corpusRoot, f);
      return { name: `corpus-${rel.replace(/[/\\]/g, '__')}`, display: rel, file: f };
    }),
  ];

  it.each(inputs)('$display', ({ name, display, file }) => {
    const actual = `${JSON.stringify(read(display, readFileSync(file, 'utf8')), null, 2)}\n`;
    const golden = path.join(goldenDir, `${name}.json`);
    expectGolden(golden, actual);
  });
});

describe('OpenShift Templates', () => {
  it("reads the objects with the parameters' values; generated parameters stay as written", () => {
    const r = kubernetesReader.read({
      path: 'template.yaml',
      text: `apiVersion: template.openshift.io/v1
kind: Template
metadata: { name: shop }
parameters:
  - { name: APP, value: shop }
  - { name: PORT, value: "8080" }
  - { name: PASSWORD, generate: expression, from: "[a-z]{8}" }
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: "\${APP}-web" }
    spec:
      template:
        metadata: { labels: { app: "\${APP}" } }
        spec:
          containers:
            - name: web
              image: "example.com/\${APP}:1"
              ports: [{ containerPort: "\${{PORT}}" }]
              env: [{ name: PASSWORD, value: "\${PASSWORD}" }]
`,
    });
    const f = r.containers[0];
    expect(f?.key.workload?.name).toBe('shop-web');
    expect(f?.image?.ref).toBe('example.com/shop:1');
    expect(f?.listen.map((l) => l.port)).toEqual([8080]);
    expect(f?.env.find((e) => e.name === 'PASSWORD')?.value).toBe('${PASSWORD}');
    // Positions point into the template's objects.
    expect(f?.declared.pointer).toBe('/objects/0/spec/template/spec/containers/0');
    expect(f?.declared.line).toBe(17);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['kubernetes/template']);
  });
});
