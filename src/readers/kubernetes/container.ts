/**
 * One container of a pod spec → a container fragment: its key, image and command here; its
 * security context, ports and probes, env and volume mounts in the modules named after them.
 */
import { emptyFragment, type ContainerFragment, type FragmentKey } from '../../model/fragments.js';
import type { ContainerContext } from './container-context.js';
import { readEnv, type ContainerEnv } from './env.js';
import { expandReferences } from './expand.js';
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
  expandCommand(ctx, f, env, what);
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
  let changed = false;
  let sensitive = false;
  const expanded = cmd.argv.map((word, i) => {
    const x = expandReferences(word, (name) => env.get(name)?.value);
    if (x.truncated) {
      const field = ctx.container.command && ctx.container.command.length > 0 ? 'command' : 'args';
      diagnose(
        ctx.reader,
        ctx.obj.doc,
        [...ctx.obj.base, ...ctx.path, field],
        'kubernetes/expansion-too-long',
        'warning',
        `argument ${i} of ${what}: its $(VAR) references expand past ${x.text.length} characters; it is cut there`,
      );
    }
    if (x.used.length > 0) changed = true;
    if (x.used.some((name) => env.get(name)?.sensitive === true)) sensitive = true;
    return x.text;
  });
  if (!changed) return;
  cmd.expanded = expanded;
  if (sensitive) cmd.sensitive = true;
}
