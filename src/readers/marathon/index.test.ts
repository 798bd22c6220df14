import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiagnosticSchema, SourceSchema } from '../../model/charter.js';
import type { ContainerFragment, ReaderResult } from '../../model/fragments.js';
import { canonicalId } from './extract.js';
import { marathonReader } from './index.js';
import { expectGolden } from '../../test-support/golden.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
// CI checks out shared/ beside the clone, so the corpus sits next to the repository.
const corpus = path.resolve(repoRoot, 'test/corpus/marathon');
const fixtures = path.join(here, 'fixtures');

function read(display: string, text: string): ReaderResult {
  return marathonReader.read({ path: display, text });
}
function readCorpus(file: string): ReaderResult {
  return read(`marathon/${file}`, readFileSync(path.join(corpus, file), 'utf8'));
}
function app(r: ReaderResult, id: string): ContainerFragment {
  const c = r.containers.find((x) => x.key.name === id);
  if (!c) throw new Error(`no app ${id}`);
  return c;
}
function expectWellFormed(r: ReaderResult): void {
  for (const d of r.diagnostics) expect(DiagnosticSchema.safeParse(d).success, JSON.stringify(d)).toBe(true);
  const sources: unknown[] = [];
  for (const c of r.containers) {
    sources.push(c.declared, ...c.listen.flatMap((l) => l.sources), ...c.writable.flatMap((w) => w.sources));
    sources.push(...c.env.map((e) => e.source), ...c.commands.map((x) => x.source), ...c.dependsOn.map((d) => d.source));
    sources.push(...c.capabilities.flatMap((x) => x.sources), ...Object.values(c.privileges).flatMap((p) => p.sources));
  }
  for (const s of r.services) sources.push(s.source);
  for (const s of sources) {
    expect(SourceSchema.safeParse(s).success, JSON.stringify(s)).toBe(true);
    expect(s).toMatchObject({ kind: 'marathon', line: expect.any(Number), column: expect.any(Number), pointer: expect.any(String) });
  }
}

describe('marathonReader.matches', () => {
  const table: [string, string, boolean][] = [
    ['app.json', '{\n  "id": "/foo",\n  "cmd": "sleep 1"\n}', true],
    ['apps.json', '[{"id": "/a", "instances": 1}]', true],
    ['group.json', '{"id": "/", "apps": [], "groups": []}', true],
    ['marathon/x.JSON', '{"id":"/x","container":{}}', true],
    ['package.json', '{"name": "x", "version": "1.0.0"}', false],
    ['k8s.json', '{"apiVersion": "v1", "kind": "Pod", "metadata": {"id": "x"}, "spec": {"containers": []}}', false],
    ['app.yaml', '{"id": "/foo", "cmd": "x"}', false],
    ['only-id.json', '{"id": "/foo"}', false],
    ['pod.json', '{"id": "/pod", "containers": []}', false],
  ];
  it.each(table)('%s', (p, head, want) => expect(marathonReader.matches(p, head)).toBe(want));
  it('has a type and version', () => {
    expect(marathonReader.type).toBe('marathon');
    expect(marathonReader.version).toBe('2');
  });
});

describe('canonicalId', () => {
  const table: [string, string, string][] = [
    ['/a/b', '/x', '/a/b'],
    ['b', '/a', '/a/b'],
    ['../c', '/a/b', '/a/c'],
    ['./c/../d', '/a', '/a/d'],
    ['../../../x', '/a', '/x'],
    ['', '/', '/'],
    ['product/', '/', '/product'],
  ];
  it.each(table)('%s against %s', (id, base, want) => expect(canonicalId(id, base)).toBe(want));
});

describe('real Marathon files', () => {
  it('app.json: docker bridge app with mappings, volume, env secret, dependency', () => {
    const r = readCorpus('app.json');
    expectWellFormed(r);
    const foo = app(r, '/foo');
    expect(foo.key).toEqual({ name: '/foo', scope: '/', image: 'mesosphere:marathon/latest' });
    expect(foo.declared).toMatchObject({ pointer: '', line: 1, column: 1 });
    // portMappings win over portDefinitions; ipAddress discovery ports are listened on too.
    expect(foo.listen.map((l) => [l.port, l.protocol, l.name])).toEqual([
      [80, 'tcp', 'http'],
      [8080, 'tcp', 'rest-endpoint'],
    ]);
    expect(foo.listen[0]?.sources[0]).toMatchObject({ pointer: '/container/docker/portMappings/0', line: 36, column: 9 });
    expect(foo.privileges.hostNetwork).toBeUndefined();
    expect(foo.privileges.privileged?.value).toBe(false);
    expect(foo.writable).toEqual([
      expect.objectContaining({ path: '/docker_storage', kind: 'bind', hostPath: '/hdd/tools/docker/registry' }),
    ]);
    expect(foo.env.map((e) => [e.name, e.value])).toEqual([
      ['XPS1', 'Test'],
      ['XPS2', 'Rest'],
      ['PASSWORD', undefined],
    ]);
    expect(foo.env[2]?.source).toMatchObject({ pointer: '/env/PASSWORD', line: 62 });
    expect(foo.dependsOn.map((d) => d.name)).toEqual(['/prod/group']);
    expect(foo.user).toMatchObject({ name: 'root', source: { line: 128, column: 11 } });
    expect(foo.labels).toEqual({ owner: 'zeus', note: 'Away from olympus' });
    expect(foo.commands).toEqual([
      expect.objectContaining({ argv: ['sleep', '1000'], shell: true, purpose: 'entrypoint' }),
      expect.objectContaining({ argv: ['sleep', '100'], shell: false, purpose: 'entrypoint' }),
    ]);
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(['marathon/cmd-and-args', 'marathon/port-definitions-ignored']);
    expect(r.services.map((s) => s.name)).toEqual(['/foo', 'foo', 'foo.marathon.mesos']);
    expect(r.services[0]).toMatchObject({
      scope: '/',
      targets: ['/foo'],
      ports: [{ port: 80, protocol: 'tcp', name: 'http' }, { port: 8080 }],
    });
  });

  it('apps_create.json: an array of apps with dependencies', () => {
    const r = readCorpus('apps_create.json');
    expectWellFormed(r);
    expect(r.diagnostics).toEqual([]);
    expect(r.containers.map((c) => [c.key.name, c.key.scope])).toEqual([
      ['/test/sleep60', '/test'],
      ['/test/sleep120', '/test'],
    ]);
    const s60 = app(r, '/test/sleep60');
    expect(s60.dependsOn.map((d) => d.name)).toEqual(['/test/sleep120', '/other/namespace/or/app']);
    expect(s60.dependsOn[1]?.source).toMatchObject({ pointer: '/0/dependencies/1', line: 7, column: 40 });
    // No container, no network: Marathon runs the task in the host's network namespace.
    expect(s60.privileges.hostNetwork?.value).toBe(true);
    expect(s60.commands[0]).toMatchObject({ argv: ['sleep', '60'], shell: true });
  });

  it('group.json: nested groups, host networking, privileged docker.sock mount', () => {
    const r = readCorpus('group.json');
    expectWellFormed(r);
    expect(r.containers.map((c) => [c.key.name, c.key.scope])).toEqual([
      ['/tools/oauth-server', '/tools'],
      ['/tools/datadog-agent', '/tools'],
      ['/tools/docker/registry', '/tools/docker'],
    ]);
    const dd = app(r, '/tools/datadog-agent');
    expect(dd.key.image).toBe('datadog/docker-dd-agent:latest');
    expect(dd.privileges.privileged?.value).toBe(true);
    expect(dd.privileges.hostNetwork).toMatchObject({ value: true, sources: [{ pointer: '/groups/0/apps/1/container/docker/network' }] });
    expect(dd.writable.map((w) => [w.path, w.kind, w.hostPath, w.readOnly])).toEqual([
      ['/var/run/docker.sock', 'bind', '/var/run/docker.sock', undefined],
      ['/host/proc/mounts', 'bind', '/proc/mounts', true],
      ['/host/sys/fs/cgroup', 'bind', '/sys/fs/cgroup/', true],
    ]);
    expect(dd.writable[0]?.sources[0]).toMatchObject({ pointer: '/groups/0/apps/1/container/volumes/0', line: 86, column: 15 });
    expect(dd.listen.map((l) => l.port)).toEqual([10018]);
    const reg = app(r, '/tools/docker/registry');
    expect(reg.privileges.hostNetwork).toBeUndefined();
    expect(reg.listen).toEqual([expect.objectContaining({ port: 5000, protocol: 'tcp' })]);
    expect(app(r, '/tools/oauth-server').listen.map((l) => l.port)).toEqual([1980]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['marathon/service-ports', 'marathon/service-ports']);
  });

  it('Group-1.json: nested group with absolute dependencies', () => {
    const r = readCorpus('Group-1.json');
    expectWellFormed(r);
    expect(r.containers.map((c) => c.key.name)).toEqual([
      '/department-a/service-common',
      '/department-a/product-a/service-a',
      '/department-a/product-a/service-b',
    ]);
    expect(app(r, '/department-a/product-a/service-a').dependsOn.map((d) => d.name)).toEqual(['/department-a/service-common']);
    expect(app(r, '/department-a/product-a/service-b').dependsOn.map((d) => d.name)).toEqual(['/department-a/product-a/service-a']);
    expect(app(r, '/department-a/service-common').commands[0]?.argv).toEqual(['python', '-m', 'SimpleHTTPServer', '$PORT0']);
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['marathon/dynamic-port', 8],
      ['marathon/dynamic-port', 21],
      ['marathon/dynamic-port', 32],
    ]);
    expect(r.services.filter((s) => s.targets?.[0] === '/department-a/product-a/service-b').map((s) => s.name)).toEqual([
      '/department-a/product-a/service-b',
      'service-b',
      'service-b-product-a-department-a.marathon.mesos',
    ]);
  });

  it('Group-2.json: a group dependency expands to the apps of that group', () => {
    const r = readCorpus('Group-2.json');
    expectWellFormed(r);
    expect(r.diagnostics).toEqual([]);
    const basic = app(r, '/department-1/service/basic-app-1');
    expect(basic.dependsOn).toEqual([
      expect.objectContaining({
        name: '/department-1/database/mesos-docker',
        source: expect.objectContaining({ pointer: '/groups/1/dependencies/0', line: 37 }),
      }),
    ]);
    const docker = app(r, '/department-1/database/mesos-docker');
    expect(docker.key.image).toBe('python:3');
    expect(docker.commands[0]?.argv).toEqual(['sleep', '20', '&&', 'python3', '-m', 'http.server', '$PORT0']);
  });
});

describe('kitchen-sink fixture', () => {
  const r = read('shop.json', readFileSync(path.join(fixtures, 'kitchen-sink.json'), 'utf8'));
  const api = app(r, '/shop/backend/api');

  it('is well formed and resolves relative ids', () => {
    expectWellFormed(r);
    expect(r.containers.map((c) => [c.key.name, c.key.scope])).toEqual([
      ['/shop/backend/api', '/shop/backend'],
      ['/shop/backend/cache', '/shop/backend'],
      ['/shop/frontend/web', '/shop/frontend'],
      ['/shop/frontend/host-tool', '/shop/frontend'],
    ]);
  });

  it('reads container port mappings with multi-protocol entries', () => {
    expect(api.listen.map((l) => `${l.port}/${l.protocol}${l.name ? ':' + l.name : ''}`)).toEqual([
      '8080/tcp:http',
      '5353/udp:dns',
      '5353/tcp:dns',
      '9090/tcp',
    ]);
    expect(api.listen[0]?.sources.map((s) => s.pointer)).toEqual([
      '/groups/0/apps/0/container/portMappings/0',
      '/groups/0/apps/0/healthChecks/0',
    ]);
  });

  it('maps docker parameters', () => {
    expect(api.capabilities.map((c) => c.name)).toEqual(['NET_BIND_SERVICE']);
    expect(api.dropCapabilities.map((c) => c.name)).toEqual(['ALL']);
    expect(api.readOnlyRoot?.value).toBe(true);
    expect(api.user?.name).toBe('1000');
    expect(api.workingDir?.name).toBe('/srv/app');
    expect(api.privileges.allowPrivilegeEscalation?.value).toBe(false);
    expect(api.labels).toEqual({ tier: 'backend', team: 'payments' });
  });

  it('maps volumes of every kind', () => {
    expect(api.writable.map((w) => [w.path, w.kind, w.hostPath, w.readOnly])).toEqual([
      ['/data', 'bind', '/srv/shop/data', undefined],
      ['/etc/shop', 'bind', '/etc/shop', true],
      ['/mnt/mesos/sandbox/cache', 'volume', undefined, undefined],
      ['/run/secrets/key', 'tmpfs', undefined, true],
      ['/var/run/docker.sock', 'bind', '/var/run/docker.sock', true],
      ['/tmp', 'tmpfs', undefined, undefined],
    ]);
  });

  it('reads env with secrets and reports bad values', () => {
    expect(api.env.map((e) => [e.name, e.value])).toEqual([
      ['FROM_PARAM', '1'],
      ['DB_HOST', 'db.platform.marathon.mesos'],
      ['API_KEY', undefined],
    ]);
    expect(api.env[2]?.source.reason).toContain('/shop/api-key');
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'marathon/schema', line: 46, column: 23 }));
  });

  it('resolves relative and group dependencies', () => {
    expect(api.dependsOn.map((d) => d.name)).toEqual(['/shop/backend/cache', '/shop/frontend/web', '/platform/db']);
    expect(app(r, '/shop/frontend/web').dependsOn.map((d) => d.name)).toEqual(['/platform/db', '/shop/backend/api', '/shop/backend/cache']);
  });

  it('reads commands and health checks', () => {
    expect(api.commands).toEqual([
      expect.objectContaining({ argv: ['--port', '8080'], shell: false, purpose: 'entrypoint' }),
      expect.objectContaining({
        argv: ['curl', '-f', 'http://localhost:8080/health', '||', 'exit', '1'],
        shell: true,
        purpose: 'healthcheck',
      }),
    ]);
    expect(app(r, '/shop/frontend/web').commands[0]?.argv).toEqual(['nginx', '-g', 'daemon off;']);
  });

  it('networks: bridge, container/bridge, host', () => {
    expect(api.privileges.hostNetwork).toBeUndefined();
    expect(app(r, '/shop/frontend/web').privileges.hostNetwork).toBeUndefined();
    expect(app(r, '/shop/frontend/host-tool').privileges.hostNetwork?.value).toBe(true);
    expect(app(r, '/shop/backend/cache').listen).toEqual([expect.objectContaining({ port: 6379, name: 'redis' })]);
  });

  it('reports wrong types and bad commands, keeping the rest', () => {
    const tool = app(r, '/shop/frontend/host-tool');
    expect(tool.commands).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(
      expect.arrayContaining(['marathon/dynamic-port', 'marathon/bad-command', 'marathon/schema']),
    );
    expect(r.diagnostics.find((d) => d.code === 'marathon/bad-command')).toMatchObject({ line: 83, column: 18 });
    expect(
      r.diagnostics
        .filter((d) => d.code === 'marathon/schema')
        .map((d) => d.line)
        .sort(),
    ).toEqual([46, 84]);
  });
});

describe('hostile and malformed input', () => {
  const syntax: [string, string, number, number][] = [
    ['trailing comma', '{\n  "id": "/a",\n  "cmd": "x",\n}\n', 4, 1],
    ['unterminated', '{"id": "/a", "cmd": "x', 1, 21],
    ['yaml, not json', 'id: /a\ncmd: x\n', 1, 1],
    ['nesting bomb', '{"id":"/a","labels":' + '['.repeat(50_000), 1, 21 + 256],
  ];
  it.each(syntax)('%s → syntax diagnostic with position', (_n, text, line, column) => {
    const r = read('app.json', text);
    expect(r.containers).toEqual([]);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'marathon/json-syntax', severity: 'error', file: 'app.json', line, column }),
    ]);
  });

  const wrong: [string, string, string[], [string, number, number][]][] = [
    ['a scalar', '42', [], [['marathon/not-an-object', 1, 1]]],
    ['app without id', '{"cmd": "x", "instances": 1}', [], [['marathon/schema', 1, 1]]],
    ['id is a number', '{"id": 5, "cmd": "x"}', [], [['marathon/schema', 1, 8]]],
    [
      'wrong field types are dropped, the app is kept',
      '{"id": "/a", "cmd": ["x"], "env": "A=1", "container": {"docker": {"image": 3}}}',
      ['/a'],
      [
        ['marathon/schema', 1, 21],
        ['marathon/schema', 1, 35],
        ['marathon/schema', 1, 76],
      ],
    ],
    ['group with a bad app', '{"id": "/g", "apps": [7, {"id": "ok"}]}', ['/g/ok'], [['marathon/schema', 1, 23]]],
    ['duplicate keys', '{"id": "/a", "id": "/b", "cmd": "x"}', ['/b'], [['marathon/duplicate-key', 1, 14]]],
  ];
  it.each(wrong)('%s', (_n, text, ids, diags) => {
    const r = read('app.json', text);
    expectWellFormed(r);
    expect(r.containers.map((c) => c.key.name)).toEqual(ids);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual(diags);
  });

  it('a pod is noted, not read', () => {
    const r = read('pod.json', '{"id": "/p", "containers": [{"name": "c"}]}');
    expect(r.containers).toEqual([]);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'marathon/pod', severity: 'info' })]);
  });

  it('reads a 10 MB group in bounded time', () => {
    const apps: string[] = [];
    let size = 0;
    for (let i = 0; size < 10_000_000; i++) {
      const a = `{"id": "app-${i}", "cmd": "serve --port ${i % 60000}", "portDefinitions": [{"port": ${1 + (i % 60000)}}], "env": {"PAD": "${'x'.repeat(64)}"}, "dependencies": ["app-${i + 1}"]}`;
      apps.push(a);
      size += a.length + 2;
    }
    const text = `{"id": "/big", "apps": [\n${apps.join(',\n')}\n]}`;
    const t0 = Date.now();
    const r = read('big.json', text);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.containers.length).toBe(apps.length);
    expect(r.containers.at(-1)?.declared.line).toBe(apps.length + 1);
  });

  it('refuses input over the size limit without parsing it', () => {
    const r = read('big.json', '{"id": "/a", "cmd": "' + 'x'.repeat(17 * 1024 * 1024) + '"}');
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'marathon/too-large' })]);
  });
});

describe('golden output', () => {
  const cases = ['app.json', 'apps_create.json', 'group.json', 'Group-1.json', 'Group-2.json'];
  it.each(cases)('%s', (file) => {
    const actual = JSON.stringify(readCorpus(file), null, 2) + '\n';
    const goldenPath = path.join(fixtures, 'golden', file);
    expectGolden(goldenPath, actual);
  });
});
