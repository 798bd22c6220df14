/**
 * A container's syscalls as one list per layer: its own rules and the charter-level groups it
 * references, expanded (the profile stores the referenced shape, docs/profile-v1.md).
 */
import { SYSCALL_LAYERS, type Charter, type ContainerCharter, type NamedRule, type Source, type SyscallLayer } from '../model/charter.js';
import { sortSources } from '../util/rule-set.js';

/**
 * The syscalls a container may make, one rule per syscall in the lowest layer that needs it, with
 * every source: its own rules first (they were placed when the profile was built), then each
 * referenced group's syscalls in the group's layer, each carrying the group's and the reference's
 * sources. This is what the referenced shape stands for; every consumer reads syscalls through it.
 */
export function containerSyscalls(charter: Pick<Charter, 'syscallGroups'>, c: ContainerCharter): Record<SyscallLayer, NamedRule[]> {
  const defs = new Map((charter.syscallGroups ?? []).map((g) => [g.id, g]));
  const rules = new Map<string, { layer: SyscallLayer; sources: Source[] }>();
  for (const layer of SYSCALL_LAYERS) {
    for (const r of c.syscalls[layer]) {
      const prev = rules.get(r.name);
      if (prev) prev.sources.push(...r.sources);
      else rules.set(r.name, { layer, sources: [...r.sources] });
    }
  }
  const refs = (c.syscalls.groups ?? []).map((ref) => {
    const def = defs.get(ref.group);
    if (!def) throw new Error(`container ${c.name} references the undefined syscall group ${ref.group}`);
    return { def, ref };
  });
  // Lower layers first: a syscall two groups share lives in the lower one.
  refs.sort((a, b) => SYSCALL_LAYERS.indexOf(a.def.layer) - SYSCALL_LAYERS.indexOf(b.def.layer));
  for (const { def, ref } of refs) {
    for (const name of def.syscalls) {
      const prev = rules.get(name);
      if (prev) prev.sources.push(...def.sources, ...ref.sources);
      else rules.set(name, { layer: def.layer, sources: [...def.sources, ...ref.sources] });
    }
  }
  const out: Record<SyscallLayer, NamedRule[]> = { 'container-runtime': [], 'language-runtime': [], application: [] };
  for (const [name, r] of [...rules.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[r.layer].push({ name, sources: sortSources(r.sources) });
  }
  return out;
}
