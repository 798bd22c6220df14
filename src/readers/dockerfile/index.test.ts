import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DiagnosticSchema, PortRuleSchema, ProcessRuleSchema, SourceSchema, WritablePathSchema } from '../../model/charter.js';
import type { ContainerFragment, ReaderResult } from '../../model/fragments.js';
import { MAX_DIAGNOSTICS, MAX_PORTS } from './extract.js';
import { dockerfileReader } from './index.js';
import { expectGolden } from '../../test-support/golden.js';
import { fileURLToPath } from 'node:url';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function read(text: string, path = 'Dockerfile'): ReaderResult {
  return dockerfileReader.read({ path, text });
}

function fragment(text: string, path = 'Dockerfile'): ContainerFragment {
  const r = read(text, path);
  expect(r.containers).toHaveLength(1);
  return r.containers[0] as ContainerFragment;
}

const codes = (r: ReaderResult): string[] => r.diagnostics.map((d) => `${d.code}@${d.line ?? 0}:${d.column ?? 0}`);
const argvOf = (f: ContainerFragment, purpose = 'entrypoint') => f.commands.find((c) => c.purpose === purpose)?.argv;
const processes = (f: ContainerFragment) => f.processes.map((p) => ({ path: p.path, purpose: p.purpose, args: p.args, parent: p.parent }));

describe('matches', () => {
  test.each([
    ['Dockerfile', true],
    ['services/api/Dockerfile', true],
    ['Containerfile', true],
    ['api.Dockerfile', true],
    ['deploy/web.dockerfile', true],
    ['Dockerfile.prod', true],
    ['worker.containerfile', true],
    ['Containerfile.dev', true],
    ['Dockerfile.dockerignore', false],
    ['Dockerfile.md', false],
    ['docker-compose.yml', false],
    ['MyDockerfileNotes.txt', false],
    ['src/dockerfile.ts', false],
  ])('%s → %s', (path, expected) => {
    expect(dockerfileReader.matches(path, '')).toBe(expected);
  });
});

describe('realistic fixtures', () => {
  test('multi-stage Node.js Dockerfile matches its golden file (CHARTER_UPDATE_GOLDEN=1 regenerates)', () => {
    const result = read(fixture('node-multistage.Dockerfile'), 'services/web/Dockerfile');
    const actual = `${JSON.stringify(result, null, 2)}\n`;
    expectGolden(fileURLToPath(new URL('./fixtures/node-multistage.golden.json', import.meta.url)), actual);
  });

  test('every rule of the golden fragment is valid against the profile schemas', () => {
    const [f] = read(fixture('node-multistage.Dockerfile'), 'services/web/Dockerfile').containers;
    if (!f) throw new Error('no fragment');
    for (const p of f.processes) ProcessRuleSchema.parse(p);
    for (const l of f.listen) PortRuleSchema.parse(l);
    for (const w of f.writable) WritablePathSchema.parse(w);
    for (const s of [f.declared, ...f.env.map((e) => e.source), ...f.packages.map((p) => p.source)]) SourceSchema.parse(s);
  });

  test('multi-stage Node.js: final stage, inherited config, entrypoint + cmd', () => {
    const f = fragment(fixture('node-multistage.Dockerfile'), 'services/web/Dockerfile');
    expect(f.key).toEqual({ name: 'web', buildContext: 'services/web', dockerfile: 'services/web/Dockerfile' });
    expect(f.declared).toMatchObject({ line: 28, reason: 'final build stage: FROM base AS runtime' });
    expect(f.image).toMatchObject({ ref: 'node:20.11.1-bookworm-slim', source: { line: 6 } });
    expect(f.workingDir?.name).toBe('/usr/src/app');
    expect(f.user?.name).toBe('node');
    // NODE_ENV=development and EXPOSE 9999 belong to stages the final one does not build on.
    expect(Object.fromEntries(f.env.map((e) => [e.name, e.value]))).toEqual({
      NODE_ENV: 'production',
      APP_HOME: '/usr/src/app',
      PORT: '3000',
      DATABASE_URL: 'postgres://db:5432/shop',
      REDIS_URL: 'redis://cache:6379/0',
    });
    expect(f.listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(['3000/tcp', '9229/tcp']);
    expect(argvOf(f)).toEqual(['/usr/bin/tini', '--', 'node', 'dist/server.js']);
    expect(f.packages.map((p) => p.name)).toEqual(['tini', 'ca-certificates', 'pm2']);
  });

  test('python with apt-get: shell-form CMD, relative WORKDIR, USER with group, udp range', () => {
    const r = read(fixture('python-apt.Dockerfile'), 'Dockerfile');
    expect(r.diagnostics).toEqual([]);
    const f = r.containers[0] as ContainerFragment;
    expect(f.key).toEqual({ name: 'app', buildContext: '.', dockerfile: 'Dockerfile' });
    expect(f.user?.name).toBe('appuser:appuser');
    expect(f.workingDir).toMatchObject({ name: '/app/src', source: { line: 13, reason: 'WORKDIR src (= /app/src)' } });
    expect(f.listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(['8000/tcp', '8001/udp', '8002/udp', '8003/udp']);
    expect(f.writable.map((w) => [w.path, w.kind])).toEqual([
      ['/app/media', 'volume'],
      ['/app/static', 'volume'],
    ]);
    expect(f.packages.map((p) => [p.name, p.version, p.source.line])).toEqual([
      ['libpq5', undefined, 5],
      ['gcc', '4:12.2.0-3', 5],
      ['curl', undefined, 5],
      ['gunicorn', '21.2.0', 9],
      ['psycopg', undefined, 9],
    ]);
    expect(processes(f)).toEqual([
      {
        path: 'gunicorn',
        purpose: 'entrypoint',
        args: ['--bind', '0.0.0.0:8000', '--workers', '*', 'shop.wsgi:application'],
        parent: '/bin/sh',
      },
      {
        path: '/bin/sh',
        purpose: 'interpreter',
        args: ['-c', 'exec gunicorn --bind 0.0.0.0:8000 --workers $WORKERS shop.wsgi:application'],
        parent: undefined,
      },
    ]);
    expect(f.commands[0]).toMatchObject({ shell: true, purpose: 'entrypoint' });
  });

  test('broken Dockerfile: every problem reported with its place, the rest still read', () => {
    const r = read(fixture('broken.Dockerfile'));
    expect(codes(r)).toEqual([
      'dockerfile/instruction-before-from@1:1',
      'dockerfile/bad-port@4:8',
      'dockerfile/bad-port@4:12',
      'dockerfile/bad-port@4:18',
      'dockerfile/unknown-instruction@5:1',
      'dockerfile/bad-exec-form@6:1',
      'dockerfile/bad-exec-form@7:1',
      'dockerfile/bad-healthcheck@8:1',
      'dockerfile/bad-shell@9:1',
      'dockerfile/missing-argument@10:1',
      'dockerfile/bad-exec-form@11:1',
    ]);
    for (const d of r.diagnostics) DiagnosticSchema.parse(d);
    const f = r.containers[0] as ContainerFragment;
    expect(f.image?.ref).toBe('alpine:3.19');
    expect(f.packages.map((p) => p.name)).toEqual(['curl']);
    expect(f.processes).toEqual([]);
  });
});

describe('multi-stage builds', () => {
  test('a final stage FROM an earlier stage inherits its whole runtime config', () => {
    const f = fragment(
      [
        'FROM golang:1.22 AS build',
        'USER builder',
        'ENV GOFLAGS=-mod=vendor',
        'WORKDIR /src',
        'EXPOSE 8080',
        'VOLUME /cache',
        'SHELL ["/bin/bash", "-c"]',
        'ENTRYPOINT ["/src/app"]',
        'CMD ["--serve"]',
        'HEALTHCHECK CMD ["/src/app", "health"]',
        'FROM build AS runtime',
        'WORKDIR out',
      ].join('\n'),
    );
    expect(f.image?.ref).toBe('golang:1.22');
    expect(f.user).toMatchObject({ name: 'builder', source: { line: 2 } });
    expect(f.env.map((e) => [e.name, e.value])).toEqual([['GOFLAGS', '-mod=vendor']]);
    expect(f.workingDir?.name).toBe('/src/out');
    expect(f.listen).toMatchObject([{ port: 8080, protocol: 'tcp', sources: [{ line: 5 }] }]);
    expect(f.writable).toMatchObject([{ path: '/cache', kind: 'volume' }]);
    expect(argvOf(f)).toEqual(['/src/app', '--serve']);
    expect(argvOf(f, 'healthcheck')).toEqual(['/src/app', 'health']);
    expect(f.declared.line).toBe(11);
  });

  test('stages the final one does not build on do not count', () => {
    const f = fragment(
      'FROM node:20 AS build\nUSER root\nEXPOSE 1234\nRUN apk add gcc\nFROM nginx:1.25\nCOPY --from=build /out /usr/share/nginx/html',
    );
    expect(f.image?.ref).toBe('nginx:1.25');
    expect(f.user).toBeUndefined();
    expect(f.listen).toEqual([]);
    expect(f.packages).toEqual([]);
  });

  test('COPY --from is noted, not followed', () => {
    const r = read('FROM node:20 AS build\nFROM gcr.io/distroless/nodejs20\nCOPY --from=build /app /app');
    expect(codes(r)).toEqual(['dockerfile/copy-from@3:1']);
    expect(r.diagnostics[0]?.severity).toBe('info');
  });

  test('a named last stage names the fragment at the root; a directory names it elsewhere', () => {
    expect(fragment('FROM alpine AS worker').key).toEqual({ name: 'worker', buildContext: '.', dockerfile: 'Dockerfile' });
    expect(fragment('FROM alpine').key).toEqual({ name: 'app', buildContext: '.', dockerfile: 'Dockerfile' });
    expect(fragment('FROM alpine', 'api.Dockerfile').key).toEqual({ name: 'api', buildContext: '.', dockerfile: 'api.Dockerfile' });
    expect(fragment('FROM alpine', 'svc/Dockerfile.worker').key).toEqual({
      name: 'worker',
      buildContext: 'svc',
      dockerfile: 'svc/Dockerfile.worker',
    });
    expect(fragment('FROM alpine AS worker', 'apps/billing/Dockerfile').key).toEqual({
      name: 'billing',
      buildContext: 'apps/billing',
      dockerfile: 'apps/billing/Dockerfile',
    });
    expect(fragment('FROM alpine', './Containerfile').key).toEqual({ name: 'app', buildContext: '.', dockerfile: 'Containerfile' });
  });

  test('stage names match case-insensitively, like Docker', () => {
    const f = fragment('FROM alpine:3.19 AS Base\nUSER nobody\nFROM base');
    expect(f.user?.name).toBe('nobody');
    expect(f.image?.ref).toBe('alpine:3.19');
  });
});

describe('base image', () => {
  test.each([
    ['ARG BASE=python:3.12\nFROM ${BASE}', 'python:3.12', undefined],
    ['ARG V=20\nFROM node:${V:-18}-alpine', 'node:20-alpine', undefined],
    ['FROM --platform=$BUILDPLATFORM node:20', 'node:20', undefined],
    ['FROM node@sha256:' + 'a'.repeat(64), 'node@sha256:' + 'a'.repeat(64), 'sha256:' + 'a'.repeat(64)],
    ['FROM scratch', undefined, undefined],
  ])('%s', (text, ref, digest) => {
    const f = fragment(text);
    expect(f.image?.ref).toBe(ref);
    expect(f.image?.digest).toBe(digest);
  });

  test('a base image from an ARG without a default is reported, not guessed', () => {
    const r = read('ARG BASE\nFROM $BASE');
    expect(codes(r)).toEqual(['dockerfile/unresolved-base@2:6']);
    expect(r.containers[0]?.image).toBeUndefined();
  });

  test('stage ARGs do not reach FROM; ENV wins over ARG', () => {
    const f = fragment('ARG TAG=1\nFROM alpine:$TAG\nARG TAG\nARG MODE=arg\nENV MODE=env\nUSER ${TAG}-$MODE');
    expect(f.image?.ref).toBe('alpine:1');
    expect(f.user?.name).toBe('1-env');
  });
});

describe('variables', () => {
  test.each([
    ['ARG U=app\nUSER $U', 'app'],
    ['ARG U=app\nARG G=staff\nUSER ${U}:${G}', 'app:staff'],
    ['USER ${U:-nobody}', 'nobody'],
    ['ARG DEBUG=1\nUSER svc${DEBUG:+-debug}', 'svc-debug'],
    ['ARG DEBUG=\nUSER svc${DEBUG:+-debug}', 'svc'],
    ['ENV HOME_USER="web user"\nUSER $HOME_USER', 'web user'],
  ])('%s → %s', (body, user) => {
    expect(fragment(`FROM alpine\n${body}`).user?.name).toBe(user);
  });

  test('an unknown variable is kept as written and reported', () => {
    const r = read('FROM alpine\nARG UID\nUSER $UID');
    expect(r.containers[0]?.user?.name).toBe('$UID');
    expect(codes(r)).toEqual(['dockerfile/unresolved-variable@3:1']);
  });

  test('ENV extending a base-image variable keeps the reference, with an info note', () => {
    const r = read('FROM python:3.12\nENV PATH=/app/bin:$PATH');
    expect(r.containers[0]?.env).toMatchObject([{ name: 'PATH', value: '/app/bin:$PATH' }]);
    expect(r.diagnostics).toMatchObject([{ code: 'dockerfile/unresolved-variable', severity: 'info', line: 2, column: 5 }]);
  });

  test('ENV values are expanded with the values from before the instruction', () => {
    const f = fragment('FROM alpine\nENV A=1\nENV A=2 B=$A\nENV C ${A} and ${B}');
    expect(f.env.map((e) => [e.name, e.value, e.source.line])).toEqual([
      ['A', '2', 3],
      ['B', '1', 3],
      ['C', '2 and 1', 4],
    ]);
    expect(f.env[1]?.source).toMatchObject({ column: 9, reason: 'ENV B=1' });
  });

  test('the escape directive is honoured', () => {
    const f = fragment('# escape=`\nFROM mcr.example/windows\nENV DIR=C:\\app `\n    PRICE=`$5\nWORKDIR /data');
    expect(f.env.map((e) => [e.name, e.value])).toEqual([
      ['DIR', 'C:\\app'],
      ['PRICE', '$5'],
    ]);
  });
});

describe('WORKDIR', () => {
  test('relative paths resolve against the previous WORKDIR', () => {
    const f = fragment('FROM alpine\nWORKDIR app\nWORKDIR ./src/../lib/\nARG SUB=x\nWORKDIR $SUB');
    expect(f.workingDir).toMatchObject({ name: '/app/lib/x', source: { line: 5, reason: 'WORKDIR $SUB (= /app/lib/x)' } });
  });
});

describe('EXPOSE', () => {
  test.each([
    ['80', ['80/tcp']],
    ['80/udp', ['80/udp']],
    ['53/UDP 53/tcp', ['53/tcp', '53/udp']],
    ['8000-8002', ['8000/tcp', '8001/tcp', '8002/tcp']],
    ['9000-9001/udp 132/sctp', ['132/sctp', '9000/udp', '9001/udp']],
    ['80 80', ['80/tcp']],
  ])('EXPOSE %s', (spec, expected) => {
    expect(fragment(`FROM alpine\nEXPOSE ${spec}`).listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(expected);
  });

  test('each port points at its own word, with a normalised reason', () => {
    const f = fragment('FROM alpine\nENV P=8443\nEXPOSE 80 \\\n   $P/tcp');
    expect(f.listen.map((l) => l.sources[0])).toMatchObject([
      { line: 3, column: 8, reason: 'EXPOSE 80/tcp' },
      { line: 4, column: 4, reason: 'EXPOSE 8443/tcp' },
    ]);
  });

  test.each([
    ['abc', 'dockerfile/bad-port@2:8'],
    ['70000', 'dockerfile/bad-port@2:8'],
    ['0', 'dockerfile/bad-port@2:8'],
    ['80/icmp', 'dockerfile/bad-port@2:8'],
    ['90-80', 'dockerfile/bad-port@2:8'],
    ['80:8080', 'dockerfile/bad-port@2:8'],
    ['$NOPE', 'dockerfile/unresolved-variable@2:8'],
  ])('EXPOSE %s is reported', (spec, code) => {
    const r = read(`FROM alpine\nEXPOSE ${spec} 443`);
    expect(codes(r)).toEqual([code]);
    expect(r.containers[0]?.listen.map((l) => l.port)).toEqual([443]);
  });

  test(`ranges are capped at ${MAX_PORTS} ports`, () => {
    const r = read('FROM alpine\nEXPOSE 1-2000 3000');
    expect(r.containers[0]?.listen).toHaveLength(MAX_PORTS);
    expect(codes(r)).toEqual(['dockerfile/too-many-ports@2:8']);
  });
});

describe('VOLUME', () => {
  test.each([
    ['VOLUME /data', ['/data']],
    ['VOLUME /data /logs/', ['/data', '/logs']],
    ['VOLUME ["/data", "/var/lib/app"]', ['/data', '/var/lib/app']],
    ['ENV D=/srv\nVOLUME ["$D/db", "/x\\"y"]', ['/srv/db', '/x"y']],
    ['ENV D=/srv\nVOLUME $D/cache', ['/srv/cache']],
  ])('%s', (body, paths) => {
    const f = fragment(`FROM alpine\n${body}`);
    expect(f.writable.map((w) => w.path)).toEqual(paths);
    expect(f.writable.every((w) => w.kind === 'volume')).toBe(true);
  });

  test('relative and unterminated forms are reported', () => {
    expect(codes(read('FROM alpine\nVOLUME data'))).toEqual(['dockerfile/relative-volume@2:8']);
    expect(codes(read('FROM alpine\nVOLUME ["/data"'))).toEqual(['dockerfile/bad-exec-form@2:1']);
  });
});

describe('ENTRYPOINT and CMD', () => {
  test.each([
    ['CMD ["node", "server.js"]', ['node', 'server.js'], false],
    ['CMD node server.js', ['/bin/sh', '-c', 'node server.js'], true],
    ['ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["postgres"]', ['docker-entrypoint.sh', 'postgres'], false],
    ['ENTRYPOINT ["/app"]\nCMD --port 80', ['/app', '/bin/sh', '-c', '--port 80'], false],
    ['ENTRYPOINT /app --serve\nCMD ["ignored"]', ['/bin/sh', '-c', '/app --serve'], true],
    ['CMD ["c"]\nENTRYPOINT ["e"]', ['e', 'c'], false],
    ['CMD ["first"]\nCMD ["second"]', ['second'], false],
    ['ENTRYPOINT ["e"]\nENTRYPOINT []\nCMD ["c"]', ['c'], false],
    ['SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nCMD run.sh | tee log', ['/bin/bash', '-o', 'pipefail', '-c', 'run.sh | tee log'], true],
    ['CMD ["sh", "-c", "exec node app.js"]', ['sh', '-c', 'exec node app.js'], true],
    ['CMD echo \\\n  hello', ['/bin/sh', '-c', 'echo   hello'], true],
  ])('%s', (body, argv, shell) => {
    const f = fragment(`FROM alpine\n${body}`);
    expect(f.commands).toHaveLength(1);
    expect(f.commands[0]).toMatchObject({ argv, shell, purpose: 'entrypoint' });
  });

  test('CMD inherited from a parent stage is reset by a later ENTRYPOINT', () => {
    const f = fragment('FROM alpine AS base\nCMD ["old"]\nFROM base\nENTRYPOINT ["/new"]');
    expect(argvOf(f)).toEqual(['/new']);
    expect(f.processes[0]?.sources.map((s) => s.line)).toEqual([4]);
  });

  test('exec form: first process is the entrypoint, args literal, sources from both lines', () => {
    const f = fragment('FROM node:20\nUSER node\nENTRYPOINT ["node"]\nCMD ["server.js", "$PORT"]');
    expect(f.processes).toEqual([
      {
        path: 'node',
        user: 'node',
        args: ['server.js', '$PORT'],
        purpose: 'entrypoint',
        sources: [
          { kind: 'dockerfile', artifact: 'Dockerfile', line: 3, column: 1, reason: 'ENTRYPOINT ["node"]' },
          { kind: 'dockerfile', artifact: 'Dockerfile', line: 4, column: 1, reason: 'CMD ["server.js", "$PORT"]' },
        ],
      },
    ]);
  });

  test('shell form: the program with run-time ENV expanded, plus the shell as interpreter', () => {
    const f = fragment('FROM alpine\nENV PORT=8080\nARG BUILD_ONLY=x\nCMD ./migrate && exec app --port $PORT --tag $BUILD_ONLY');
    expect(processes(f)).toEqual([
      { path: './migrate', purpose: 'entrypoint', args: [], parent: '/bin/sh' },
      { path: 'app', purpose: 'spawned', args: ['--port', '8080', '--tag', '*'], parent: '/bin/sh' },
      {
        path: '/bin/sh',
        purpose: 'interpreter',
        args: ['-c', './migrate && exec app --port $PORT --tag $BUILD_ONLY'],
        parent: undefined,
      },
    ]);
  });

  test('SHELL changes the interpreter of shell-form commands after it', () => {
    const f = fragment('FROM debian\nCMD one\nSHELL ["/bin/bash", "-c"]\nHEALTHCHECK CMD two');
    expect(
      processes(f)
        .filter((p) => p.purpose === 'interpreter')
        .map((p) => p.path),
    ).toEqual(['/bin/sh', '/bin/bash']);
  });

  test('exec-form sh -c is read like the shell form', () => {
    const f = fragment('FROM alpine\nCMD ["/bin/sh", "-c", "nginx -g \'daemon off;\'"]');
    expect(processes(f)).toEqual([
      { path: 'nginx', purpose: 'entrypoint', args: ['-g', 'daemon off;'], parent: '/bin/sh' },
      { path: '/bin/sh', purpose: 'interpreter', args: ['-c', "nginx -g 'daemon off;'"], parent: undefined },
    ]);
  });

  test.each([
    ['CMD ["node", "server.js"', 'CMD'],
    ["ENTRYPOINT ['app']", 'ENTRYPOINT'],
    ['CMD ["node", 1]', 'CMD'],
  ])('bad exec form %s is reported and ignored', (line, keyword) => {
    const r = read(`FROM alpine\n${line}`);
    expect(codes(r)).toEqual(['dockerfile/bad-exec-form@2:1']);
    expect(r.diagnostics[0]?.message).toContain(keyword);
    expect(r.containers[0]?.commands).toEqual([]);
  });
});

describe('HEALTHCHECK', () => {
  test.each([
    ['HEALTHCHECK CMD curl -f http://localhost/ || exit 1', ['/bin/sh', '-c', 'curl -f http://localhost/ || exit 1'], true],
    ['HEALTHCHECK --interval=5s --retries=3 CMD ["pg_isready", "-U", "app"]', ['pg_isready', '-U', 'app'], false],
    ['HEALTHCHECK --interval=5s \\\n  CMD wget -qO- localhost:8080', ['/bin/sh', '-c', 'wget -qO- localhost:8080'], true],
  ])('%s', (line, argv, shell) => {
    const f = fragment(`FROM alpine\n${line}`);
    expect(f.commands).toEqual([{ argv, shell, purpose: 'healthcheck', source: expect.objectContaining({ line: 2 }) }]);
    expect(f.processes[0]).toMatchObject({ path: shell ? argv[2]?.split(' ')[0] : argv[0], purpose: 'healthcheck' });
  });

  test('NONE disables a healthcheck inherited from an earlier stage', () => {
    const f = fragment('FROM alpine AS a\nHEALTHCHECK CMD ["probe"]\nFROM a\nHEALTHCHECK NONE');
    expect(f.commands).toEqual([]);
    expect(f.processes).toEqual([]);
  });

  test.each([
    ['HEALTHCHECK CMD', 'dockerfile/bad-healthcheck@2:1'],
    ['HEALTHCHECK PING x', 'dockerfile/bad-healthcheck@2:1'],
    ['HEALTHCHECK --interval=1s', 'dockerfile/missing-argument@2:1'],
  ])('%s is reported', (line, code) => {
    expect(codes(read(`FROM alpine\n${line}`))).toEqual([code]);
  });
});

describe('packages', () => {
  test('RUN lines of the final stage chain, with the line of each package', () => {
    const f = fragment(
      [
        'FROM alpine:3.19 AS base',
        'RUN apk add --no-cache \\',
        '      bash \\',
        '      curl=8.5.0-r0',
        'FROM base',
        'ARG PIP_VER=24.0',
        'RUN ["pip", "install", "pip==24.0"]',
        'RUN --mount=type=cache,target=/root/.cache pip install "flask==3.0.0" ; npm i -g yarn',
        'RUN dnf install -y nginx && yum -y install httpd',
      ].join('\n'),
    );
    expect(f.packages.map((p) => [p.name, p.version, p.source.line, p.source.column])).toEqual([
      ['bash', undefined, 3, 7],
      ['curl', '8.5.0-r0', 4, 7],
      ['pip', '24.0', 7, 1],
      ['flask', '3.0.0', 8, 56],
      ['yarn', undefined, 8, 82],
      ['nginx', undefined, 9, 20],
      ['httpd', undefined, 9, 44],
    ]);
    expect(f.packages[1]?.source.reason).toBe('RUN apk installs curl=8.5.0-r0');
  });

  test('here-documents are noted and skipped', () => {
    const r = read('FROM debian\nRUN <<EOF\napt-get install -y curl\nEOF\n');
    expect(r.containers[0]?.packages).toEqual([]);
    expect(codes(r)).toEqual(['dockerfile/heredoc-not-read@2:1']);
  });
});

describe('malformed input never throws', () => {
  test.each([
    ['empty file', '', ['dockerfile/empty@1:1']],
    ['only comments', '# just a comment\n\n   \n', ['dockerfile/empty@1:1']],
    ['no FROM', 'RUN echo hi\nCMD ["x"]\n', ['dockerfile/no-from@1:1']],
    ['unknown instruction', 'FROM alpine\nFOO bar\nRUNN x', ['dockerfile/unknown-instruction@2:1', 'dockerfile/unknown-instruction@3:1']],
    ['instruction before FROM', 'ENV A=1\nFROM alpine', ['dockerfile/instruction-before-from@1:1']],
    ['FROM without image', 'FROM\nUSER x', ['dockerfile/missing-argument@1:1']],
    ['FROM with junk', 'FROM alpine AS a b', ['dockerfile/bad-from@1:1']],
    ['bad ARG and ENV', 'FROM alpine\nARG 1X=2\nENV A=1 junk', ['dockerfile/bad-arg@2:5', 'dockerfile/bad-env@3:9']],
    ['SHELL in shell form', 'FROM alpine\nSHELL /bin/bash', ['dockerfile/bad-shell@2:1']],
    ['unclosed brace', 'FROM alpine\nUSER ${NAME', ['dockerfile/unresolved-variable@2:1']],
    ['BOM and CRLF', '\uFEFFFROM alpine\r\nUSER app\r\n', []],
  ])('%s', (_name, text, expected) => {
    const r = read(text);
    expect(codes(r)).toEqual(expected);
    for (const d of r.diagnostics) DiagnosticSchema.parse(d);
  });

  test('BOM and CRLF do not leak into values', () => {
    expect(fragment('\uFEFFFROM alpine\r\nUSER app\r\n').user?.name).toBe('app');
  });

  test('binary garbage is refused with one diagnostic', () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const r = read(bytes.toString('latin1'));
    expect(codes(r)).toEqual(['dockerfile/binary@1:1']);
    expect(r.containers).toEqual([]);
  });

  test('a 5 MB single line is skipped quickly and the rest is read', () => {
    const text = `FROM alpine\nRUN ${'apk add x && '.repeat(450_000)}\nUSER app\n`;
    expect(text.length).toBeGreaterThan(5_000_000);
    const start = performance.now();
    const r = read(text);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(codes(r)).toEqual(['dockerfile/line-too-long@2:1']);
    expect(r.containers[0]?.user?.name).toBe('app');
  });

  test('a huge file of ordinary lines is refused', () => {
    const r = read(`FROM alpine\n${'RUN true\n'.repeat(200_000)}`);
    expect(codes(r)).toEqual(['dockerfile/too-large@1:1']);
  });

  test(`diagnostics are capped at ${MAX_DIAGNOSTICS}`, () => {
    const r = read(`FROM alpine\n${'BOGUS x\n'.repeat(500)}`);
    expect(r.diagnostics).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(r.diagnostics.at(-1)?.code).toBe('dockerfile/too-many-diagnostics');
  });

  test('random printable noise yields diagnostics, not exceptions', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'FROMRUNCMDEXPOSE[]{}"\'$\\:-=/ \n\t#0123456789abc';
    for (let n = 0; n < 50; n++) {
      let text = 'FROM a\n';
      for (let i = 0; i < 400; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      expect(() => read(text)).not.toThrow();
    }
  });
});
