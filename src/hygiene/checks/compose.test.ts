import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCompose } from './compose.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = (...p: string[]) => path.resolve(repoRoot, 'test/corpus', ...p);
const summary = (text: string) =>
  checkCompose('compose.yaml', text).findings.map((f) => `${f.id} ${f.locations[0]?.line}:${f.locations[0]?.column} ${f.title}`);

describe('compose checks', () => {
  it('portainer (real corpus): docker.sock mount at its line', () => {
    const text = readFileSync(corpus('compose/awesome-compose-portainer-docker-sock/compose.yaml'), 'utf8');
    const r = checkCompose('compose.yaml', text);
    expect(r.diagnostics).toEqual([]);
    const sock = r.findings.filter((f) => f.id === 'CHARTER-CMP-002');
    expect(sock.map((f) => [f.title, f.severity, f.locations[0]])).toEqual([
      [
        'Docker socket /var/run/docker.sock mounted (service portainer)',
        'critical',
        { artifact: 'compose.yaml', pointer: '/services/portainer/volumes/0', line: 9, column: 9 },
      ],
    ]);
    expect(sock[0]?.controls).toEqual([
      { framework: 'CIS Docker Benchmark v1.6.0', id: '5.31', title: 'Ensure that the Docker socket is not mounted inside any containers' },
    ]);
    expect(r.findings.map((f) => f.id).sort()).toEqual(['CHARTER-CMP-002', 'CHARTER-CMP-008', 'CHARTER-CMP-010']);
  });

  it.each([
    ['privileged', 'services:\n  a:\n    image: x\n    privileged: true\n', 'CHARTER-CMP-001 4:17 Privileged service (service a)'],
    [
      'long-syntax socket with a default',
      'services:\n  a:\n    volumes:\n      - type: bind\n        source: ${SOCK:-/run/docker.sock}\n        target: /var/run/docker.sock\n',
      'CHARTER-CMP-002 4:9 Docker socket /run/docker.sock mounted (service a)',
    ],
    [
      'unknown source onto the socket path',
      'services:\n  a:\n    volumes: ["${SOCK}:/var/run/docker.sock:ro"]\n',
      'CHARTER-CMP-002 3:15 Docker socket /var/run/docker.sock mounted (service a)',
    ],
    [
      '/etc',
      'services:\n  a:\n    volumes: ["/etc:/host/etc:ro"]\n',
      'CHARTER-CMP-003 3:15 Sensitive host directory /etc mounted (service a)',
    ],
    [
      'the whole root',
      'services:\n  a:\n    volumes: ["/:/rootfs"]\n',
      'CHARTER-CMP-003 3:15 Sensitive host directory / mounted (service a)',
    ],
    ['network_mode host', 'services:\n  a:\n    network_mode: host\n', 'CHARTER-CMP-004 3:19 Host network mode (service a)'],
    ['pid host', 'services:\n  a:\n    pid: "host"\n', 'CHARTER-CMP-005 3:10 Host PID namespace (service a)'],
    ['ipc host', 'services:\n  a:\n    ipc: host\n', 'CHARTER-CMP-006 3:10 Host IPC namespace (service a)'],
    [
      'cap_add SYS_ADMIN',
      'services:\n  a:\n    cap_add: [NET_BIND_SERVICE, CAP_SYS_ADMIN]\n',
      'CHARTER-CMP-007 3:33 Capability SYS_ADMIN added (service a)',
    ],
    [
      'seccomp unconfined',
      'services:\n  a:\n    security_opt: ["seccomp:unconfined", "no-new-privileges:true"]\n',
      'CHARTER-CMP-009 3:20 Security profile disabled: seccomp:unconfined (service a)',
    ],
    [
      'apparmor=unconfined',
      'services:\n  a:\n    security_opt: ["apparmor=unconfined", "no-new-privileges"]\n',
      'CHARTER-CMP-009 3:20 Security profile disabled: apparmor=unconfined (service a)',
    ],
  ])('%s', (_n, text, expected) => {
    expect(summary(text).filter((s) => !/CMP-008|CMP-010/.test(s))).toEqual([expected]);
  });

  it('read_only and no-new-privileges point at the service key when absent', () => {
    expect(summary('services:\n  web:\n    image: x\n')).toEqual([
      'CHARTER-CMP-008 2:3 Root file system is writable (service web)',
      'CHARTER-CMP-010 2:3 no-new-privileges not set (service web)',
    ]);
  });

  it('a hardened service and relative or named volumes give nothing', () => {
    const text =
      'services:\n  a:\n    read_only: true\n    security_opt: [no-new-privileges:true]\n    cap_add: [NET_BIND_SERVICE, NET_RAW]\n    volumes: ["./data:/data", "named:/x", "/srv/app:/app"]\n';
    expect(summary(text)).toEqual([]);
  });

  it.each([
    ['not YAML', 'services: [unclosed\n'],
    ['wrong types', 'services:\n  a: 3\n  b:\n    volumes: 7\n    cap_add: {x: 1}\n    security_opt: [1, {a: b}]\n'],
    ['no services', 'version: "3"\n'],
    [
      'billion laughs',
      'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
    ],
  ])('hostile: %s never throws', (_n, text) => {
    expect(() => checkCompose('c.yaml', text)).not.toThrow();
  });
});
