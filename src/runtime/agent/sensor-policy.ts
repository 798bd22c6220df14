/**
 * A container's charter compiled into what the kernel sensor holds for it: the (address, port)
 * pairs it may connect to, the files it may execute, the files and directories guarded, and
 * whether each is enforced. Pure: the compiled charter, the mode, the peers' addresses and the
 * sensor's optional ops in, the policy out.
 *
 * One rule shapes it: the sensor must never refuse what the charter allows. Where the sensor cannot
 * hold a rule exactly (it keeps addresses, not ranges or names; ports, not "any port") the entry is
 * widened and the widening is said in `limits`; where it cannot hold it at all, that kind is not
 * enforced, and `limits` says why. In protect mode a container's connects are refused only when
 * its charter says its egress is complete: an `unknown` intent means the egress list is a floor.
 */
import type { ProcessRule } from '../../model/charter.js';
import type { Mode } from '../../model/verdicts.js';
import { parseCidr } from '../../util/ip.js';
import { compareStrings } from '../../util/sort.js';
import type { CompiledCharter, CompiledContainer } from '../engine/compile.js';

const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** A connect the sensor lets through: to `port` on `address`, or on any address when it is absent. */
export interface EgressAllowance {
  readonly port: number;
  readonly address?: string;
}

/**
 * A file the container may execute; for a multi-call binary, only as these applets, `binary` being
 * its own name (the basename of its rule's path, under which the first argument names the applet:
 * appletOf in profile/multi-call.ts). The guard allows files; the applet is judged by the engine,
 * and at exec by the kernel when it kills applets.
 */
export interface ExecAllowance {
  readonly path: string;
  readonly applets?: readonly string[];
  readonly binary?: string;
}

export interface SensorPolicy {
  /** `enforce` refuses connects and sends outside `allow`, and raw sockets unless `raw`. */
  readonly connect: { readonly allow: readonly EgressAllowance[]; readonly enforce: boolean };
  /**
   * `enforce`: refuse execs of files not in `allow`; `killDrift`: kill written or in-memory programs
   * as they start; `killApplets`: kill a multi-call file of `allow` run as an applet it does not list,
   * as it starts.
   */
  readonly exec: {
    readonly allow: readonly ExecAllowance[];
    readonly enforce: boolean;
    readonly killDrift: boolean;
    readonly killApplets: boolean;
  };
  /**
   * Opens of `guardFiles` and writes below `guardDirs` are reported (and refused when `enforce`);
   * reads of `passReads` stay in the kernel, and a write to one is reported as it happens.
   */
  readonly files: {
    readonly guardFiles: readonly string[];
    readonly guardDirs: readonly string[];
    readonly passReads: readonly string[];
    /** Files of the image's file system written are reported as they are closed (guard-writes). */
    readonly writes: boolean;
    readonly enforce: boolean;
  };
  /** Report the container's execs and opens (the `guard` op): asked whenever the sensor can. */
  readonly guard: boolean;
  /** The charter declares CAP_NET_RAW: raw and ping sockets are its own, also under enforcement. */
  readonly raw: boolean;
  /** Why the sensor enforces less than the mode asks, or holds a wider rule than the charter: one sentence each. */
  readonly limits: readonly string[];
}

/** What this sensor can do beyond connects (sensor-ops.ts finds it out from the ops it has). */
export interface SensorAbilities {
  /** An exec of a file not allowed can be refused (allow-exec, exec-enforce). */
  readonly refuseExec: boolean;
  /**
   * Drift can be killed in the kernel before its first instruction (exec-kill: a file written after
   * start or run from memory), while connects are enforced: the loader's `enforce` is its one
   * switch between observing and acting.
   */
  readonly killDrift: boolean;
  /**
   * A multi-call file run as an applet the charter does not list can be killed in the kernel before
   * its first instruction (allow-applet, applet-kill), in any mode.
   */
  readonly killApplets: boolean;
  /** Guarded files can be refused (guard-file, files-enforce). */
  readonly files: boolean;
  /** Writes into guarded directories can be reported and refused without refusing the execs of programs there (guard-dir). */
  readonly dirs: boolean;
  /** Files written on the container's root mount can be reported as they are closed (guard-writes). */
  readonly writes: boolean;
  /** Execs and opens are reported per container (guard). */
  readonly guard: boolean;
}

export interface PolicyInput {
  readonly compiled: CompiledCharter;
  readonly container: CompiledContainer;
  readonly mode: Mode;
  /** Charter container name → the addresses its running containers have now. */
  readonly peers: ReadonlyMap<string, readonly string[]>;
  readonly abilities: SensorAbilities;
}

/** The resolver's port, allowed to every container on any address: names are resolved before any declared peer is reached. */
export const DNS_PORT = 53;

/**
 * Files whose reading is an attack whatever the charter says (knowledge/attack-patterns.json
 * `credential-files`, `service-account-token`; the test holds them to it). The guard marks files,
 * not directories: the token is the secret of its directory (`ca.crt` and `namespace` are not), and
 * /var/run is a link to /run on most images, so both spellings are sent; the loader resolves each
 * in the container, and one that is not there has nothing to protect.
 */
export const GUARDED_FILES = [
  '/etc/shadow',
  '/etc/gshadow',
  '/var/run/secrets/kubernetes.io/serviceaccount/token',
  '/run/secrets/kubernetes.io/serviceaccount/token',
] as const;

/**
 * Directories where a new or changed file is drift or an attack (`binary-directory-write`: the
 * binary directories; `dynamic-linker-hijack`: /etc, for /etc/ld.so.preload), unless the charter
 * declares the directory writable.
 */
export const GUARDED_DIRS = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/etc'] as const;

/**
 * Files in guarded directories that every exec of a dynamically linked program reads: glibc's
 * dynamic loader opens its cache before any library. An open in a guarded directory is judged in
 * user space (the loader reads the caller's system call), which cost about 145 µs an exec
 * (measured), so their reads pass in the kernel; a write to one is still reported, as it happens.
 */
export const EVERY_EXEC_READS = ['/etc/ld.so.cache'] as const;

const LOOPBACK = ['127.0.0.1', '::1'] as const;

export function sensorPolicy(input: PolicyInput): SensorPolicy {
  const { container: c, mode, abilities } = input;
  const protect = mode === 'protect';
  const limits: string[] = [];
  const connect = egressAllowances(input);
  const intent = c.charter.network.egressIntent?.state;
  const enforceConnect = protect && connect.expressible === undefined && intent === 'complete';
  if (protect) {
    if (intent !== 'complete')
      limits.push(
        intent === 'unknown'
          ? 'egress intent unknown: the charter lists a floor of its peers, so connects are alerted, not refused'
          : 'the profile does not say whether its egress is complete (written before egressIntent): connects are alerted, not refused',
      );
    else if (connect.expressible !== undefined) limits.push(`${connect.expressible}: connects are alerted, not refused`);
    if (enforceConnect) limits.push(...connect.notes);
  }

  const exec = execAllowances(c.charter.processes);
  let enforceExec = false;
  // What the kernel cannot refuse, the response ladder stops after the fact (it kills the process):
  // the limits say which of the two a container gets.
  if (protect) {
    if (!abilities.refuseExec) limits.push('this sensor cannot refuse an exec: a program not allowed is killed after it started');
    else if (exec.unpathed.length > 0)
      limits.push(
        `process rules without a path (${exec.unpathed.slice(0, 3).join(', ')}${exec.unpathed.length > 3 ? ', …' : ''}; no image was read): execs are not refused, a program not allowed is killed after it started`,
      );
    else if (exec.allow.length === 0)
      limits.push('the charter declares no process: execs are not refused, a program not allowed is killed after it started');
    else enforceExec = true;
  }
  // The guard allows files; an applet the charter does not list is killed, by the kernel as it
  // starts when this sensor can, else by the ladder once it runs.
  const multi = exec.allow.find((e) => e.applets !== undefined);
  const killApplets = protect && abilities.killApplets && multi !== undefined;
  if (protect && multi !== undefined && (enforceExec || killApplets))
    limits.push(
      `${multi.path} is allowed as a file: an applet the charter does not list (${multi.applets!.join(', ')} are) is not refused, it is killed ${killApplets ? 'before its first instruction' : 'after it started'}`,
    );
  const killDrift = protect && abilities.killDrift && enforceConnect;
  if (protect && abilities.killDrift && !enforceConnect)
    limits.push(
      'drift (a program written after start or run from memory) is killed after it started, not at exec: the sensor kills at exec only while it enforces connects',
    );

  const writable = c.writable.map((w) => w.path.replace(/\/+$/, '') || '/');
  const unwritten = GUARDED_DIRS.filter(
    (d) => !writable.some((w) => w === d || w.startsWith(`${d}/`) || d.startsWith(`${w === '/' ? '' : w}/`)),
  );
  for (const d of GUARDED_DIRS)
    if (!unwritten.includes(d)) limits.push(`${d} is declared writable (or holds a writable path): writes below it are not guarded`);
  const guardDirs = abilities.dirs ? unwritten : [];
  if (!abilities.dirs && protect)
    limits.push(
      `writes into ${unwritten.join(', ')} are not guarded (the sensor cannot yet tell an exec of a program there from a write reliably); a program written there is ${enforceExec ? 'refused at exec' : 'killed after it started'}`,
    );
  // The image's file system is the charter's "read-only root": a write there outside the declared
  // writable paths is drift. The kernel cannot refuse it here without judging every open in user
  // space; it is seen as the file is closed, and the ladder acts on the writer.
  const watchWrites = abilities.writes && !writable.includes('/');
  if (protect && watchWrites)
    limits.push(
      "a write outside the declared writable paths is seen when its file is closed, not refused: the writer is killed (charter emit's --read-only refuses it)",
    );
  const enforceFiles = protect && abilities.files;
  if (protect && !enforceFiles)
    limits.push('this sensor cannot refuse a file open (no guard-file and files-enforce ops): guarded files are not protected');

  return {
    connect: { allow: connect.allow, enforce: enforceConnect },
    exec: { allow: exec.allow, enforce: enforceExec, killDrift, killApplets },
    files: {
      guardFiles: [...GUARDED_FILES],
      guardDirs,
      passReads: EVERY_EXEC_READS.filter((f) => guardDirs.some((d) => f.startsWith(`${d}/`))),
      writes: watchWrites,
      enforce: enforceFiles,
    },
    guard: abilities.guard,
    raw: c.capabilities.has('CAP_NET_RAW') || c.capabilities.has('NET_RAW'),
    limits,
  };
}

interface Egress {
  allow: EgressAllowance[];
  /** Set when a rule cannot be held by the sensor at all: why. */
  expressible?: string;
  /** Rules held other than declared (wider, or loopback narrower): one sentence each. */
  notes: string[];
}

function egressAllowances(input: PolicyInput): Egress {
  const { compiled, container: c, peers } = input;
  const entries = new Map<string, EgressAllowance>();
  const notes: string[] = [];
  let expressible: string | undefined;
  const add = (port: number, address?: string): void => {
    const e: EgressAllowance = address === undefined ? { port } : { port, address };
    entries.set(`${address ?? '*'}|${port}`, e);
  };
  const cannot = (why: string): void => {
    expressible ??= why;
  };
  add(DNS_PORT);
  // The engine lets every loopback connect through (it stays inside the container, or its pod); the
  // sensor holds ports, so the ports the application's containers listen on (a pod's sidecars are
  // in the same charter) are what it allows on loopback.
  const loopbackPorts = new Set([...compiled.containers.values()].flatMap((x) => [...x.listen.values()].map((l) => l.port)));
  for (const p of loopbackPorts) for (const a of LOOPBACK) add(p, a);
  const shown = [...loopbackPorts].sort((a, b) => a - b);
  notes.push(
    `loopback: allowed on the ports the application listens on${shown.length > 0 ? ` (${shown.slice(0, 8).join(', ')}${shown.length > 8 ? ', …' : ''})` : ''}, refused on others (the sensor holds ports; the engine alone allows all of loopback)`,
  );
  for (const { rule, cidr } of c.egress) {
    const peer = rule.peer;
    const port = rule.port;
    const what = `${peer.kind === 'container' ? `container ${peer.name}` : peer.kind === 'dns' ? peer.name : peer.kind === 'cidr' ? peer.cidr : 'any address'} ${rule.protocol}/${port ?? '*'}`;
    switch (peer.kind) {
      case 'any':
        if (port === undefined) cannot(`egress to ${what} is declared: nothing to refuse`);
        else add(port);
        break;
      case 'dns':
        if (peer.name === '@resolver') add(port ?? DNS_PORT);
        else if (port === undefined) cannot(`egress to ${what}: the sensor cannot allow a name, nor an address on every port`);
        else {
          add(port);
          notes.push(`${what}: allowed on any address (the sensor sees addresses, not names)`);
        }
        break;
      case 'cidr': {
        const width = cidr?.family === 6 ? 128 : 32;
        const single = cidr !== undefined && cidr.bits === width ? peer.cidr.split('/')[0] : undefined;
        if (port === undefined) cannot(`egress to ${what}: the sensor cannot allow an address on every port`);
        else if (single !== undefined && parseCidr(single) !== undefined) add(port, single);
        else {
          add(port);
          notes.push(`${what}: allowed on any address (the sensor holds addresses, not ranges)`);
        }
        break;
      }
      case 'container': {
        const target = compiled.containers.get(peer.name);
        const ports = port !== undefined ? [port] : [...(target?.listen.values() ?? [])].map((l) => l.port);
        if (ports.length === 0) {
          cannot(`egress to ${what}: ${peer.name} declares no listening port, and the sensor cannot allow every port`);
          break;
        }
        if (port === undefined) notes.push(`${what}: allowed on the ports ${peer.name} listens on (${ports.join(', ')})`);
        const addresses = peers.get(peer.name) ?? [];
        for (const a of addresses) for (const p of ports) add(p, a);
        break;
      }
    }
  }
  const allow = [...entries.values()]
    // An entry on any address holds the same port on every address.
    .filter((e) => e.address === undefined || !entries.has(`*|${e.port}`))
    .sort((a, b) => a.port - b.port || compareStrings(a.address ?? '', b.address ?? ''));
  return expressible !== undefined ? { allow, expressible, notes } : { allow, notes };
}

function execAllowances(rules: readonly ProcessRule[]): { allow: ExecAllowance[]; unpathed: string[] } {
  const byPath = new Map<string, ExecAllowance>();
  const unpathed: string[] = [];
  for (const r of rules) {
    for (const path of [r.path, ...(r.invokedAs ?? [])]) {
      if (!path.startsWith('/')) {
        if (path === r.path) unpathed.push(path);
        continue;
      }
      const prev = byPath.get(path);
      // Two rules for one file (an entrypoint and a healthcheck of busybox): the union of their applets,
      // and no applet list at all when either allows the file as itself.
      const applets =
        prev === undefined
          ? r.applets
          : prev.applets === undefined || r.applets === undefined
            ? undefined
            : [...new Set([...prev.applets, ...r.applets])].sort();
      const binary = prev?.binary ?? basename(r.path);
      byPath.set(path, applets === undefined ? { path } : { path, applets: [...applets].sort(), binary });
    }
  }
  return { allow: [...byPath.values()].sort((a, b) => compareStrings(a.path, b.path)), unpathed };
}
