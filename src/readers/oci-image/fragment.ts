/**
 * The image's intent as a ContainerFragment: the configured process (Entrypoint + Cmd, resolved
 * through PATH and symlinks to a real file with its sha256), its interpreter or shell, user,
 * working dir, exposed ports, volumes, env, packages and the healthcheck command.
 */
import { posix } from 'node:path';
import type { Diagnostic, ProcessRule, Protocol, Source } from '../../model/charter.js';
import { emptyFragment, type ContainerFragment } from '../../model/fragments.js';
import { imageBasename } from '../../util/image-ref.js';
import { DEFAULT_PATH, lookupCommand, type ImageTree, type Resolved } from './filesystem.js';
import type { ImageFacts } from '../../model/image.js';
import { MAX_ARG_STRLEN } from './linux-limits.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh']);
/** Words that make the first word of a `sh -c` string something other than a program to run. */
const SHELL_WORDS = new Set([
  'exec',
  'set',
  'cd',
  'export',
  'if',
  'for',
  'while',
  'case',
  'test',
  '[',
  '{',
  '(',
  'true',
  'false',
  ':',
  '.',
  'source',
  'eval',
  'echo',
  'trap',
  'ulimit',
  'umask',
]);

export interface FragmentInput {
  facts: ImageFacts;
  tree: ImageTree;
  shebangArgs: ReadonlyMap<string, string[]>;
  diagnostics: Diagnostic[];
  display: string;
}

const q = (argv: readonly string[]): string => JSON.stringify(argv);

export function buildFragment(input: FragmentInput): ContainerFragment {
  const { facts, tree } = input;
  const ref = facts.ref;
  const cfg = facts.config;
  const src = (reason: string, extra: { layer?: string; path?: string } = {}): Source => ({
    kind: 'image',
    artifact: ref,
    ...(extra.layer ? { layer: extra.layer } : {}),
    ...(extra.path ? { path: extra.path } : {}),
    reason,
  });
  const diag = (code: DiagnosticCode, severity: Diagnostic['severity'], message: string): void => {
    input.diagnostics.push({ code, severity, message, file: input.display });
  };

  const frag = emptyFragment({ name: imageBasename(ref) || ref, image: ref }, src('image manifest and config'));
  frag.image = { ref, digest: facts.digest, source: src(`image ${ref} read from ${input.display}`) };
  if (cfg.User) frag.user = { name: cfg.User, source: src(`image config User ${cfg.User}`) };
  if (cfg.WorkingDir) frag.workingDir = { name: cfg.WorkingDir, source: src(`image config WorkingDir ${cfg.WorkingDir}`) };

  const env = new Map<string, string>();
  for (const kv of cfg.Env ?? []) {
    const i = kv.indexOf('=');
    const name = i < 0 ? kv : kv.slice(0, i);
    const value = i < 0 ? '' : kv.slice(i + 1);
    env.set(name, value);
    frag.env.push({ name, value, source: src(`image config Env ${name}`) });
  }
  const pathVar = env.get('PATH') ?? DEFAULT_PATH;
  const cwd = cfg.WorkingDir || '/';

  for (const spec of cfg.ExposedPorts ?? []) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(spec);
    const port = m ? Number(m[1]) : NaN;
    if (!m || port > 65535) {
      diag('image-bad-port', 'warning', `ExposedPorts entry ${JSON.stringify(spec)} is not <port>/<protocol>`);
      continue;
    }
    const protocol = (m[2]?.toLowerCase() ?? 'tcp') as Protocol;
    frag.listen.push({ port, protocol, sources: [src(`image config ExposedPorts ${spec}`)] });
  }
  for (const v of cfg.Volumes ?? []) {
    frag.writable.push({ path: v, kind: 'volume', sources: [src(`image config Volumes ${v}`)] });
  }
  for (const p of facts.packages) {
    frag.packages.push({
      name: p.name,
      version: p.version,
      source: src(`${p.ecosystem} package ${p.name} ${p.version} listed in ${p.path}`, { layer: p.layer, path: p.path }),
    });
  }

  const hc = cfg.Healthcheck?.Test;
  if (hc && hc.length > 0 && hc[0] !== 'NONE') {
    const source = src(`image config Healthcheck ${q(hc)}`);
    if (hc[0] === 'CMD-SHELL')
      frag.commands.push({ argv: ['/bin/sh', '-c', hc.slice(1).join(' ')], shell: true, purpose: 'healthcheck', source });
    else if (hc[0] === 'CMD') frag.commands.push({ argv: hc.slice(1), shell: false, purpose: 'healthcheck', source });
    else frag.commands.push({ argv: hc, shell: false, purpose: 'healthcheck', source });
  }

  // Docker rules: Entrypoint + Cmd; Cmd alone when there is no Entrypoint. Shell forms were
  // already turned into `/bin/sh -c …` arrays by the builder.
  const entrypoint = cfg.Entrypoint ?? [];
  const argv = entrypoint.length > 0 ? [...entrypoint, ...(cfg.Cmd ?? [])] : [...(cfg.Cmd ?? [])];
  if (argv.length > 0) {
    frag.launch = {
      entrypoint: [...entrypoint],
      cmd: [...(cfg.Cmd ?? [])],
      source: { kind: 'image', artifact: ref, reason: 'image config Entrypoint and Cmd' },
    };
  }
  const configured = entrypoint.length > 0 ? `Entrypoint ${q(entrypoint)} + Cmd ${q(cfg.Cmd ?? [])}` : `Cmd ${q(cfg.Cmd ?? [])}`;
  const user = cfg.User ? { user: cfg.User } : {};

  const processFor = (
    command: string,
    args: string[],
    purpose: ProcessRule['purpose'],
    reason: string,
    parent?: string,
  ): Resolved | undefined => {
    const r = lookupCommand(tree, command, pathVar, cwd);
    if (r?.clamped)
      diag('image-symlink-escapes', 'warning', `resolving ${command} climbed above the image root; resolved inside it as ${r.path}`);
    if (!r?.file) {
      diag('image-command-not-found', 'warning', `${command} (${purpose}) is not an executable file in the image`);
      frag.processes.push({
        path: command,
        ...user,
        ...(parent ? { parent } : {}),
        args,
        purpose,
        sources: [src(`${reason}; ${command} is not in the image`)],
      });
      return undefined;
    }
    const how = r.via.length > 0 ? ` (${command} → ${r.path} via ${r.via.join(', ')})` : '';
    // The path it is run by (`/bin/httpd` → `/bin/busybox`): for a multi-call file, the program it is.
    const requested = requestedPath(tree, command, pathVar, cwd, r.path);
    frag.processes.push({
      path: r.path,
      ...(requested !== r.path ? { invokedAs: [requested] } : {}),
      ...(r.file.sha256 ? { sha256: r.file.sha256 } : {}),
      ...user,
      ...(parent ? { parent } : {}),
      args,
      purpose,
      sources: [src(`${reason}${how}`, { layer: r.file.layer, path: r.path })],
    });
    return r;
  };

  const first = argv[0];
  if (first === undefined) {
    diag('image-no-command', 'info', 'the image config has neither Entrypoint nor Cmd');
    return frag;
  }
  const main = processFor(first, argv.slice(1), 'entrypoint', `image config ${configured}`);
  if (main?.file?.executable === 'script' && main.file.interpreter) {
    const interp = main.file.interpreter;
    const extra = input.shebangArgs.get(main.path) ?? [];
    const viaEnv = interp.endsWith('/env') && extra.length > 0;
    const program = viaEnv ? extra.find((a) => !a.startsWith('-')) : undefined;
    const reason = `#! line of ${main.path}`;
    if (viaEnv && program) {
      processFor(interp, extra, 'interpreter', reason, main.path);
      processFor(program, [main.path, ...argv.slice(1)], 'interpreter', `${reason} (through env)`, main.path);
    } else {
      processFor(interp, [...extra, main.path, ...argv.slice(1)], 'interpreter', reason, main.path);
    }
  }
  // `sh -c "exec node server.js"`: the shell runs, and the first program of the string too.
  const shellName = first.slice(first.lastIndexOf('/') + 1);
  if (main && SHELLS.has(shellName) && argv[1] === '-c' && argv[2] !== undefined) {
    const words = argv[2].trim().split(/\s+/);
    while (words[0] === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] ?? '')) words.shift();
    const program = words[0];
    if (program && /^[A-Za-z0-9_./+-]+$/.test(program) && !SHELL_WORDS.has(program)) {
      processFor(program, words.slice(1), 'spawned', `command string of ${configured}`, main.path);
    }
  }
  return frag;
}

/** The path `command` is run by before symlinks: itself with a slash, else the PATH entry that resolves to `real`. */
function requestedPath(tree: ImageTree, command: string, pathVar: string, cwd: string, real: string): string {
  // Inside the image: a relative path is below the working directory, never the host's.
  const absolute = (p: string): string => posix.normalize(p.startsWith('/') ? p : posix.join('/', cwd, p));
  if (command.includes('/')) return absolute(command);
  // Bounded as lookupCommand bounds it: each directory once, no more of PATH than execve would pass.
  for (const dir of new Set(pathVar.slice(0, MAX_ARG_STRLEN).split(':'))) {
    if (dir === '') continue;
    const candidate = `${dir}/${command}`;
    if (tree.executable(candidate, cwd)?.path === real) return absolute(candidate);
  }
  return real;
}
