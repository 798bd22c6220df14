/**
 * `charter agent`: the host daemon that watches running containers against their charters.
 *
 *   podman (starts, stops) ──▶ match to a charter container ──▶ sensor: attach, allow set, enforcement
 *   sensor events ──▶ enriched with the container ──▶ engine.judge ──▶ alert records ──▶ spool ──▶ alerts file
 *
 * The parts each live in their own module: podman.ts (the runtime), profiles.ts (engines and
 * matching), sensor-policy.ts (a charter compiled for the sensor), sensor-ops.ts (what is asked of
 * the sensor), response.ts and respond.ts (the ladder), spool.ts (durable, ordered alerts). This module wires them and keeps the state
 * `charter status` shows.
 *
 * A deviation goes through the response ladder (response.ts chooses, respond.ts acts): in protect
 * mode the kernel's own refusal is recorded, and what the kernel could not refuse is stopped after
 * the fact (a kill), unless the container's limits say that kind is only alerted there. What the
 * record says is what happened: `block` when a step that stops the activity worked, `alert`
 * otherwise. A connect the sensor refused although the charter allows it is recorded too:
 * enforcement must never be stricter than the charter unseen.
 */
import type { Charter } from '../../model/charter.js';
import type { RuntimeEvent } from '../../model/events.js';
import { UserError, errorMessage } from '../../model/errors.js';
import type { Mode, Verdict } from '../../model/verdicts.js';
import { SensorError, startSensor, type Sensor } from '../sensor/sensor-process.js';
import { Podman, cgroupDirOf, type EventFollower } from './podman.js';
import type { ContainerEvent, RuntimeInspection } from './podman-json.js';
import { matchRunning, openProfiles, slotOf, type Binding, type ProfileSlot } from './profiles.js';
import {
  abilitiesOf,
  applyPolicy,
  appliedLimits,
  capabilities,
  nothingApplied,
  sensorOps,
  type AppliedPolicy,
  type SensorOps,
} from './sensor-ops.js';
import { sensorPolicy, type SensorAbilities, type SensorPolicy } from './sensor-policy.js';
import { chooseResponse, factsOf } from './response.js';
import { addDriftEvidence } from './drift-evidence.js';
import { LossTally } from './loss-tally.js';
import type { ResponsePolicy } from './response-policy.js';
import { podmanActuators, respond, type Actuators } from './respond.js';
import { Spool, type AlertDraft } from './spool.js';
import type { AgentControl, AgentStatus, AlertRecord, ResponseAction, RunningContainer, WatchedContainer } from './types.js';

/** The state directory when none is given. */
export const DEFAULT_STATE_DIR = '/var/lib/charter/agent';
/** How often the agent notes in its store that it is watching: a gap after a crash is known to within this. */
export const HEARTBEAT_MS = 5_000;
/** Sensor losses are reported at most once per this window (a full ring buffer changes its count per event). */
const DROPS_WINDOW_MS = 1_000;
/** Sensor restart delays: quick at first, then at most half a minute. */
const SENSOR_BACKOFF_FIRST_MS = 500;
const SENSOR_BACKOFF_MAX_MS = 30_000;

/** Something the agent runs beside itself (the control socket, the metrics endpoint), given its control. */
export type AgentService = (control: AgentControl) => Promise<{ close(): Promise<void> }>;

export interface AgentOptions {
  /** charter/v1 profile files, one application each. */
  readonly profiles: readonly string[];
  /** The mode every container starts in. */
  readonly mode: Mode;
  readonly alertsFile: string;
  readonly stateDir?: string;
  /** Watch only containers with these labels (`key=value`). */
  readonly labels?: readonly string[];
  /** The sensor loader (default: the build's). */
  readonly sensorBinary?: string;
  readonly podmanBinary?: string;
  readonly services?: readonly AgentService[];
  /** Raises the response ladder's steps in protect mode (response-policy.ts); the default ladder when absent. */
  readonly responsePolicy?: ResponsePolicy;
  /** How the ladder acts (kill, pause, stop); podman's and /proc's when absent. */
  readonly actuators?: Actuators;
  readonly heartbeatMs?: number;
  /** The clock (tests). */
  readonly now?: () => Date;
  /**
   * Derives a charter from a running container's image when no profile describes it (the CLI's
   * `--derive`: the image reader of the pipeline, which sits above the runtime). Until it answers,
   * and when it fails, the container is monitored.
   */
  readonly derive?: (rc: RunningContainer) => Promise<Charter>;
}

export interface AgentIo {
  /** A line for the operator (stdout): what the agent is doing. */
  info(line: string): void;
  /** Something went wrong and was handled (stderr). */
  warn(line: string): void;
  /** The records of one commit, in order, once committed (one call a batch: a flood costs one write, not one per record). */
  onRecords?(records: readonly AlertRecord[]): void;
}

export interface RunningAgent extends AgentControl {
  /** Detaches the sensor, writes what is pending, closes the store. */
  stop(): Promise<void>;
  /** Rejects when the agent cannot go on (its store failed); never resolves otherwise. */
  readonly failed: Promise<never>;
  /** What was found at start: containers watched, and the store's reconciliation. */
  readonly started: { readonly containers: number; readonly appended: number; readonly cut: number };
}

interface Watched {
  readonly rc: RunningContainer;
  readonly cgroup: string;
  /** The container as its events name it, made once: every event of the container shares it (none changes it). */
  ref?: RuntimeEvent['container'];
  /** Set at start, or later when a charter is derived from its image. */
  binding?: Binding;
  mode: Mode;
  policy: SensorPolicy | undefined;
  applied: AppliedPolicy;
  attached: boolean;
  events: number;
  alerts: number;
  blocked: number;
}

/** Starts the agent: profiles, store, sensor, podman; resolves once every running container is attached. */
export async function runAgent(opts: AgentOptions, io: AgentIo): Promise<RunningAgent> {
  const slots = await openProfiles(opts.profiles, opts.mode);
  const podman = new Podman({
    ...(opts.podmanBinary !== undefined ? { binary: opts.podmanBinary } : {}),
    ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
    warn: io.warn,
  });
  // Podman first: without it nothing is watched, and the state directory is not created for nothing.
  await podman.run(['version', '--format', '{{.Client.Version}}']);
  const spool = Spool.open({ stateDir: opts.stateDir ?? DEFAULT_STATE_DIR, alertsFile: opts.alertsFile });
  const agent = new Agent(opts, io, slots, podman, spool);
  try {
    await agent.start();
  } catch (err) {
    await agent.stop();
    throw err;
  }
  return agent;
}

class Agent implements RunningAgent {
  private readonly now: () => Date;
  private readonly startedAt: Date;
  private readonly watched = new Map<string, Watched>();
  /** Charters derived from images, by image id: containers of one image share one (`--derive`). */
  private readonly derived = new Map<string, Promise<ProfileSlot | Error>>();
  /** Per container id, the chain of its start and stop handling: one at a time, in order. */
  private readonly queues = new Map<string, Promise<void>>();
  /** The chain of start events' inspects (inspectInOrder). */
  private inspecting: Promise<unknown> = Promise.resolve();
  private readonly eventsByKind: Record<string, number> = {};
  private sensor: SensorOps | undefined;
  /** Until the sensor is up: nothing. */
  private abilities: SensorAbilities = abilitiesOf(new Set());
  private readonly actuators: Actuators;
  private sensorRestarts = 0;
  private sensorDownSince: Date | undefined;
  private sensorDelay = SENSOR_BACKOFF_FIRST_MS;
  private sensorTimer: NodeJS.Timeout | undefined;
  /** Events the loader lost (its ring buffer was full). */
  private readonly drops = new LossTally<'events'>(
    (lost, totals) => `the sensor lost ${lost.get('events')} events (its ring buffer was full); ${totals.get('events')} since it started`,
  );
  /** Seccomp refusals the loader could not report: audit socket overflows, and records whose process was gone. */
  private readonly auditLoss = new LossTally<'lost' | 'gone'>((lost) => {
    const parts = [
      ...(lost.has('lost') ? [`${lost.get('lost')} found its audit socket full`] : []),
      ...(lost.has('gone') ? [`${lost.get('gone')} came from processes gone before they could be attributed to a container`] : []),
    ];
    return `the sensor lost seccomp refusals: ${parts.join('; ')}`;
  });
  private follower: EventFollower | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private services: { close(): Promise<void> }[] = [];
  private pending: AlertDraft[] = [];
  private flushScheduled = false;
  private responses: Promise<void> = Promise.resolve();
  private alertCount = 0;
  private stopping = false;
  /** Set once the store is closed: nothing is recorded after it. */
  private closed = false;
  private fail!: (e: Error) => void;
  readonly failed: Promise<never>;
  started = { containers: 0, appended: 0, cut: 0 };

  constructor(
    private readonly opts: AgentOptions,
    private readonly io: AgentIo,
    private readonly slots: readonly ProfileSlot[],
    private readonly podman: Podman,
    private readonly spool: Spool,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.startedAt = this.now();
    this.actuators = opts.actuators ?? podmanActuators({ podman });
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    // A rejection nobody awaits yet must not end the process: the CLI awaits it.
    this.failed.catch(() => undefined);
  }

  async start(): Promise<void> {
    const r = this.spool.reconciled;
    this.started = { containers: 0, appended: r.appended, cut: r.cut };
    if (r.cut > 0) this.io.warn(`the alerts file ended in a line written in part (${r.cut} bytes): cut off`);
    if (r.appended > 0) this.io.warn(`${r.appended} stored alerts were missing from the alerts file: appended`);
    const last = this.spool.lastHeartbeat();
    const now = this.now().toISOString();
    if (last !== undefined) this.record({ at: now, type: 'gap', message: `the agent was not watching from ${last} to ${now}` });
    this.spool.heartbeat(now);
    this.flush();

    await this.startSensor();
    // Events first, then the listing: a container started in between is in one or the other (or both: attaching is idempotent).
    this.follower = this.podman.follow({ onEvent: (e) => this.onContainerEvent(e), onResync: () => void this.resync() }, this.now());
    await this.resync(true);
    this.started.containers = this.watched.size;
    const every = this.opts.heartbeatMs ?? HEARTBEAT_MS;
    this.heartbeat = setInterval(() => this.guard(() => this.spool.heartbeat(this.now().toISOString())), every);
    for (const s of this.opts.services ?? []) this.services.push(await s(this));
  }

  // ---- the sensor ----------------------------------------------------------------------------

  private async startSensor(): Promise<void> {
    let sensor: Sensor;
    try {
      sensor = await startSensor({
        ...(this.opts.sensorBinary !== undefined ? { binary: this.opts.sensorBinary } : {}),
        onEvent: (e) => this.guard(() => this.onSensorEvent(e)),
        onDrops: (total) => this.onDrops(total),
        // The first layer's refusals (ptrace, mount, a set-id chmod …) as events, when the container's
        // seccomp profile logs them (charter emit --seccomp-log).
        seccompAudit: true,
        onSeccompAudit: (error) => {
          if (error !== undefined) this.io.warn(`the sensor cannot see seccomp refusals (${error}): they are not reported`);
        },
        onAuditLoss: (what, total) => this.onAuditLoss(what, total),
        onSkip: (why, line) => this.io.warn(`sensor line skipped (${why}): ${line.slice(0, 120)}`),
        onExit: (e) => this.onSensorExit(e),
      });
    } catch (err) {
      if (err instanceof SensorError)
        throw new UserError(
          `${err.message} (the sensor is built by scripts/setup-system.sh and needs root)`,
          undefined,
          undefined,
          undefined,
          { cause: err },
        );
      throw err;
    }
    this.sensor = sensorOps(sensor);
    this.abilities = abilitiesOf(capabilities(this.sensor));
    this.drops.restart();
    this.auditLoss.restart();
  }

  private onSensorExit(e: SensorError): void {
    if (this.stopping) return;
    this.sensor = undefined;
    this.sensorDownSince ??= this.now();
    for (const w of this.watched.values()) {
      w.attached = false;
      w.applied = nothingApplied();
    }
    this.io.warn(`${e.message.slice(0, 300)}; starting it again in ${this.sensorDelay} ms`);
    this.sensorTimer = setTimeout(() => void this.restartSensor(), this.sensorDelay);
    this.sensorDelay = Math.min(this.sensorDelay * 2, SENSOR_BACKOFF_MAX_MS);
  }

  private async restartSensor(): Promise<void> {
    this.sensorTimer = undefined;
    if (this.stopping) return;
    try {
      await this.startSensor();
    } catch (err) {
      this.onSensorExit(err instanceof SensorError ? err : new SensorError(errorMessage(err)));
      return;
    }
    this.sensorRestarts++;
    let attached = 0;
    for (const w of [...this.watched.values()]) if (await this.attach(w)) attached++;
    const from = this.sensorDownSince ?? this.now();
    this.sensorDownSince = undefined;
    this.sensorDelay = SENSOR_BACKOFF_FIRST_MS;
    const to = this.now().toISOString();
    this.record({
      at: to,
      type: 'gap',
      message: `the sensor was not running from ${from.toISOString()} to ${to}; restarted, ${attached} containers attached again`,
    });
  }

  private onDrops(total: number): void {
    this.drops.update('events', total, DROPS_WINDOW_MS, (message) => this.recordDrops(message));
  }

  private onAuditLoss(what: 'lost' | 'gone', total: number): void {
    this.auditLoss.update(what, total, DROPS_WINDOW_MS, (message) => this.recordDrops(message));
  }

  private recordDrops(message: string): void {
    this.record({ at: this.now().toISOString(), type: 'drops', message });
  }

  // ---- containers ----------------------------------------------------------------------------

  /** Runs `work` for one container after whatever is already queued for it. */
  private enqueue(id: string, work: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(id) ?? Promise.resolve())
      .then(work)
      .catch((err: unknown) => this.io.warn(`container ${id.slice(0, 12)}: ${errorMessage(err)}`));
    this.queues.set(id, next);
    void next.then(() => {
      if (this.queues.get(id) === next) this.queues.delete(id);
    });
    return next;
  }

  /**
   * `podman inspect` of started containers one at a time, in the order they started: a service
   * started after its database must find the database watched (its address known) when its own
   * allow set is compiled. Inspected side by side, the later one was sometimes done first, and the
   * service's first connects to the database were refused until the database was attached.
   */
  private inspectInOrder(id: string): Promise<RuntimeInspection | undefined> {
    const next = this.inspecting.then(() => this.podman.inspectOne(id));
    this.inspecting = next.catch(() => undefined);
    return next;
  }

  private onContainerEvent(e: ContainerEvent): void {
    if (this.stopping) return;
    if (e.action === 'start') {
      if (this.watched.has(e.id)) return;
      void this.enqueue(e.id, async () => {
        if (this.watched.has(e.id) || this.stopping) return;
        const found = await this.inspectInOrder(e.id);
        if (found?.running === true) await this.watch(found);
      });
    } else void this.enqueue(e.id, () => this.unwatch(e.id));
  }

  /**
   * Lists the running containers: watches the new ones, lets go of the ones gone. At start a failure
   * is the agent's (it throws); later, after the event stream was restarted, it is said and the
   * next restart lists again.
   */
  private async resync(initial = false): Promise<void> {
    let running: RuntimeInspection[];
    try {
      running = await this.podman.listRunning();
    } catch (err) {
      if (initial) throw err;
      this.io.warn(`listing containers failed: ${errorMessage(err)}`);
      return;
    }
    const ids = new Set(running.map((r) => r.container.id));
    await Promise.all([
      ...running
        .filter((r) => r.running && !this.watched.has(r.container.id))
        .map((r) => this.enqueue(r.container.id, () => this.watch(r))),
      ...[...this.watched.keys()].filter((id) => !ids.has(id)).map((id) => this.enqueue(id, () => this.unwatch(id))),
    ]);
  }

  private async watch(found: RuntimeInspection): Promise<void> {
    const rc = found.container;
    if (this.watched.has(rc.id) || this.stopping) return;
    const cgroup = cgroupDirOf(found);
    if (cgroup === undefined) {
      this.record({
        at: this.now().toISOString(),
        type: 'gap',
        containerId: rc.id,
        container: rc.name,
        message: `${rc.name}: its cgroup directory was not found, so the sensor cannot watch it`,
      });
      return;
    }
    const m = matchRunning(rc, this.slots);
    if (m.note !== undefined)
      this.record({ at: this.now().toISOString(), type: 'profile', containerId: rc.id, container: rc.name, message: m.note });
    const w: Watched = {
      rc,
      cgroup,
      ...(m.binding ? { binding: m.binding } : {}),
      mode: m.binding ? this.opts.mode : 'monitor',
      policy: undefined,
      applied: nothingApplied(),
      attached: false,
      events: 0,
      alerts: 0,
      blocked: 0,
    };
    if (m.binding) {
      m.binding.slot.engine.matcher.bind(rc.id, m.binding.match);
      m.binding.slot.book.set(rc.addresses ?? [], m.binding.match.name, [rc.name]);
    }
    this.watched.set(rc.id, w);
    // A new peer's addresses widen its peers' allow sets first: a few allow entries, where attaching
    // this container (its guard, its programs) takes longer, and its peers may be calling it already.
    if (m.binding) await this.refreshPeers(m.binding.slot, w);
    await this.attach(w);
    this.io.info(
      `watching ${rc.name} (${rc.id.slice(0, 12)})${m.binding ? ` as ${m.binding.match.name} of ${m.binding.slot.file} (by ${m.binding.match.by})` : ', no profile'} in ${w.mode} mode${w.attached ? '' : ', not attached yet'}`,
    );
    if (!m.binding && this.opts.derive) void this.enqueue(rc.id, () => this.deriveFor(w));
  }

  /**
   * A charter derived from the container's image (once per image: its containers share it), bound
   * as if a profile had named it; the container then goes to the agent's mode. Said in a `profile`
   * record either way: what was derived, or why it could not be and the container stays monitored.
   */
  private async deriveFor(w: Watched): Promise<void> {
    const derive = this.opts.derive;
    if (!derive || w.binding || this.stopping) return;
    const rc = w.rc;
    const key = rc.imageId ?? rc.image;
    let pending = this.derived.get(key);
    if (!pending) {
      pending = derive(rc).then(
        (charter) => slotOf(charter, `derived from image ${rc.image}`, this.opts.mode),
        (err: unknown) => new Error(errorMessage(err)),
      );
      this.derived.set(key, pending);
    }
    const slot = await pending;
    if (this.watched.get(rc.id) !== w || this.stopping) return;
    const at = this.now().toISOString();
    const only = slot instanceof Error ? undefined : slot.charter.containers[0];
    if (slot instanceof Error || !only || slot.charter.containers.length !== 1) {
      const why = slot instanceof Error ? slot.message : `its image gave ${slot.charter.containers.length} containers, not one`;
      this.record({
        at,
        type: 'profile',
        containerId: rc.id,
        container: rc.name,
        message: `${rc.name}: no charter could be derived from image ${rc.image} (${why}); monitored only`,
      });
      return;
    }
    const binding: Binding = { slot, match: { name: only.name, by: 'image' } };
    w.binding = binding;
    w.mode = this.opts.mode;
    slot.engine.matcher.bind(rc.id, binding.match);
    slot.book.set(rc.addresses ?? [], only.name, [rc.name]);
    await this.applyPolicyOf(w);
    this.record({
      at,
      type: 'profile',
      containerId: rc.id,
      container: rc.name,
      message: `${rc.name}: charter derived from image ${rc.image} (${only.processes.length} programs, ${only.network.listen.length} ports, egress ${only.network.egressIntent?.state ?? 'unknown'}); now in ${w.mode} mode`,
    });
    this.io.info(`derived a charter for ${rc.name} from image ${rc.image}; now in ${w.mode} mode`);
  }

  /** Attaches the container's cgroup and sends its policy; false when the sensor is down or refused. */
  private async attach(w: Watched): Promise<boolean> {
    const ops = this.sensor;
    if (!ops) return false;
    try {
      await ops.attach(w.cgroup, w.rc.id);
      w.attached = true;
      await this.applyPolicyOf(w);
      return true;
    } catch (err) {
      this.io.warn(`attaching ${w.rc.name}: ${errorMessage(err)}`);
      return false;
    }
  }

  private policyOf(w: Watched): SensorPolicy | undefined {
    const b = w.binding;
    if (!b) return undefined;
    const container = b.slot.engine.compiled.containers.get(b.match.name);
    if (!container) return undefined;
    const peers = new Map<string, string[]>();
    for (const o of this.watched.values()) {
      if (o.binding?.slot !== b.slot) continue;
      const list = peers.get(o.binding.match.name) ?? [];
      list.push(...(o.rc.addresses ?? []));
      peers.set(o.binding.match.name, list);
    }
    return sensorPolicy({ compiled: b.slot.engine.compiled, container, mode: w.mode, peers, abilities: this.abilities });
  }

  private async applyPolicyOf(w: Watched): Promise<void> {
    const ops = this.sensor;
    w.policy = this.policyOf(w);
    if (!ops || !w.attached || !w.policy) return;
    await applyPolicy(ops, w.cgroup, w.rc.pid, w.policy, w.applied);
  }

  private async refreshPeers(slot: ProfileSlot, changed: Watched): Promise<void> {
    for (const o of this.watched.values()) {
      if (o === changed || o.binding?.slot !== slot) continue;
      await this.applyPolicyOf(o).catch((err: unknown) => this.io.warn(`updating ${o.rc.name}'s allow set: ${errorMessage(err)}`));
    }
  }

  private async unwatch(id: string): Promise<void> {
    const w = this.watched.get(id);
    if (!w) return;
    this.watched.delete(id);
    if (w.binding) {
      w.binding.slot.engine.matcher.unbind(id);
      w.binding.slot.engine.setRuntimeMode(id, undefined);
      w.binding.slot.book.delete(w.rc.addresses ?? []);
    }
    // The cgroup may already be gone with the container: the loader then refuses, which is fine.
    if (this.sensor && w.attached) await this.sensor.detach(w.cgroup).catch(() => undefined);
    this.io.info(`detached ${w.rc.name} (${id.slice(0, 12)}): ${w.events} events, ${w.alerts} alerts`);
  }

  /**
   * The ladder's actuators for one container: podman's (kill, pause, stop) and, through the sensor
   * the agent owns, `block-peer` (its connect hook refuses that peer in any mode from now on).
   */
  private actuatorsFor(w: Watched): Actuators {
    if (this.actuators.blockPeer) return this.actuators;
    const sensor = this.sensor;
    if (!sensor?.block || !w.attached) return this.actuators;
    const block = sensor.block.bind(sensor);
    return { ...this.actuators, blockPeer: (_id, address, port) => block(w.cgroup, address, port) };
  }

  // ---- events --------------------------------------------------------------------------------

  private onSensorEvent(e: RuntimeEvent): void {
    const w = this.watched.get(e.container.id);
    if (!w) return;
    // The sensor knows the container by id only: the engine matches and explains by name, image and labels.
    const rc = w.rc;
    e.container = w.ref ??= {
      id: rc.id,
      runtime: 'podman',
      name: rc.name,
      ...(rc.image !== '' ? { image: rc.image } : {}),
      ...(rc.imageDigest !== undefined ? { imageDigest: rc.imageDigest } : {}),
      ...(Object.keys(rc.labels).length > 0 ? { labels: { ...rc.labels } } : {}),
    };
    w.events++;
    this.eventsByKind[e.kind] = (this.eventsByKind[e.kind] ?? 0) + 1;
    if (!w.binding) return;
    // A refused exec comes with a path alone; the writable layer says whether it was dropped there,
    // and a written file at a path the charter pins by sha256 is hashed so the change shows both.
    const b = w.binding;
    addDriftEvidence(
      e,
      rc.upperDir,
      (path) => b.slot.engine.compiled.containers.get(b.match.name)?.execByPath.get(path)?.sha256 !== undefined,
    );
    const out = w.binding.slot.engine.judge(e);
    if (!('verdict' in out)) return;
    const v = out.verdict;
    const facts = factsOf(e);
    if (v.action === 'allow' || v.action === 'learn') {
      if (facts.denied !== true) return;
      // Enforcement stricter than the charter must not go unseen.
      const narrower = this.limits(w).find((l) => l.startsWith('loopback')) ?? "the sensor's allow set is narrower here";
      this.deviation(
        w,
        { ...v, action: 'block' },
        Promise.resolve([{ step: 'deny', rule: 'sensor allow set', target: targetOf(e, rc), ok: true }]),
        {
          message: `the sensor refused what the charter allows (${v.allowed?.rule ?? v.action}): ${narrower}`,
        },
      );
      return;
    }
    // The ladder (response.ts) chooses the steps from the verdict and what the kernel did; a kind this
    // container's sensor does not enforce is only alerted, with the reason.
    const limited = v.mode === 'protect' ? this.limitFor(w, e.kind) : undefined;
    const first = rc.pid > 0 && facts.pid === rc.pid ? { firstProcess: true } : {};
    const decision = chooseResponse(v, this.opts.responsePolicy, { ...facts, ...first, ...(limited !== undefined ? { limited } : {}) });
    const actions = respond(decision, { containerId: rc.id, ...facts, ...(rc.pid > 0 ? { mainPid: rc.pid } : {}) }, this.actuatorsFor(w));
    this.deviation(w, v, actions);
  }

  private limits(w: Watched): readonly string[] {
    return w.policy?.limits ?? [];
  }

  /** Why the sensor does not refuse this kind of event in this container although it is in protect mode, or undefined. */
  private limitFor(w: Watched, kind: string): string | undefined {
    // A connect or send outside the allow set is refused in the kernel when connects are enforced; a
    // connect it let through (a widened rule) is the ladder's. Without enforcement: alerted only.
    if ((kind === 'connect' || kind === 'send') && w.policy?.connect.enforce !== true)
      return this.limits(w).find((l) => l.includes('connects are alerted')) ?? 'connects are not refused here';
    return undefined;
  }

  /**
   * Records a deviation once its response is done. Records keep the order of their events: each
   * waits for the one before it. What the record says is what happened: `block` when a step that
   * stops the activity worked (the kernel's refusal, a kill), `alert` otherwise.
   */
  private deviation(w: Watched, verdict: Verdict, actions: Promise<readonly ResponseAction[]>, extra: { message?: string } = {}): void {
    w.alerts++;
    this.responses = this.responses.then(async () => {
      const done = await actions;
      const stopped = done.some((a) => a.step !== 'alert' && a.ok);
      if (stopped) w.blocked++;
      const action = stopped ? 'block' : verdict.action === 'block' ? 'alert' : verdict.action;
      this.record({
        at: this.now().toISOString(),
        type: 'deviation',
        containerId: w.rc.id,
        container: w.rc.name,
        verdict: action === verdict.action ? verdict : { ...verdict, action },
        ...(done.length > 0 ? { actions: done } : {}),
        ...(extra.message !== undefined ? { message: extra.message } : {}),
      });
    });
  }

  // ---- records -------------------------------------------------------------------------------

  /** Queues a record; records of one turn of the event loop are committed in one transaction. */
  private record(d: AlertDraft): void {
    if (this.closed) return;
    this.pending.push(d);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.guard(() => this.flush()));
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    // `at` is when the record is committed: now, for every record of the batch.
    const at = this.now().toISOString();
    const committed = this.spool.commit(this.pending.splice(0).map((d) => ({ ...d, at })));
    if (this.spool.fileError !== undefined)
      this.io.warn(`the alerts file could not be written (${this.spool.fileError}); the alerts are kept in the store`);
    this.alertCount += committed.length;
    if (committed.length > 0) this.io.onRecords?.(committed);
  }

  /** Runs agent work whose failure means the agent cannot go on (the store). */
  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  // ---- control -------------------------------------------------------------------------------

  status(): AgentStatus {
    return {
      startedAt: this.startedAt.toISOString(),
      containers: [...this.watched.values()].map((w) => this.describe(w)).sort((a, b) => a.name.localeCompare(b.name)),
      sensor: {
        running: this.sensor !== undefined,
        restarts: this.sensorRestarts,
        drops: this.drops.sum + this.auditLoss.sum,
      },
      alerts: this.alertCount,
      events: { ...this.eventsByKind },
    };
  }

  private describe(w: Watched): WatchedContainer {
    const limits = w.binding
      ? [...(w.policy?.limits ?? []), ...(w.policy ? appliedLimits(w.policy, w.applied) : [])]
      : ['no profile matches it: monitor only, events counted, not judged'];
    if (!w.attached) limits.push('the sensor is not attached to it (the sensor is restarting)');
    return {
      id: w.rc.id,
      name: w.rc.name,
      image: w.rc.image,
      ...(w.binding ? { charter: { container: w.binding.match.name, profile: w.binding.slot.file, by: w.binding.match.by } } : {}),
      mode: w.mode,
      limits,
      events: w.events,
      alerts: w.alerts,
      blocked: w.blocked,
    };
  }

  async setMode(container: string, mode: Mode): Promise<WatchedContainer> {
    const all = [...this.watched.values()];
    // A prefix of 12 or more hex digits is podman's short id; shorter ones are too easily ambiguous.
    const byPrefix = container.length >= 12 ? all.filter((x) => x.rc.id.startsWith(container)) : [];
    const w = this.watched.get(container) ?? all.find((x) => x.rc.name === container) ?? (byPrefix.length === 1 ? byPrefix[0] : undefined);
    if (!w) throw new UserError(`no watched container is ${container} (by id, short id or name)`);
    if (!w.binding && mode !== 'monitor') throw new UserError(`${w.rc.name} matches no profile: it can only be monitored`);
    w.mode = mode;
    if (w.binding) w.binding.slot.engine.setRuntimeMode(w.rc.id, mode);
    await this.enqueue(w.rc.id, () => this.applyPolicyOf(w));
    return this.describe(w);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.sensorTimer) clearTimeout(this.sensorTimer);
    this.drops.stop();
    this.auditLoss.stop();
    for (const s of this.services.splice(0))
      await s.close().catch((err: unknown) => this.io.warn(`stopping a service: ${errorMessage(err)}`));
    await this.follower?.stop();
    await Promise.allSettled([...this.queues.values()]);
    await this.responses;
    // Closing the loader's stdin detaches every container at once.
    const sensor = this.sensor;
    this.sensor = undefined;
    await sensor?.close().catch(() => undefined);
    // Losses not yet reported are said now, not lost with the timer.
    for (const tally of [this.drops, this.auditLoss]) {
      const message = tally.take();
      if (message !== undefined) this.pending.push({ at: this.now().toISOString(), type: 'drops', message });
    }
    try {
      this.flush();
      this.spool.heartbeat(this.now().toISOString());
    } finally {
      this.closed = true;
      this.spool.close();
    }
  }
}

/** What a deviation's response acted on: the peer of a connect, the process of anything else. */
function targetOf(e: RuntimeEvent, rc: RunningContainer): string {
  if ((e.kind === 'connect' || e.kind === 'send') && e.remote) return `${e.remote.address}:${e.remote.port ?? '?'}`;
  if (e.process.pid !== undefined) return `pid ${e.process.pid}${e.process.path !== undefined ? ` (${e.process.path})` : ''}`;
  return rc.id;
}
