/**
 * The response ladder: what the agent does about one verdict. Pure policy; the acting is
 * respond.ts.
 *
 * The default is the gentlest step that stops the activity, and nothing in monitor or learn mode:
 *
 * - monitor mode, and learn mode's `review`: `alert`. Monitor is the user's off switch for
 *   enforcement (`charter mode NAME monitor`), so no policy rule acts there either.
 * - protect mode, the kernel refused the operation itself (the sensor's connect hook, a seccomp
 *   denial, and exec deny when the sensor has it): `alert` + `deny`. The process lives on; its one
 *   call failed, as it would on a host where that call is not allowed.
 * - protect mode, the operation happened (the kernel could not refuse it: an exec the sensor
 *   cannot deny yet, a file written from memory or after start that already runs, a listen, a use
 *   of a privilege): `alert` + `kill` of that process: the gentlest step that still stops it.
 *   When the sensor already killed it in the kernel (`killed`), the kill is recorded, not repeated.
 * - a process that ended (`exit`) cannot be stopped: `alert`.
 * - the container's first process, for what the kernel let through and no attack pattern names
 *   (a write outside the declared writable paths, say): `alert`. Killing it ends the container,
 *   which is `stop`, never a default; more likely the charter missed something it does.
 * - `pause` and `stop` act on the whole container and are never defaults.
 *
 * A response policy (response-policy.ts) raises the step per container, pattern, classification,
 * event kind or for every deviation; the strongest matching rule wins, and every step says which
 * rule chose it, with the file and line of that rule, for the audit trail.
 */
import type { RuntimeEvent } from '../../model/events.js';
import type { Verdict } from '../../model/verdicts.js';
import { DEFAULT_RESPONSE_POLICY, type ResponsePolicy, type ResponseRule } from './response-policy.js';
import { RESPONSE_STEPS, type ResponseStep } from './types.js';

/** What the verdict does not say and the event does: what the kernel already did, and what to act on. */
export interface ResponseFacts {
  /** The kernel refused the operation (it failed in the container). */
  readonly denied?: boolean;
  /** The kernel killed the process already (the sensor's kill of a program at exec). */
  readonly killed?: boolean;
  /** Host pid of the process that acted (0 or absent: unknown, nothing to kill). */
  readonly pid?: number;
  /** The remote end of a connect or send. */
  readonly peer?: { readonly address: string; readonly port?: number };
  /** The process that acted is the container's first one: killing it would end the container. */
  readonly firstProcess?: boolean;
  /** The container's runtime name (scoped rules may name it). */
  readonly containerName?: string;
  /**
   * Why this container cannot be enforced on for this event although it is in protect mode (one
   * of WatchedContainer.limits, e.g. `egress intent unknown: connects not enforced`): alert only.
   */
  readonly limited?: string;
}

/** One step the ladder chose, with the rule that chose it. */
export interface ChosenStep {
  readonly step: ResponseStep;
  /** `default`, or the policy rule with its place: `pattern reverse-shell (response.yaml:5:3)`. */
  readonly rule: string;
  /** Done by the kernel already (a deny, a kill at exec): recorded, not performed again. */
  readonly inline?: true;
}

export interface ResponseDecision {
  /** In ladder order; empty when there is nothing to respond to (allowed, learned). */
  readonly steps: readonly ChosenStep[];
}

const rank = (s: ResponseStep): number => RESPONSE_STEPS.indexOf(s);

/**
 * What the agent knows of an event for the ladder. Pids are taken from the kernel sensor only:
 * its pids are the host's, while other sources may number processes as the container's pid
 * namespace does, and killing that number on the host would kill someone else.
 */
export function factsOf(e: RuntimeEvent): ResponseFacts {
  const fromSensor = e.origin?.engine === 'sensor';
  const denied = e.kind === 'syscall' ? e.denied === true : fromSensor && e.origin?.what?.endsWith(' denied') === true;
  // The sensor's exec-kill: the program died before its first instruction (`exec killed`).
  const killed = fromSensor && e.kind === 'exec' && e.origin?.what?.endsWith(' killed') === true;
  const pid = fromSensor ? e.process.pid : undefined;
  const peer = (e.kind === 'connect' || e.kind === 'send') && e.remote ? e.remote : undefined;
  return {
    ...(denied ? { denied } : {}),
    ...(killed ? { killed } : {}),
    ...(pid !== undefined && pid > 0 ? { pid } : {}),
    ...(peer ? { peer: peer.port !== undefined ? { address: peer.address, port: peer.port } : { address: peer.address } } : {}),
    ...(e.container.name !== undefined ? { containerName: e.container.name } : {}),
  };
}

/** Does a rule scoped to `name` apply to this verdict's container? Charter name, runtime name, id, or an id prefix of 12+. */
function inScope(name: string, v: Verdict, facts: ResponseFacts): boolean {
  if (name === v.container || name === facts.containerName || name === v.containerId) return true;
  return name.length >= 12 && /^[0-9a-f]+$/.test(name) && v.containerId.startsWith(name);
}

/** Higher is more specific: a container's own rule over a global one; pattern > classification > kind > any. */
function specificity(r: ResponseRule): number {
  const by = { pattern: 3, classification: 2, kind: 1, any: 0 }[r.match.on];
  return (r.container !== undefined ? 10 : 0) + by;
}

function matches(r: ResponseRule, v: Verdict, facts: ResponseFacts): boolean {
  if (r.container !== undefined && !inScope(r.container, v, facts)) return false;
  const d = v.deviation;
  switch (r.match.on) {
    case 'any':
      return true;
    case 'pattern': {
      const id = r.match.id;
      return d?.patterns.some((p) => p.id === id) === true;
    }
    case 'classification':
      return d?.classification === r.match.value;
    case 'kind':
      return v.kind === r.match.value;
  }
}

export function describeRule(r: ResponseRule): string {
  const what = r.match.on === 'any' ? 'any deviation' : `${r.match.on} ${r.match.on === 'pattern' ? r.match.id : r.match.value}`;
  return `${r.container !== undefined ? `container ${r.container}: ` : ''}${what} (${r.file}:${r.line}:${r.column})`;
}

/** The strongest matching rule (ties: the most specific, then the first written). */
function strongest(policy: ResponsePolicy, v: Verdict, facts: ResponseFacts): ResponseRule | undefined {
  let best: ResponseRule | undefined;
  for (const r of policy.rules) {
    if (!matches(r, v, facts)) continue;
    if (!best || rank(r.step) > rank(best.step) || (rank(r.step) === rank(best.step) && specificity(r) > specificity(best))) best = r;
  }
  return best;
}

/**
 * The steps for one verdict under `policy` (the default ladder when absent), given what the
 * kernel did (`facts`, see factsOf).
 *
 * @example
 *   const decision = chooseResponse(verdict, policy, factsOf(event));
 *   const actions = await respond(decision, { containerId: verdict.containerId, ...factsOf(event) }, actuators);
 */
export function chooseResponse(
  verdict: Verdict,
  policy: ResponsePolicy = DEFAULT_RESPONSE_POLICY,
  facts: ResponseFacts = {},
): ResponseDecision {
  if (verdict.deviation === undefined || verdict.action === 'allow' || verdict.action === 'learn') return { steps: [] };
  const alert: ChosenStep = { step: 'alert', rule: 'default' };
  if (verdict.mode !== 'protect') return { steps: [alert] };
  if (facts.limited !== undefined) return { steps: [{ step: 'alert', rule: `limit: ${facts.limited}` }] };

  const steps: ChosenStep[] = [
    facts.firstProcess === true && facts.denied !== true && verdict.deviation.patterns.length === 0
      ? { step: 'alert', rule: "default; the container's first process is not killed by default (that would end the container)" }
      : alert,
  ];
  if (facts.denied === true) steps.push({ step: 'deny', rule: 'default', inline: true });
  const gone = verdict.kind === 'exit';
  const spared = facts.firstProcess === true && verdict.deviation.patterns.length === 0;
  const fallback: ResponseStep = facts.denied === true ? 'deny' : gone || spared ? 'alert' : 'kill';
  const rule = strongest(policy, verdict, facts);
  const raised = rule !== undefined && rank(rule.step) > rank(fallback);
  const top = raised ? rule.step : fallback;
  const why = raised ? describeRule(rule) : 'default';

  const kill = (because: string): void => {
    if (gone) return; // nothing left to kill
    steps.push(facts.killed === true ? { step: 'kill', rule: because, inline: true } : { step: 'kill', rule: because });
  };
  switch (top) {
    case 'alert':
      break;
    case 'deny':
      // Only the kernel denies, inline, and that step is in already. (A raise to deny of what it let
      // through never reaches here: the default for that is kill, which is above deny.)
      break;
    case 'kill':
      kill(why);
      break;
    case 'block-peer':
      if (facts.peer === undefined) {
        kill(`${why}; no peer to block, so kill`);
        break;
      }
      // A connection the kernel let through is open: end it with its process, then refuse the peer.
      if (facts.denied !== true) kill(`${why}; the connection was not refused, so kill`);
      steps.push({ step: 'block-peer', rule: why });
      break;
    case 'pause':
    case 'stop':
      steps.push({ step: top, rule: why });
      break;
  }
  return { steps };
}
