/**
 * A charter compiled for judging events: per container, allow sets indexed by event kind (an
 * event is checked only against the rules of its kind), every rule keeping its sources. Compiled
 * once per profile; judging an event is then a few map look-ups.
 */
import { basename } from 'node:path/posix';
import type { Charter, ContainerCharter, PeerRule, PortRule, ProcessRule, Source, WritablePath } from '../../model/charter.js';
import { containerSyscalls } from '../../profile/syscalls.js';
import { parseCidr, type Cidr } from '../../util/ip.js';

export interface CompiledPeer {
  readonly rule: PeerRule;
  /** For `cidr` peers, parsed once. */
  readonly cidr?: Cidr;
}

export interface CompiledContainer {
  readonly name: string;
  readonly charter: ContainerCharter;
  /** Process rules by absolute path (the rule's path and every path it is invoked as). */
  readonly execByPath: ReadonlyMap<string, ProcessRule>;
  /** Process rules by basename, for rules written without a path (no image read) and for events without one. */
  readonly execByName: ReadonlyMap<string, ProcessRule>;
  /** Process rules by the sha256 of their file. */
  readonly execBySha: ReadonlyMap<string, ProcessRule>;
  /** `tcp/8080` → the listening rule. */
  readonly listen: ReadonlyMap<string, PortRule>;
  readonly ingress: readonly PeerRule[];
  readonly egress: readonly CompiledPeer[];
  /** Writable paths, longest first (the most specific rule answers). */
  readonly writable: readonly WritablePath[];
  /** Set when the root file system is writable: every path is, by this flag's sources. */
  readonly writableRoot?: readonly Source[];
  readonly capabilities: ReadonlyMap<string, readonly Source[]>;
  readonly syscalls: ReadonlyMap<string, readonly Source[]>;
  /** True when nothing declares any network use. */
  readonly noNetwork: boolean;
  readonly hostNetwork: boolean;
}

export interface CompiledCharter {
  readonly charter: Charter;
  readonly containers: ReadonlyMap<string, CompiledContainer>;
}

function compileContainer(charter: Charter, c: ContainerCharter): CompiledContainer {
  const execByPath = new Map<string, ProcessRule>();
  const execByName = new Map<string, ProcessRule>();
  const execBySha = new Map<string, ProcessRule>();
  for (const p of c.processes) {
    for (const path of [p.path, ...(p.invokedAs ?? [])]) {
      if (path.startsWith('/')) {
        if (!execByPath.has(path)) execByPath.set(path, p);
      }
      const name = basename(path);
      if (!execByName.has(name)) execByName.set(name, p);
    }
    if (p.sha256 !== undefined && !execBySha.has(p.sha256)) execBySha.set(p.sha256, p);
  }
  const listen = new Map<string, PortRule>();
  for (const l of c.network.listen) listen.set(`${l.protocol}/${l.port}`, l);
  const egress = c.network.egress.map((rule): CompiledPeer => {
    const cidr = rule.peer.kind === 'cidr' ? parseCidr(rule.peer.cidr) : undefined;
    return cidr ? { rule, cidr } : { rule };
  });
  const writable = [...c.filesystem.writable].filter((w) => w.readOnly !== true).sort((a, b) => b.path.length - a.path.length);
  const syscalls = new Map<string, readonly Source[]>();
  for (const rules of Object.values(containerSyscalls(charter, c))) for (const r of rules) syscalls.set(r.name, r.sources);
  const out: CompiledContainer = {
    name: c.name,
    charter: c,
    execByPath,
    execByName,
    execBySha,
    listen,
    ingress: c.network.ingress,
    egress,
    writable,
    capabilities: new Map(c.capabilities.map((r) => [r.name, r.sources])),
    syscalls,
    noNetwork: c.network.none,
    hostNetwork: c.privileges.hostNetwork?.value === true,
  };
  return c.filesystem.readOnlyRoot.value ? out : { ...out, writableRoot: c.filesystem.readOnlyRoot.sources };
}

/** Compiled charters, once per loaded profile: an agent's engines for many containers share one. */
const compiled = new WeakMap<Charter, CompiledCharter>();

export function compileCharter(charter: Charter): CompiledCharter {
  let c = compiled.get(charter);
  if (!c) {
    c = { charter, containers: new Map(charter.containers.map((x) => [x.name, compileContainer(charter, x)])) };
    compiled.set(charter, c);
  }
  return c;
}
