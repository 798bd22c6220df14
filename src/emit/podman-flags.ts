/**
 * `podman-flags`: the `podman run` flags (Docker-compatible) that enforce a container's charter,
 * as a shell line to paste before the image name and as an argv array in JSON for programs.
 */
import type { Charter, ContainerCharter, Diagnostic, WritablePath } from '../model/charter.js';
import type { EmitOptions, EmitResult, EmittedFile } from './types.js';
import { defaultSeccompPath, fileSafeName, selectContainers, shellQuote, sortDiagnostics, sortedUnique, warning } from './internal.js';
import { bareCapability } from '../util/capabilities.js';
import { compareStrings } from '../util/sort.js';

/** Writable scratch space: never executable, no set-id or device files, bounded. */
const TMPFS_OPTIONS = 'rw,noexec,nosuid,nodev,size=64m';

/** Paths that are scratch space whatever kind an artifact gave them. */
const SCRATCH_PATHS: ReadonlySet<string> = new Set(['/tmp']);

function isTmpfs(w: WritablePath): boolean {
  // Mounts an artifact spelled out (volume, bind, host) are kept as they are.
  return w.kind === 'tmpfs' || (SCRATCH_PATHS.has(w.path) && w.kind === 'data-dir');
}

/** `charter-<container>-<path>`; podman volume names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
function volumeName(container: string, path: string): string {
  const p = path.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'root';
  return `charter-${fileSafeName(container)}-${p}`;
}

interface Flags {
  argv: string[];
  warnings: Diagnostic[];
  /** Comment lines for the shell file. */
  notes: string[];
}

function flagsFor(container: ContainerCharter, opts: EmitOptions, file: string): Flags {
  const argv: string[] = [];
  const warnings: Diagnostic[] = [];
  const notes: string[] = [];
  const readOnly = container.filesystem.readOnlyRoot.value;

  const writable = [...container.filesystem.writable].sort((a, b) => compareStrings(a.path, b.path));
  const tmpfs = sortedUnique(writable.filter(isTmpfs).map((w) => w.path));
  const mounts: string[] = [];
  for (const w of writable) {
    if (isTmpfs(w)) continue;
    const ro = w.readOnly === true ? ':ro' : '';
    if (w.kind === 'volume' || w.kind === 'data-dir') {
      // Persistent data needs a volume: a read-only root would refuse the writes, and a writable
      // root would lose them with the container.
      mounts.push(`${volumeName(container.name, w.path)}:${w.path}${ro}`);
    } else if (w.hostPath !== undefined) {
      mounts.push(`${w.hostPath}:${w.path}${ro}`);
    } else {
      warnings.push(
        warning(
          'emit.podman.no-host-path',
          file,
          `container ${container.name}: ${w.kind} mount at ${w.path} names no host path; add --volume yourself`,
        ),
      );
      notes.push(`${w.kind} mount at ${w.path} names no host path: add --volume HOST:${w.path} yourself`);
    }
  }

  if (readOnly) {
    // podman otherwise mounts its own tmpfs on /tmp, /var/tmp and /run: only declared paths may be written.
    argv.push('--read-only', '--read-only-tmpfs=false');
  }
  for (const path of tmpfs) argv.push('--tmpfs', `${path}:${TMPFS_OPTIONS}`);
  for (const mount of sortedUnique(mounts)) argv.push('--volume', mount);

  argv.push('--cap-drop', 'ALL');
  for (const cap of sortedUnique(container.capabilities.map((c) => bareCapability(c.name)))) {
    if (cap === 'ALL') {
      warnings.push(
        warning(
          'emit.podman.cap-all',
          file,
          `container ${container.name}: capability ALL is not added back; list the capabilities it needs`,
        ),
      );
      continue;
    }
    argv.push('--cap-add', cap);
  }

  if (container.privileges.allowPrivilegeEscalation?.value !== true) {
    argv.push('--security-opt', 'no-new-privileges');
  }
  const seccompPath = (opts.seccompPath ?? defaultSeccompPath)(container.name);
  argv.push('--security-opt', `seccomp=${seccompPath}`);

  if (container.user !== undefined) argv.push('--user', container.user.name);
  if (container.network.none) argv.push('--network', 'none');

  // Privileged mode would switch off everything above; it is never emitted, only reported.
  if (container.privileges.privileged?.value === true) {
    warnings.push(
      warning(
        'emit.podman.privileged',
        file,
        `container ${container.name}: the profile declares privileged mode; --privileged is not emitted`,
      ),
    );
    notes.push('WARNING: the profile declares privileged mode; --privileged is not emitted (it would disable these flags)');
  }
  return { argv, warnings, notes };
}

export function emitPodmanFlags(charter: Charter, opts: EmitOptions): EmitResult {
  const files: EmittedFile[] = [];
  const warnings: Diagnostic[] = [];
  for (const container of selectContainers(charter, opts)) {
    const base = fileSafeName(container.name);
    const sh = `${base}.podman.sh`;
    const flags = flagsFor(container, opts, sh);
    const header = [
      `# podman run flags for container ${container.name} (profile ${charter.metadata.name})`,
      '# usage: podman run <the line below> IMAGE [COMMAND]',
      ...flags.notes.map((n) => `# ${n}`),
    ];
    files.push({ name: sh, content: `${header.join('\n')}\n${flags.argv.map(shellQuote).join(' ')}\n` });
    files.push({ name: `${base}.podman.json`, content: `${JSON.stringify(flags.argv, null, 2)}\n` });
    warnings.push(...flags.warnings);
  }
  return { files, warnings: sortDiagnostics(warnings) };
}
