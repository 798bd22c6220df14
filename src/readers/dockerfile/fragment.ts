/**
 * The final stage → one ContainerFragment: its image configuration, and the processes its
 * entrypoint, command and healthcheck start (Docker's rules for how ENTRYPOINT and CMD combine).
 */
import { posix } from 'node:path';
import type { Diagnostic, ProcessRule, Source } from '../../model/charter.js';
import { emptyFragment, type ContainerFragment, type FragmentKey } from '../../model/fragments.js';
import { programs, shellScriptIndex } from './shell.js';
import { runtimeLookup, type CommandSpec, type Position, type Stage } from './stage.js';
import { tokenize, type Token } from './words.js';

/** What building a fragment needs of the walker: the file's path and a place for diagnostics. */
export interface FragmentContext {
  readonly path: string;
  diag(code: string, severity: Diagnostic['severity'], message: string, at: Position): void;
}

/**
 * The fragment key. The directory names the container (`services/api/Dockerfile` → `api`); at the
 * root, where the directory says nothing, the final stage's name or the file name does.
 */
export function fragmentKey(path: string, stageName: string | undefined): FragmentKey {
  const normal = posix.normalize(path.replaceAll('\\', '/'));
  const dir = posix.dirname(normal);
  const file = posix.basename(normal);
  const fromFile = /^(.+)\.(?:dockerfile|containerfile)$/i.exec(file)?.[1];
  // `svc/Dockerfile.worker` and `svc/worker.Dockerfile` name the worker, not the directory.
  const suffix = /^(?:dockerfile|containerfile)\.(.+)$/i.exec(file)?.[1];
  if (dir !== '.' && dir !== '/' && dir !== '')
    return { name: fromFile ?? suffix ?? posix.basename(dir), buildContext: dir, dockerfile: normal };
  return { name: stageName ?? fromFile ?? suffix ?? 'app', buildContext: '.', dockerfile: normal };
}

function shellForm(spec: CommandSpec): { tokens: Token[] | undefined } | undefined {
  return spec.form === 'shell' ? { tokens: spec.tokens } : undefined;
}

/** Processes and the command entry for one command (entrypoint or healthcheck). */
function emitCommand(
  fragment: ContainerFragment,
  argv: string[],
  sources: Source[],
  shellForm: { tokens: Token[] | undefined } | undefined,
  purpose: 'entrypoint' | 'healthcheck',
  stage: Stage,
): void {
  const head = argv[0];
  const first = sources[0];
  if (head === undefined || first === undefined) return;
  const user = stage.user ? { user: stage.user.name } : {};
  const scriptAt = shellForm ? argv.length - 1 : shellScriptIndex(argv);
  fragment.commands.push({ argv, shell: scriptAt !== undefined, purpose, source: first });
  if (scriptAt === undefined) {
    fragment.processes.push({ path: head, ...user, args: argv.slice(1), purpose, sources });
    return;
  }
  const script = argv[scriptAt] ?? '';
  const tokens = shellForm?.tokens ?? tokenize(script, first.line ?? 1, first.column ?? 1, { escape: '\\', operators: true });
  programs(tokens, runtimeLookup(stage)).forEach((p, i) => {
    const rule: ProcessRule = {
      path: p.path,
      ...user,
      parent: head,
      args: p.args,
      purpose: purpose === 'entrypoint' && i > 0 ? 'spawned' : purpose,
      sources,
    };
    fragment.processes.push(rule);
  });
  fragment.processes.push({ path: head, ...user, args: argv.slice(1), purpose: 'interpreter', sources });
}

export function toFragment(w: FragmentContext, final: Stage): ContainerFragment {
  const fragment = emptyFragment(fragmentKey(w.path, final.name), final.from);
  if (final.base) fragment.image = final.base;
  if (final.user) fragment.user = final.user;
  if (final.workingDir) fragment.workingDir = final.workingDir;
  for (const [name, e] of final.env) fragment.env.push({ name, value: e.value, source: e.source });
  fragment.listen = [...final.listen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  fragment.writable = [...final.volumes.values()].sort((a, b) => a.path.localeCompare(b.path));
  if (final.runs.length > 0) fragment.runCommands = [...final.runs];
  const seen = new Set<string>();
  for (const p of final.packages) {
    const id = `${p.name}=${p.version ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    fragment.packages.push(p);
  }

  // Docker's rule: exec-form ENTRYPOINT gets CMD as arguments; shell-form ENTRYPOINT ignores CMD.
  const { entrypoint: ep, cmd } = final;
  if (ep || cmd) {
    const launchSource = (ep ?? cmd)?.source as Source;
    // Overrides in manifests replace these parts; a shell-form ENTRYPOINT never takes a CMD.
    fragment.launch = { entrypoint: ep?.argv ?? [], cmd: ep?.form === 'shell' ? [] : (cmd?.argv ?? []), source: launchSource };
  }
  if (ep?.form === 'exec' && cmd) {
    emitCommand(fragment, [...ep.argv, ...cmd.argv], [ep.source, cmd.source], undefined, 'entrypoint', final);
  } else {
    const only = ep ?? cmd;
    if (only) emitCommand(fragment, only.argv, [only.source], shellForm(only), 'entrypoint', final);
  }
  const hc = final.healthcheck;
  if (hc !== undefined && hc !== 'none') {
    emitCommand(fragment, hc.argv, [hc.source], shellForm(hc), 'healthcheck', final);
  }

  for (const s of final.copyFrom) {
    w.diag('dockerfile/copy-from', 'info', `${s.reason}: files copied from another stage or image are not read`, s);
  }
  return fragment;
}
