import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiagnosticSchema, SourceSchema } from '../../model/charter.js';
import type { ContainerFragment, ReaderResult } from '../../model/fragments.js';
import { composeReader } from './index.js';
import { expectGolden } from '../../test-support/golden.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
// CI checks out shared/ beside the clone, so the corpus sits next to the repository.
const corpus = path.resolve(repoRoot, 'test/corpus/compose');
const fixtures = path.join(here, 'fixtures');

function read(display: string, text: string): ReaderResult {
  return composeReader.read({ path: display, text });
}
function readCorpus(dir: string, file: string): ReaderResult {
  return read(`${dir}/${file}`, readFileSync(path.join(corpus, dir, file), 'utf8'));
}
function container(r: ReaderResult, name: string): ContainerFragment {
  const c = r.containers.find((x) => x.key.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}
/** Every source and diagnostic the reader emits must satisfy the profile schema. */
function expectWellFormed(r: ReaderResult): void {
  for (const d of r.diagnostics) expect(DiagnosticSchema.safeParse(d).success, JSON.stringify(d)).toBe(true);
  const sources: unknown[] = [];
  for (const c of r.containers) {
    sources.push(c.declared, ...c.listen.flatMap((l) => l.sources), ...c.writable.flatMap((w) => w.sources));
    sources.push(...c.env.map((e) => e.source), ...c.commands.map((x) => x.source), ...c.dependsOn.map((d) => d.source));
    sources.push(...c.capabilities.flatMap((x) => x.sources), ...c.dropCapabilities.flatMap((x) => x.sources));
  }
  for (const s of r.services) sources.push(s.source);
  for (const s of sources) {
    expect(SourceSchema.safeParse(s).success, JSON.stringify(s)).toBe(true);
    expect(s).toMatchObject({
      kind: 'compose',
      line: expect.any(Number),
      column: expect.any(Number),
      pointer: expect.stringMatching(/^\//),
    });
  }
}

describe('composeReader.matches', () => {
  const table: [string, string, boolean][] = [
    ['compose.yaml', '', true],
    ['app/compose.yml', '', true],
    ['docker-compose.yml', '', true],
    ['docker-compose.override.yaml', '', true],
    ['deploy/docker-compose-prod.yml', '', true],
    ['compose.prod.yaml', '', true],
    ['stack.yaml', 'version: "3"\nservices:\n  web:\n    image: x\n', true],
    ['stack.yml', '# comment\nservices: # the apps\n', true],
    ['k8s.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n', false],
    ['k8s.yaml', 'apiVersion: v1\nkind: Foo\nservices:\n', false],
    ['nested.yaml', 'spec:\n  services:\n    - a\n', false],
    ['compose.json', '', false],
    ['Dockerfile', 'services:\n', false],
    ['mycompose.yaml', 'foo: 1\n', false],
  ];
  it.each(table)('%s', (p, head, want) => {
    expect(composeReader.matches(p, head)).toBe(want);
  });
  it('has a type and version', () => {
    expect(composeReader.type).toBe('compose');
    expect(composeReader.version).toBe('2');
  });
});

describe('real compose files', () => {
  it('voting app: build contexts, depends_on, healthchecks, entrypoint, networks', () => {
    const r = readCorpus('example-voting-app', 'docker-compose.yml');
    expectWellFormed(r);
    expect(r.diagnostics).toEqual([]);
    expect(r.containers.map((c) => c.key.name)).toEqual(['vote', 'result', 'worker', 'redis', 'db', 'seed']);
    const vote = container(r, 'vote');
    expect(vote.key).toEqual({ name: 'vote', scope: 'example-voting-app', buildContext: 'example-voting-app/vote' });
    expect(vote.declared).toMatchObject({ pointer: '/services/vote', line: 6, column: 3 });
    expect(vote.listen).toEqual([expect.objectContaining({ port: 80, protocol: 'tcp' })]);
    expect(vote.listen[0]?.sources[0]).toMatchObject({ pointer: '/services/vote/ports/0', line: 22, column: 9 });
    expect(vote.dependsOn).toEqual([expect.objectContaining({ name: 'redis' })]);
    expect(vote.dependsOn[0]?.source).toMatchObject({ pointer: '/services/vote/depends_on/redis', line: 11, column: 7 });
    expect(vote.commands).toEqual([
      expect.objectContaining({ argv: ['curl', '-f', 'http://localhost'], shell: false, purpose: 'healthcheck' }),
    ]);

    const result = container(r, 'result');
    expect(result.key.buildContext).toBe('example-voting-app/result');
    // 127.0.0.1:9229:9229 listens on the container port 9229 too.
    expect(result.listen.map((l) => l.port)).toEqual([80, 9229]);
    expect(result.commands).toEqual([
      expect.objectContaining({ argv: ['nodemon', '--inspect=0.0.0.0', 'server.js'], shell: false, purpose: 'entrypoint' }),
    ]);
    expect(container(r, 'worker').dependsOn.map((d) => d.name)).toEqual(['redis', 'db']);

    const db = container(r, 'db');
    expect(db.key.image).toBe('postgres:15-alpine');
    expect(db.env).toEqual([
      expect.objectContaining({ name: 'POSTGRES_USER', value: 'postgres' }),
      expect.objectContaining({ name: 'POSTGRES_PASSWORD', value: 'postgres' }),
    ]);
    expect(db.writable).toEqual([
      expect.objectContaining({ path: '/var/lib/postgresql/data', kind: 'volume' }),
      expect.objectContaining({ path: '/healthchecks', kind: 'bind', hostPath: 'example-voting-app/healthchecks' }),
    ]);
    expect(db.commands).toEqual([expect.objectContaining({ argv: ['/healthchecks/postgres.sh'], shell: true, purpose: 'healthcheck' })]);
    expect(r.services.map((s) => [s.name, s.ports.map((p) => p.port)])).toEqual([
      ['vote', [80]],
      ['result', [80, 9229]],
      ['worker', []],
      ['redis', []],
      ['db', []],
      ['seed', []],
    ]);
  });

  it('react-express-mysql: DATABASE_HOST, secrets, read-only bind, command', () => {
    const r = readCorpus('awesome-compose-react-express-mysql', 'compose.yaml');
    expectWellFormed(r);
    expect(r.diagnostics).toEqual([]);
    const backend = container(r, 'backend');
    expect(backend.env.find((e) => e.name === 'DATABASE_HOST')).toMatchObject({
      value: 'db',
      source: { pointer: '/services/backend/environment/3', line: 13, column: 9 },
    });
    expect(backend.dependsOn.map((d) => d.name)).toEqual(['db']);
    expect(backend.listen.map((l) => l.port)).toEqual([80, 9229, 9230]);
    expect(backend.writable).toContainEqual(
      expect.objectContaining({
        path: '/code/src',
        kind: 'bind',
        hostPath: 'awesome-compose-react-express-mysql/backend/src',
        readOnly: true,
      }),
    );
    expect(backend.writable).toContainEqual(
      expect.objectContaining({
        path: '/run/secrets/db-password',
        kind: 'bind',
        hostPath: 'awesome-compose-react-express-mysql/db/password.txt',
        readOnly: true,
      }),
    );
    expect(backend.commands).toEqual([expect.objectContaining({ argv: ['npm', 'run', 'start-watch'], purpose: 'entrypoint' })]);
    const db = container(r, 'db');
    expect(db.key).toEqual({ name: 'db', scope: 'awesome-compose-react-express-mysql', image: 'mariadb:10.6.4-focal' });
    expect(db.commands[0]?.argv).toEqual(['--default-authentication-plugin=mysql_native_password']);
    expect(db.env.map((e) => [e.name, e.value])).toEqual([
      ['MYSQL_DATABASE', 'example'],
      ['MYSQL_ROOT_PASSWORD_FILE', '/run/secrets/db-password'],
    ]);
  });

  it('react-express-mongodb: expose, anonymous volume, build-only services', () => {
    const r = readCorpus('awesome-compose-react-express-mongodb', 'compose.yaml');
    expectWellFormed(r);
    expect(r.diagnostics).toEqual([]);
    expect(container(r, 'backend').listen).toEqual([expect.objectContaining({ port: 3000, protocol: 'tcp' })]);
    expect(container(r, 'backend').key.image).toBeUndefined();
    expect(container(r, 'mongo').listen.map((l) => l.port)).toEqual([27017]);
    expect(container(r, 'frontend').writable).toContainEqual(
      expect.objectContaining({ path: '/usr/src/app/node_modules', kind: 'volume' }),
    );
    expect(container(r, 'frontend').dependsOn.map((d) => d.name)).toEqual(['backend']);
  });

  it('portainer: docker.sock bind mount and CMD-only command', () => {
    const r = readCorpus('awesome-compose-portainer-docker-sock', 'compose.yaml');
    expectWellFormed(r);
    const p = container(r, 'portainer');
    expect(p.writable).toContainEqual(
      expect.objectContaining({ path: '/var/run/docker.sock', kind: 'bind', hostPath: '/var/run/docker.sock' }),
    );
    expect(p.writable.find((w) => w.path === '/var/run/docker.sock')?.sources[0]).toMatchObject({ line: 9, column: 9 });
    expect(p.writable.find((w) => w.path === '/var/run/docker.sock')?.readOnly).toBeUndefined();
    expect(p.commands).toEqual([expect.objectContaining({ argv: ['-H', 'unix:///var/run/docker.sock'], purpose: 'entrypoint' })]);
    expect(r.services).toEqual([
      expect.objectContaining({ name: 'portainer', targets: ['portainer'], ports: [{ port: 9000, targetPort: 9000, protocol: 'tcp' }] }),
    ]);
  });
});

describe('kitchen-sink fixture', () => {
  const r = read('shop/compose.yaml', readFileSync(path.join(fixtures, 'kitchen-sink/compose.yaml'), 'utf8'));
  const api = container(r, 'api');

  it('is well formed', () => expectWellFormed(r));

  it('uses the top-level name as scope and resolves image defaults and the build context', () => {
    expect(api.key).toEqual({
      name: 'api',
      scope: 'shop',
      image: 'registry.example/shop/api:1.4',
      buildContext: 'services/api',
      dockerfile: 'services/api/Dockerfile.prod',
    });
    expect(api.image?.source).toMatchObject({ pointer: '/services/api/image', line: 12, column: 12 });
  });

  it('maps every port notation to the container port', () => {
    expect(api.listen.map((l) => `${l.port}/${l.protocol}${l.name ? ':' + l.name : ''}`)).toEqual([
      '8080/tcp',
      '9229/tcp',
      '53/udp',
      '8443/tcp:https',
      '7000/tcp',
      '7001/tcp',
      '7002/tcp',
      '9100/tcp',
      '9101/udp',
    ]);
  });

  it('interpolates defaults only and keeps unknown values unknown', () => {
    expect(api.env.map((e) => [e.name, e.value])).toEqual([
      ['DB_HOST', 'db'],
      ['DB_PORT', '5432'],
      ['LOG_LEVEL', 'info'],
      ['API_KEY', undefined],
      ['PRICE', '$5'],
      ['EMPTY', undefined],
      // One entry per env_file: its variables are not read, names and values unknown.
      ['*', undefined],
      ['*', undefined],
    ]);
    expect(container(r, 'db').env.map((e) => [e.name, e.value])).toEqual([
      ['POSTGRES_PASSWORD_FILE', '/run/secrets/db-password'],
      ['POSTGRES_DB', 'shop'],
      ['PGDATA', undefined],
    ]);
    const envFile = r.diagnostics.filter((d) => d.code === 'compose/env-file');
    expect(envFile.map((d) => [d.line, d.column])).toEqual([
      [42, 9],
      [43, 9],
    ]);
  });

  it('reads depends_on, links aliases and network aliases', () => {
    expect(api.dependsOn.map((d) => [d.name, d.alias])).toEqual([
      ['db', undefined],
      ['cache', undefined],
      ['cache', 'redis'],
    ]);
    expect(r.services.filter((s) => s.targets?.includes('api')).map((s) => s.name)).toEqual(['api', 'shop-api', 'shop-backend']);
    expect(r.services.find((s) => s.name === 'shop-backend')?.source).toMatchObject({ line: 55, column: 13 });
  });

  it('normalises capabilities and reads privilege flags', () => {
    expect(api.capabilities.map((c) => c.name)).toEqual(['NET_BIND_SERVICE', 'SYS_PTRACE']);
    expect(api.dropCapabilities.map((c) => c.name)).toEqual(['ALL']);
    expect(api.privileges.allowPrivilegeEscalation?.value).toBe(false);
    expect(api.readOnlyRoot?.value).toBe(true);
    expect(api.user?.name).toBe('1000:1000');
    expect(api.workingDir?.name).toBe('/srv/app');
    expect(api.labels).toEqual({ team: 'payments' });
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'compose/unconfined', severity: 'warning', line: 64 }));
    const db = container(r, 'db');
    expect(db.privileges.privileged?.value).toBe(true);
    expect(db.privileges.hostPID?.value).toBe(true);
    expect(db.privileges.hostIPC?.value).toBe(true);
    const cache = container(r, 'cache');
    expect(cache.privileges.hostNetwork).toMatchObject({ value: true, sources: [{ pointer: '/services/cache/network_mode' }] });
    expect(cache.user?.name).toBe('999');
  });

  it('combines entrypoint and command, and reads every healthcheck form', () => {
    expect(api.commands).toEqual([
      expect.objectContaining({
        argv: ['/usr/bin/tini', '--', 'node', 'server.js', '--port', '8080'],
        shell: false,
        purpose: 'entrypoint',
      }),
      expect.objectContaining({
        argv: ['curl', '-fsS', 'http://localhost:8080/health', '||', 'exit', '1'],
        shell: true,
        purpose: 'healthcheck',
      }),
    ]);
    expect(container(r, 'db').commands).toEqual([
      expect.objectContaining({ argv: ['pg_isready', '-U', 'postgres'], shell: false, purpose: 'healthcheck' }),
    ]);
    expect(container(r, 'cache').commands).toEqual([
      expect.objectContaining({ argv: ['redis-server', '--appendonly', 'yes'], purpose: 'entrypoint' }),
      expect.objectContaining({ argv: ['redis-cli', 'ping'], shell: true, purpose: 'healthcheck' }),
    ]);
    // entrypoint: "" clears the image entrypoint; a disabled healthcheck is not a command.
    expect(container(r, 'sidecar').commands).toEqual([
      expect.objectContaining({ argv: ['sh', '-c', 'while true; do sleep 60; done'], purpose: 'entrypoint' }),
    ]);
    expect(container(r, 'isolated').commands).toEqual([
      expect.objectContaining({ argv: ['/bin/sh', '-c', 'echo hi'], purpose: 'entrypoint' }),
    ]);
  });

  it('maps volumes, tmpfs, secrets and configs', () => {
    expect(api.writable.map((w) => [w.path, w.kind, w.hostPath, w.readOnly])).toEqual([
      ['/srv/app/config', 'bind', 'shop/config', true],
      ['/srv/app/uploads', 'volume', undefined, undefined],
      ['/var/run/docker.sock', 'bind', '/var/run/docker.sock', undefined],
      ['/srv/app/static', 'bind', 'shop/static', true],
      ['/srv/app/cache', 'volume', undefined, undefined],
      ['/srv/app/tmp', 'tmpfs', undefined, undefined],
      ['/run', 'tmpfs', undefined, undefined],
      ['/run/secrets/db-password', 'bind', 'shop/secrets/db-password.txt', true],
      ['/run/secrets/api.key', 'tmpfs', undefined, true],
      ['/app-config', 'bind', 'shop/config/app.yaml', true],
    ]);
    expect(container(r, 'cache').writable).toEqual([expect.objectContaining({ path: '/data', kind: 'tmpfs' })]);
  });

  it('notes what it cannot map', () => {
    const codes = r.diagnostics.map((d) => d.code);
    expect(codes).toContain('compose/network-none');
    expect(codes).toContain('compose/network-shared');
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'compose/unresolved-variable', message: expect.stringContaining('$APP_UID') }),
    );
    expect(container(r, 'isolated').user?.name).toBe('${APP_UID}');
    expect(container(r, 'sidecar').dependsOn.map((d) => d.name)).toEqual(['api']);
    expect(container(r, 'isolated').key.buildContext).toBe('shop');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('inline inputs', () => {
  const table: { name: string; yaml: string; check: (r: ReaderResult) => void }[] = [
    {
      name: 'project scope is the file directory; root files get "."',
      yaml: 'services:\n  web:\n    image: nginx\n    build: ./web\n',
      check: (r) => expect(r.containers[0]?.key).toEqual({ name: 'web', scope: '.', image: 'nginx', buildContext: 'web' }),
    },
    {
      name: 'build context escaping the directory is normalised',
      yaml: 'services:\n  web:\n    build:\n      context: ../../other/./dir/\n',
      check: (r) => expect(r.containers[0]?.key.buildContext).toBe('../../other/dir'),
    },
    {
      name: 'remote build contexts are not resolved',
      yaml: 'services:\n  web:\n    build: https://github.com/example/repo.git#main\n',
      check: (r) => {
        expect(r.containers[0]?.key.buildContext).toBeUndefined();
        expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'compose/remote-build', line: 3, column: 12 }));
      },
    },
    {
      name: 'unknown services, networks, volumes and secrets are flagged',
      yaml: 'services:\n  web:\n    image: x\n    depends_on: [ghost]\n    networks: [nowhere]\n    volumes: ["missing:/data"]\n    secrets: [nope]\n',
      check: (r) =>
        expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([
          ['compose/unknown-service', 4],
          ['compose/unknown-network', 5],
          ['compose/undeclared-volume', 6],
          ['compose/unknown-secret', 7],
        ]),
    },
    {
      name: 'merge keys are applied',
      yaml: 'x-base: &base\n  cap_add: [NET_ADMIN]\nservices:\n  web:\n    <<: *base\n    image: x\n',
      check: (r) => expect(r.containers[0]?.capabilities.map((c) => c.name)).toEqual(['NET_ADMIN']),
    },
    {
      name: 'null service still yields a fragment',
      yaml: 'services:\n  web:\n',
      check: (r) => {
        expect(r.containers.map((c) => c.key.name)).toEqual(['web']);
        expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'compose/no-image', line: 2, column: 3 })]);
      },
    },
    {
      name: 'read_only and privileged from interpolated defaults',
      yaml: 'services:\n  web:\n    image: x\n    read_only: ${RO:-true}\n    privileged: "false"\n',
      check: (r) => {
        expect(r.containers[0]?.readOnlyRoot?.value).toBe(true);
        expect(r.containers[0]?.privileges.privileged?.value).toBe(false);
      },
    },
    {
      name: 'bad port and bad volume are reported with their position, the rest is read',
      yaml: 'services:\n  web:\n    image: x\n    ports: ["http:80", "81"]\n    volumes: ["relative:dir"]\n',
      check: (r) => {
        expect(r.containers[0]?.listen.map((l) => l.port)).toEqual([81]);
        expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([
          ['compose/bad-port', 4, 13],
          ['compose/bad-volume', 5, 15],
        ]);
      },
    },
    {
      name: 'unterminated quote in a command',
      yaml: 'services:\n  web:\n    image: x\n    command: echo "oops\n',
      check: (r) => {
        expect(r.containers[0]?.commands).toEqual([]);
        expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'compose/bad-command', line: 4, column: 14 })]);
      },
    },
  ];
  it.each(table)('$name', ({ yaml, check }) => {
    const r = read('compose.yaml', yaml);
    expectWellFormed(r);
    check(r);
  });
});

describe('hostile and malformed input', () => {
  it('reports a YAML syntax error with its line and column', () => {
    const r = read('compose.yaml', 'services:\n  web:\n    image: [unclosed\n    ports: ["80"\n');
    expect(r.containers).toEqual([]);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) {
      expect(d).toMatchObject({
        code: 'compose/yaml-syntax',
        severity: 'error',
        file: 'compose.yaml',
        line: expect.any(Number),
        column: expect.any(Number),
      });
    }
  });

  it('reports duplicate keys', () => {
    const r = read('compose.yaml', 'services:\n  web:\n    image: a\n    image: b\n');
    expect(r.diagnostics).toContainEqual(expect.objectContaining({ code: 'compose/yaml-syntax', line: 4, column: 5 }));
  });

  it('keeps an alias bomb bounded', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(
        `${cur}: &${cur} [${Array(9)
          .fill('*' + prev)
          .join(',')}]`,
      );
    }
    lines.push('services:\n  web:\n    image: x\n    command: *j');
    const t0 = Date.now();
    const r = read('compose.yaml', lines.join('\n'));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.containers).toEqual([]);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'compose/yaml-aliases', severity: 'error', line: 1, column: 1 })]);
  });

  const wrongTypes: [string, string, string[], [string, number, number][]][] = [
    ['services is a list', 'services:\n  - web\n', [], [['compose/schema', 2, 3]]],
    ['file is a scalar', 'just text\n', [], [['compose/not-a-mapping', 1, 1]]],
    [
      'ports is a string, cap_add a map: dropped, rest kept',
      'services:\n  web:\n    image: x\n    ports: "8080:80"\n    cap_add: {a: 1}\n    expose: [80]\n',
      ['web'],
      [
        ['compose/schema', 4, 12],
        ['compose/schema', 5, 14],
      ],
    ],
    ['a service is a number', 'services:\n  web: 3\n  ok:\n    image: x\n', ['ok'], [['compose/schema', 2, 8]]],
    [
      'healthcheck test is a number',
      'services:\n  web:\n    image: x\n    healthcheck:\n      test: 5\n',
      ['web'],
      [['compose/schema', 5, 13]],
    ],
  ];
  it.each(wrongTypes)('%s', (_name, yaml, names, diags) => {
    const r = read('compose.yaml', yaml);
    expectWellFormed(r);
    expect(r.containers.map((c) => c.key.name)).toEqual(names);
    expect(r.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual(diags);
  });

  it('reads a 10 MB file in bounded time', () => {
    const lines = ['services:', '  web:', '    image: nginx', '    environment:'];
    let size = 0;
    for (let n = 0; size < 10_000_000; n++) {
      const l = `      - VAR_${n}=${'x'.repeat(80)}`;
      lines.push(l);
      size += l.length + 1;
    }
    const t0 = Date.now();
    const r = read('compose.yaml', lines.join('\n'));
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.containers[0]?.env.length).toBe(lines.length - 4);
    expect(r.containers[0]?.env.at(-1)?.source.line).toBe(lines.length);
  });

  it('refuses input over the size limit without parsing it', () => {
    const r = read('compose.yaml', 'services:\n' + '#'.repeat(11 * 1024 * 1024));
    expect(r.containers).toEqual([]);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'compose/too-large', severity: 'error' })]);
  });

  it('reads only the first of several documents', () => {
    const r = read('compose.yaml', 'services:\n  a:\n    image: x\n---\nservices:\n  b:\n    image: y\n');
    expect(r.containers.map((c) => c.key.name)).toEqual(['a']);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'compose/multiple-documents' })]);
  });
});

describe('golden output', () => {
  const cases: [string, string, string][] = [
    ['voting-app', 'example-voting-app', 'docker-compose.yml'],
    ['react-express-mysql', 'awesome-compose-react-express-mysql', 'compose.yaml'],
    ['react-express-mongodb', 'awesome-compose-react-express-mongodb', 'compose.yaml'],
    ['portainer', 'awesome-compose-portainer-docker-sock', 'compose.yaml'],
  ];
  it.each(cases)('%s', (golden, dir, file) => {
    const actual = JSON.stringify(readCorpus(dir, file), null, 2) + '\n';
    const goldenPath = path.join(fixtures, 'golden', `${golden}.json`);
    expectGolden(goldenPath, actual);
  });
});
