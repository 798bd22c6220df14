import { describe, expect, it } from 'vitest';
import { checkDockerfile } from './dockerfile.js';

const ids = (text: string) => checkDockerfile('Dockerfile', text).findings.map((f) => f.id);
const at = (text: string, id: string) =>
  checkDockerfile('Dockerfile', text)
    .findings.filter((f) => f.id === id)
    .map((f) => `${f.locations[0]?.line}:${f.locations[0]?.column}`);

const GOOD_TAIL = 'USER 10001\nHEALTHCHECK CMD ["/app/health"]\n';

describe('Dockerfile checks', () => {
  it.each([
    ['no USER', 'FROM alpine:3.19@sha256:abc\n', 'CHARTER-DF-001', ['1:1']],
    ['USER root', 'FROM alpine:3.19@sha256:abc\nUSER root\n', 'CHARTER-DF-002', ['2:1']],
    ['USER 0:0', 'FROM alpine:3.19@sha256:abc\nUSER 1000\nUSER 0:0\n', 'CHARTER-DF-002', ['3:1']],
    ['curl | sh', 'FROM alpine:3.19@sha256:abc\nRUN curl -fsSL https://x.example/i.sh | sh\n', 'CHARTER-DF-003', ['2:5']],
    [
      'wget -O- | bash over a continuation',
      'FROM alpine:3.19@sha256:abc\nRUN set -e && \\\n    wget -O- https://x.example/i | sudo bash -\n',
      'CHARTER-DF-003',
      ['3:5'],
    ],
    ['ADD url', 'FROM alpine:3.19@sha256:abc\nADD https://x.example/a.tgz /a\n', 'CHARTER-DF-004', ['2:5']],
    ['ADD local archive', 'FROM alpine:3.19@sha256:abc\nADD rootfs.tar.gz /\n', 'CHARTER-DF-005', ['2:5']],
    ['untagged base', 'FROM ubuntu\n', 'CHARTER-DF-006', ['1:6']],
    ['latest base in a builder', 'FROM node:latest AS build\nFROM reg.example/distroless/nodejs20:nonroot\n', 'CHARTER-DF-006', ['1:6']],
    ['tag without digest', 'FROM debian:12\n', 'CHARTER-DF-007', ['1:6']],
    ['no healthcheck', 'FROM debian:12\n', 'CHARTER-DF-008', ['1:1']],
    ['HEALTHCHECK NONE', 'FROM debian:12\nHEALTHCHECK NONE\n', 'CHARTER-DF-008', ['2:1']],
    ['apt lists kept', 'FROM debian:12\nRUN apt-get update && apt-get install -y curl\n', 'CHARTER-DF-009', ['2:23']],
    ['apk add cache', 'FROM alpine:3.19\nRUN apk add curl\n', 'CHARTER-DF-010', ['2:5']],
    ['pip cache', 'FROM python:3.12\nRUN pip install flask\n', 'CHARTER-DF-011', ['2:5']],
    ['python -m pip cache', 'FROM python:3.12\nRUN python3 -m pip install flask\n', 'CHARTER-DF-011', ['2:5']],
    [
      'apt-get update alone',
      'FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n',
      'CHARTER-DF-012',
      ['2:5'],
    ],
    ['apk update alone', 'FROM alpine:3.19\nRUN apk update\n', 'CHARTER-DF-012', ['2:5']],
    ['dist-upgrade', 'FROM debian:12\nRUN apt-get update && apt-get -y dist-upgrade\n', 'CHARTER-DF-013', ['2:23']],
    ['ENV password', 'FROM debian:12\nENV MYSQL_ROOT_PASSWORD=hunter2hunter2 PORT=80\n', 'CHARTER-DF-014', ['2:5']],
    ['legacy ENV token', 'FROM debian:12\nENV NPM_TOKEN abcdef0123456789\n', 'CHARTER-DF-014', ['2:5']],
    ['AWS secret in ARG default', 'ARG X=1\nFROM debian:12\nARG AWS_SECRET_ACCESS_KEY=abc/def+ghi\n', 'CHARTER-DF-014', ['3:5']],
    ['sudo', 'FROM debian:12\nRUN sudo apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n', 'CHARTER-DF-015', ['2:5']],
  ])('%s', (_name, text, id, where) => {
    expect(at(text, id)).toEqual(where);
  });

  it.each([
    [
      'a hardened multi-stage Dockerfile',
      `FROM node:20.11@sha256:abc AS build\nRUN npm ci\nFROM node:20.11-slim@sha256:def\nCOPY --from=build /app /app\n${GOOD_TAIL}`,
    ],
    [
      'apt with lists removed',
      `FROM debian:12@sha256:a\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n${GOOD_TAIL}`,
    ],
    [
      'apt with a cache mount',
      `FROM debian:12@sha256:a\nRUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n${GOOD_TAIL}`,
    ],
    ['apk --no-cache', `FROM alpine:3.19@sha256:a\nRUN apk add --no-cache curl\n${GOOD_TAIL}`],
    ['pip --no-cache-dir', `FROM python:3.12@sha256:a\nRUN pip install --no-cache-dir flask\n${GOOD_TAIL}`],
    ['PIP_NO_CACHE_DIR', `FROM python:3.12@sha256:a\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n${GOOD_TAIL}`],
    [
      'caches in a builder stage only',
      `FROM debian:12@sha256:a AS b\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12@sha256:a\n${GOOD_TAIL}`,
    ],
    [
      'curl to a file',
      `FROM debian:12@sha256:a\nRUN curl -fsSLo /tmp/i.sh https://x.example/i.sh && sha256sum -c sums && sh /tmp/i.sh\n${GOOD_TAIL}`,
    ],
    ['ADD with checksum', `FROM debian:12@sha256:a\nADD --checksum=sha256:abc https://x.example/a /a\n${GOOD_TAIL}`],
    [
      'secret names pointing at files or variables',
      `FROM debian:12@sha256:a\nENV POSTGRES_PASSWORD_FILE=/run/secrets/pw DB_PASSWORD=$DB_PASSWORD TOKEN=\n${GOOD_TAIL}`,
    ],
    ['scratch and stage references', `FROM golang:1.22@sha256:a AS b\nFROM scratch\nCOPY --from=b /x /x\n${GOOD_TAIL}`],
    ['USER inherited from the base stage', `FROM debian:12@sha256:a AS base\nUSER 10001\nHEALTHCHECK CMD ["/h"]\nFROM base\nCOPY . /app\n`],
    ['FROM with an ARG default', `ARG V=1.2\nFROM node:\${V}@sha256:a\n${GOOD_TAIL}`],
    ['FROM with an unknown ARG', `ARG V\nFROM node:\${V}\n${GOOD_TAIL}`],
  ])('%s: no findings', (_name, text) => {
    expect(ids(text)).toEqual([]);
  });

  it('never prints the value of a secret', () => {
    const secret = ['s3cr3t', 'Value', '42xyz'].join('');
    const r = checkDockerfile('Dockerfile', `FROM debian:12\nENV API_KEY=${secret}\nARG GITHUB_TOKEN=${secret}\n`);
    expect(r.findings.filter((f) => f.id === 'CHARTER-DF-014')).toHaveLength(2);
    expect(JSON.stringify(r)).not.toContain(secret);
  });

  it('redacts credentials in ADD URLs', () => {
    const r = checkDockerfile('Dockerfile', 'FROM debian:12\nADD https://bob:tok123@x.example/a /a\n');
    expect(JSON.stringify(r)).not.toContain('tok123');
    expect(r.findings.find((f) => f.id === 'CHARTER-DF-004')?.title).toContain('https://***@x.example/a');
  });

  it('findings carry catalogue metadata and CIS controls', () => {
    const f = checkDockerfile('svc/Dockerfile', 'FROM debian:12\n').findings.find((x) => x.id === 'CHARTER-DF-001');
    expect(f).toMatchObject({
      kind: 'misconfiguration',
      severity: 'medium',
      controls: [{ framework: 'CIS Docker Benchmark v1.6.0', id: '4.1', title: 'Ensure that a user for the container has been created' }],
      locations: [{ artifact: 'svc/Dockerfile', line: 1, column: 1 }],
    });
    expect(f?.remediation).toMatch(/USER/);
  });

  it.each([
    ['binary input', 'FROM x\u0000\u0001\u0002'.repeat(100), 'dockerfile/binary'],
    ['a 2 MiB file', `FROM debian:12\nRUN ${'a'.repeat(60_000)}\n`.repeat(40), 'dockerfile/too-large'],
  ])('hostile: %s gives a diagnostic, not a crash', (_n, text, code) => {
    const r = checkDockerfile('Dockerfile', text);
    expect(r.findings).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toContain(code);
  });

  it('hostile: a long RUN line with thousands of pipes stays fast', () => {
    const text = `FROM debian:12\nRUN ${'curl x | '.repeat(5000)}sh\n`;
    const t0 = performance.now();
    const r = checkDockerfile('Dockerfile', text);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.findings.filter((f) => f.id === 'CHARTER-DF-003')).toHaveLength(1);
  });
});
