/**
 * Shared edge for the end-to-end enforcement tests: image building, profiling through the CLI's
 * path, emitting, free ports and HTTP from the host. Podman calls and root file systems come from
 * src/test-support/.
 * The tests build real images, profile them (image + Dockerfile), emit seccomp + podman flags and
 * run the workload under exactly those flags.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EMITTERS } from '../../src/emit/index.js';
import type { Charter, ContainerCharter } from '../../src/model/charter.js';
import { containerSyscalls } from '../../src/profile/syscalls.js';
import { podman, podmanOk } from '../../src/test-support/podman.js';
import { profileTargets } from '../../src/test-support/profile.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * `podman build` of a context directory holding a Dockerfile, then `podman save`; returns the
 * target spec for `charter profile`. `oci` saves an oci-archive. `docker` builds in Docker format
 * and saves a docker-archive: only that keeps a HEALTHCHECK in the image config (the OCI config
 * has no field for it, and `podman save --format oci-archive` drops it).
 */
export function buildAndSave(context: string, image: string, archive: string, format: 'oci' | 'docker' = 'oci'): string {
  podmanOk(['build', '--quiet', '--pull=never', '--network', 'none', '--format', format, '-t', image, context], { timeoutMs: 180_000 });
  const transport = format === 'oci' ? 'oci-archive' : 'docker-archive';
  podmanOk(['save', '--quiet', '--format', transport, '-o', archive, image], { timeoutMs: 180_000 });
  return `${transport}:${archive}`;
}

/** Writes a build context: `files` maps names to contents; returns the Dockerfile path. */
export function writeContext(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return path.join(dir, 'Dockerfile');
}

/** The profile a user gets from `charter profile oci-archive:IMG -f Dockerfile` (a bare path means oci-archive). */
export async function profileImage(archive: string, dockerfile: string, name: string): Promise<Charter> {
  const spec = /^[a-z-]+:/.test(archive) ? archive : `oci-archive:${archive}`;
  const ch = await profileTargets([spec], { files: [dockerfile] }, name);
  // A profile that silently fell back to the Dockerfile alone would test the wrong thing.
  const errors = ch.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !ch.inputs.some((i) => i.kind === 'image') || !ch.inputs.some((i) => i.kind === 'dockerfile')) {
    throw new Error(
      `profiling ${archive} + ${dockerfile} failed: inputs ${JSON.stringify(ch.inputs.map((i) => i.kind))}, errors ${JSON.stringify(errors)}`,
    );
  }
  return ch;
}

/** The one container of a profile (fails loudly when correlation split image and Dockerfile). */
export function onlyContainer(ch: Charter): ContainerCharter {
  if (ch.containers.length !== 1) {
    throw new Error(
      `expected one container, got ${ch.containers.length}: ${ch.containers.map((c) => `${c.name} (aliases ${c.identity.aliases.join(',')})`).join('; ')}`,
    );
  }
  return ch.containers[0] as ContainerCharter;
}

export interface Enforcement {
  /** The emitted `podman run` argv (between `run` and the image). */
  flags: string[];
  seccompPath: string;
  seccomp: { defaultAction: string; syscalls: { names: string[]; action: string }[] };
  warnings: string[];
}

/** `charter emit --as seccomp` and `--as podman-flags` for one container, files written into `dir`. */
export function emitEnforcement(ch: Charter, container: string, dir: string): Enforcement {
  const warnings: string[] = [];
  const byId = (id: string) => {
    const e = EMITTERS.find((x) => x.id === id);
    if (!e) throw new Error(`no emitter ${id}`);
    return e;
  };
  const sec = byId('seccomp').emit(ch, { container });
  warnings.push(...sec.warnings.map((w) => `${w.code}: ${w.message}`));
  const secFile = sec.files.find((f) => f.name.endsWith('.seccomp.json'));
  if (!secFile) throw new Error('seccomp emitter wrote no .seccomp.json');
  const seccompPath = path.join(dir, secFile.name);
  writeFileSync(seccompPath, secFile.content);
  const flagsOut = byId('podman-flags').emit(ch, { container, seccompPath: () => seccompPath });
  warnings.push(...flagsOut.warnings.map((w) => `${w.code}: ${w.message}`));
  const json = flagsOut.files.find((f) => f.name.endsWith('.podman.json'));
  if (!json) throw new Error('podman-flags emitter wrote no .podman.json');
  for (const f of [...sec.files, ...flagsOut.files]) writeFileSync(path.join(dir, f.name), f.content);
  return {
    flags: JSON.parse(json.content) as string[],
    seccompPath,
    seccomp: JSON.parse(secFile.content) as Enforcement['seccomp'],
    warnings,
  };
}

export function allowedSyscalls(e: Enforcement): Set<string> {
  return new Set(e.seccomp.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW').flatMap((s) => s.names));
}

/** Every syscall the container may make, its charter's shared groups expanded. */
export function syscallNames(charter: Charter, c: ContainerCharter): string[] {
  const s = containerSyscalls(charter, c);
  return [...s['container-runtime'], ...s['language-runtime'], ...s.application].map((r) => r.name);
}

/** A port nothing listens on right now (bound to 0 and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface HttpResult {
  status: number;
  body: string;
}

export function httpGet(port: number, urlPath = '/', timeoutMs = 5_000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port}${urlPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until the server answers (published ports come up a moment after `podman run -d`). */
export async function waitForHttp(port: number, deadlineMs = 20_000): Promise<HttpResult> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      return await httpGet(port, '/', 2_000);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`no HTTP answer on 127.0.0.1:${port} within ${deadlineMs} ms: ${String(last)}`);
}

/** Container logs and state, for assertion messages when a run under the emitted flags fails. */
export function describeContainer(name: string): string {
  const logs = podman(['logs', name], { timeoutMs: 30_000 });
  const state = podman(['inspect', '--format', '{{.State.Status}} exit={{.State.ExitCode}} err={{.State.Error}}', name], {
    timeoutMs: 30_000,
  });
  return `state: ${state.stdout.trim()} ${state.stderr.trim()}\nlogs:\n${logs.stdout}${logs.stderr}`;
}
