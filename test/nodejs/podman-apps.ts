/**
 * Enforcement of a syscall set on a real app in podman: one image holding every app (Debian
 * bookworm minbase + the HOST's node binary + the apps with their node_modules), a seccomp profile
 * compiled by the real emitter, and a run under the hardening flags with the workload driven from
 * the host.
 *
 * Why the host's node: the set was observed with it, and Debian's nodejs is another major version
 * (18) with another libuv; enforcing on a different binary would test the wrong thing. Both run
 * on the same Debian bookworm glibc.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emitSeccomp } from '../../src/emit/seccomp.js';
import { emptyContainer, type Charter, type NamedRule, type Source, type SyscallLayer } from '../../src/model/charter.js';
import { debianNodeRootfs } from '../../src/test-support/images.js';
import { cleanup, podman, podmanOk } from '../../src/test-support/podman.js';
import { describeContainer, freePort } from '../enforcement/harness.js';
import type { RealApp } from './apps.js';
import { appEnvironment, WORKLOAD_DEADLINE_MS } from './harness.js';

export interface AppImage {
  base: string;
  image: string;
}

/** Imports the rootfs and builds one image with the host's node at /usr/local/bin/node and every app under /apps/<name>. */
export function buildAppsImage(apps: { app: RealApp; dir: string }[], workDir: string, tag: string): AppImage {
  const base = `localhost/charter-nodeapps/base:${tag}`;
  const image = `localhost/charter-nodeapps/apps:${tag}`;
  podmanOk(['import', debianNodeRootfs(), base], { timeoutMs: 300_000 });
  const context = path.join(workDir, 'context');
  mkdirSync(path.join(context, 'apps'), { recursive: true });
  cpSync(process.execPath, path.join(context, 'node'));
  for (const { app, dir } of apps) cpSync(dir, path.join(context, 'apps', app.name), { recursive: true, dereference: false });
  writeFileSync(
    path.join(context, 'Dockerfile'),
    [`FROM ${base}`, 'COPY node /usr/local/bin/node', 'COPY apps/ /apps/', 'USER 1000:1000', ''].join('\n'),
  );
  podmanOk(['build', '--quiet', '--pull=never', '--network', 'none', '-t', image, context], { timeoutMs: 300_000 });
  return { base, image };
}

export function removeAppsImage(img: AppImage, containers: string[]): void {
  cleanup(containers, [img.image, img.base]);
}

/** What a syscall set was made from, for the profile's sources. */
export type LayeredSet = Record<SyscallLayer, string[]>;

/** The seccomp profile the real emitter writes for a container with these layers; returns its path. */
export function writeSeccompProfile(name: string, layers: LayeredSet, reason: string, dir: string): string {
  const c = emptyContainer(name);
  const source: Source = { kind: 'inferred', artifact: name, reason };
  const rules = (names: string[]): NamedRule[] => [...new Set(names)].sort().map((n) => ({ name: n, sources: [source] }));
  c.syscalls = {
    'container-runtime': rules(layers['container-runtime']),
    'language-runtime': rules(layers['language-runtime']),
    application: rules(layers.application),
  };
  const charter: Charter = {
    apiVersion: 'charter/v1',
    kind: 'Charter',
    metadata: { name, generator: 'charter test' },
    inputs: [],
    containers: [c],
    graph: { edges: [] },
    diagnostics: [],
  };
  const out = emitSeccomp(charter, {});
  const file = out.files[0];
  if (!file) throw new Error('the seccomp emitter wrote no file');
  const target = path.join(dir, file.name);
  writeFileSync(target, file.content);
  return target;
}

const HARDENING = ['--security-opt', 'no-new-privileges', '--cap-drop', 'ALL', '--read-only', '--tmpfs', '/tmp'];
const APP_PORT = 8080;

export interface EnforcedRun {
  exchanges: number;
  exitCode: number | null;
  logs: string;
}

async function untilLogged(ctr: string, re: RegExp, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const logs = podman(['logs', ctr], { timeoutMs: 10_000 });
    if (re.test(logs.stdout)) return true;
    const state = podman(['inspect', '--format', '{{.State.Running}}', ctr], { timeoutMs: 10_000 });
    if (state.stdout.trim() === 'false') return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * Runs one app in the image under the profile and the hardening flags. A server is published on a
 * free loopback port, driven by its workload from the host and stopped with `podman stop` (SIGTERM,
 * 10 s); a CLI runs to completion without a network. Throws on any wrong answer or exit code.
 */
export async function runEnforced(
  img: AppImage,
  app: RealApp,
  appDir: string,
  seccomp: string,
  ctr: string,
  writable: readonly string[] = [],
): Promise<EnforcedRun> {
  // The directories the static analysis says the code writes (relative to the app) are the only
  // writable places besides /tmp, as the emitted run flags would make them. `U`: owned by the
  // container's user; a tmpfs over a directory the image holds otherwise keeps that directory's
  // owner and mode (root, 755), whatever `mode=` says, and the app cannot write it. `notmpcopyup`:
  // the directory starts empty, as a fresh volume does; copied up, it would hold the files the
  // observation run left on the host (a database, a generated page), owned by root.
  const writes = writable.flatMap((d) => ['--tmpfs', `${path.posix.resolve(`/apps/${app.name}`, d)}:rw,U,notmpcopyup`]);
  const common = [...HARDENING, ...writes, '--security-opt', `seccomp=${seccomp}`, '--workdir', `/apps/${app.name}`];
  const env = Object.entries(appEnvironment({ HOST: '0.0.0.0', PORT: String(APP_PORT) })).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  if (app.workload.kind === 'cli') {
    const r = podman(
      ['run', '--rm', '--name', ctr, '--network', 'none', ...common, ...env, img.image, '/usr/local/bin/node', ...app.workload.args],
      { timeoutMs: 120_000 },
    );
    if (r.status !== 0) throw new Error(`${app.name} exited ${String(r.status)} under the profile:\n${r.stderr}${r.stdout.slice(-2000)}`);
    app.workload.check(r.stdout);
    return { exchanges: 1, exitCode: r.status, logs: r.stderr };
  }
  const port = await freePort();
  podmanOk(
    [
      'run',
      '-d',
      '--name',
      ctr,
      ...common,
      ...env,
      '-p',
      `127.0.0.1:${port}:${APP_PORT}`,
      img.image,
      '/usr/local/bin/node',
      ...app.entry.slice(0, 1),
    ],
    { timeoutMs: 60_000 },
  );
  if (!(await untilLogged(ctr, /^READY/m, 30_000)))
    throw new Error(`${app.name} never became ready under the profile:\n${describeContainer(ctr)}`);
  let exchanges: number;
  try {
    const done = await Promise.race([
      app.workload.run({ host: '127.0.0.1', port }, appDir),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), WORKLOAD_DEADLINE_MS).unref()),
    ]);
    if (done === 'timeout') throw new Error(`the workload did not finish within ${WORKLOAD_DEADLINE_MS} ms`);
    exchanges = done;
  } catch (err) {
    throw new Error(`${app.name} workload failed under the profile: ${String(err)}\n${describeContainer(ctr)}`, { cause: err });
  }
  podmanOk(['stop', '--time', '10', ctr], { timeoutMs: 60_000 });
  const code = podman(['inspect', '--format', '{{.State.ExitCode}}', ctr], { timeoutMs: 30_000 }).stdout.trim();
  const logs = podman(['logs', ctr], { timeoutMs: 30_000 });
  return { exchanges, exitCode: Number(code), logs: `${logs.stdout}${logs.stderr}` };
}
