/**
 * One container of a pod spec → a container fragment: its key, image and command here; its
 * security context, ports and probes, env and volume mounts in the modules named after them.
 */
import { emptyFragment, type ContainerFragment, type FragmentKey } from '../../model/fragments.js';
import type { ContainerContext } from './container-context.js';
import { readEnv } from './env.js';
import { expandArgv, type ContainerEnv } from '../../util/kube-env.js';
import { readMountedConfigFiles } from './config-files.js';
import { readPorts, readProbes } from './ports.js';
import { diagnose, sourceAt } from './reader-context.js';
import { readSecurityContext } from './security-context.js';
import { readVolumeMounts } from './volume-mounts.js';

export function containerFragment(ctx: ContainerContext): ContainerFragment {
  const { reader, obj, workload: w, container: c, path, init } = ctx;
  const what = `${init ? 'init container' : 'container'} ${c.name} of ${w.kind} ${w.name}`;
  const key: FragmentKey = {
    name: init ? `init:${c.name}` : c.name,
    scope: w.namespace,
    ...(c.image !== undefined ? { image: c.image } : {}),
    workload: { kind: w.kind, name: w.name, namespace: w.namespace },
  };
  const f = emptyFragment(key, sourceAt(reader, obj, path, `${what} in namespace ${w.namespace}`));
  f.labels = { ...ctx.labels };
  if (c.image !== undefined) {
    f.image = { ref: c.image, source: sourceAt(reader, obj, [...path, 'image'], `image of ${what}`) };
  } else {
    diagnose(reader, obj.doc, [...obj.base, ...path], 'kubernetes/missing-image', 'warning', `${what} has no image`);
  }
  if (c.command !== undefined && c.command.length > 0) {
    const reason = c.args
      ? `command and args of ${what} (replace the image ENTRYPOINT and CMD)`
      : `command of ${what} (replaces the image ENTRYPOINT; the image CMD is not used)`;
    f.commands.push({
      argv: [...c.command, ...(c.args ?? [])],
      shell: false,
      purpose: 'entrypoint',
      source: sourceAt(reader, obj, [...path, 'command'], reason),
      replaces: 'entrypoint+cmd',
    });
  } else if (c.args !== undefined && c.args.length > 0) {
    // args alone replace the image CMD; the merger puts the image ENTRYPOINT in front.
    f.commands.push({
      argv: [...c.args],
      shell: false,
      purpose: 'entrypoint',
      source: sourceAt(reader, obj, [...path, 'args'], `args of ${what} (replace the image CMD; the image ENTRYPOINT still runs)`),
      replaces: 'cmd',
    });
  }
  readSecurityContext(ctx, f, what);
  const namedPorts = readPorts(ctx, f, what);
  readProbes(ctx, f, what, namedPorts);
  const env = readEnv(ctx, f, what);
  expandCommand(ctx, f, env.values, what);
  // A ConfigMap or Secret of another file: the profile completes the variables with every manifest's.
  if (env.unresolved) f.kubeEnv = { what, steps: env.steps };
  readVolumeMounts(ctx, f, what);
  readMountedConfigFiles(ctx, f, what);
  return f;
}

/**
 * The kubelet expands `$(VAR)` in command and args with the container's variables: the expanded
 * words are kept beside the written ones, to find the peers they name (`argv` stays as written,
 * so a Secret's value never reaches a process rule).
 */
function expandCommand(ctx: ContainerContext, f: ContainerFragment, env: ContainerEnv, what: string): void {
  const cmd = f.commands.find((x) => x.purpose === 'entrypoint' && x.replaces !== undefined);
  if (!cmd) return;
  const x = expandArgv(cmd.argv, env);
  for (const i of x.truncated) {
    const field = ctx.container.command && ctx.container.command.length > 0 ? 'command' : 'args';
    diagnose(
      ctx.reader,
      ctx.obj.doc,
      [...ctx.obj.base, ...ctx.path, field],
      'kubernetes/expansion-too-long',
      'warning',
      `argument ${i} of ${what}: its $(VAR) references expand past the limit; it is cut there`,
    );
  }
  if (!x.expanded) return;
  cmd.expanded = x.expanded;
  if (x.sensitive) cmd.sensitive = true;
}
