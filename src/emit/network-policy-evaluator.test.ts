// The evaluator against the cases of the Kubernetes documentation
// (kubernetes.io/docs/concepts/services-networking/network-policies/): each test states what the
// page says and checks the evaluator agrees, on connections that go either way.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  NetworkPolicyEvaluator,
  parseNetworkPolicy,
  selectorMatches,
  type Endpoint,
  type PodEndpoint,
} from './network-policy-evaluator.js';
import { corpusRoot } from '../test-support/profile.js';

const pod = (name: string, namespace: string, labels: Record<string, string>, extra: Partial<PodEndpoint> = {}): PodEndpoint => ({
  kind: 'pod',
  name,
  namespace,
  labels,
  ...extra,
});
const ext = (ip: string): Endpoint => ({ kind: 'external', ip });

function policy(name: string, namespace: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

describe('NetworkPolicy evaluator: the documentation sample (test-network-policy)', () => {
  // The page's first example, vendored byte for byte.
  const sample: unknown = parse(readFileSync(join(corpusRoot, 'k8s/single/networkpolicy-website.yaml'), 'utf8'));
  const ev = new NetworkPolicyEvaluator([sample], [{ name: 'myproject-ns', labels: { project: 'myproject' } }, { name: 'other' }]);
  const db = pod('db', 'default', { role: 'db' }, { ip: '10.1.0.5' });
  const frontend = pod('fe', 'default', { role: 'frontend' });

  it('isolates role=db pods in default for ingress and egress, and nothing else', () => {
    expect(ev.policiesFor(db, 'Ingress')).toHaveLength(1);
    expect(ev.policiesFor(db, 'Egress')).toHaveLength(1);
    expect(ev.policiesFor(pod('db', 'other', { role: 'db' }), 'Ingress')).toHaveLength(0);
    expect(ev.policiesFor(frontend, 'Ingress')).toHaveLength(0);
  });

  it('admits TCP 6379 from role=frontend pods of default, from any pod of a project=myproject namespace, and from 172.17.0.0/16 except 172.17.1.0/24', () => {
    expect(ev.allows({ from: frontend, to: db, port: 6379 })).toBe(true);
    expect(ev.allows({ from: pod('x', 'myproject-ns', { any: 'thing' }), to: db, port: 6379 })).toBe(true);
    expect(ev.allows({ from: ext('172.17.0.9'), to: db, port: 6379 })).toBe(true);
    expect(ev.allows({ from: ext('172.17.2.0'), to: db, port: 6379 })).toBe(true);
    expect(ev.allows({ from: ext('172.17.255.255'), to: db, port: 6379 })).toBe(true);
  });

  it('refuses the rest: another port, UDP, the excepted range, a frontend of another namespace, an unlabelled pod', () => {
    expect(ev.allows({ from: frontend, to: db, port: 6380 })).toBe(false);
    expect(ev.allows({ from: frontend, to: db, port: 6379, protocol: 'UDP' })).toBe(false);
    expect(ev.allows({ from: ext('172.17.1.7'), to: db, port: 6379 })).toBe(false);
    expect(ev.allows({ from: ext('172.18.0.1'), to: db, port: 6379 })).toBe(false);
    expect(ev.allows({ from: pod('fe', 'other', { role: 'frontend' }), to: db, port: 6379 })).toBe(false);
    expect(ev.allows({ from: pod('x', 'default', {}), to: db, port: 6379 })).toBe(false);
  });

  it('lets role=db pods out to 10.0.0.0/24 on TCP 5978 only', () => {
    expect(ev.allows({ from: db, to: ext('10.0.0.77'), port: 5978 })).toBe(true);
    expect(ev.allows({ from: db, to: ext('10.0.1.77'), port: 5978 })).toBe(false);
    expect(ev.allows({ from: db, to: ext('10.0.0.77'), port: 443 })).toBe(false);
    // A pod is no ipBlock address unless it has an IP in the range.
    expect(ev.allows({ from: db, to: frontend, port: 5978 })).toBe(false);
  });

  it('needs egress at the source and ingress at the destination', () => {
    // The frontend is not isolated, the db admits it: allowed. The reverse: the db may not send.
    const v = ev.evaluate({ from: frontend, to: db, port: 6379 });
    expect(v).toEqual({
      allowed: true,
      egress: { isolated: false, allowed: true, allowedBy: [] },
      ingress: { isolated: true, allowed: true, allowedBy: ['default/test-network-policy'] },
    });
    const back = ev.evaluate({ from: db, to: frontend, port: 6379 });
    expect(back.allowed).toBe(false);
    expect(back.egress?.allowed).toBe(false);
    expect(back.ingress?.isolated).toBe(false);
  });
});

describe('NetworkPolicy evaluator: behaviour of to and from selectors', () => {
  const namespaces = [{ name: 'client', labels: { user: 'alice' } }, { name: 'elsewhere', labels: { user: 'bob' } }, { name: 'default' }];
  const target = pod('t', 'default', { app: 't' });

  it('one peer with namespaceSelector and podSelector is an AND', () => {
    const ev = new NetworkPolicyEvaluator(
      [
        policy('and', 'default', {
          podSelector: { matchLabels: { app: 't' } },
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { user: 'alice' } }, podSelector: { matchLabels: { role: 'client' } } }] },
          ],
        }),
      ],
      namespaces,
    );
    expect(ev.allows({ from: pod('c', 'client', { role: 'client' }), to: target, port: 80 })).toBe(true);
    expect(ev.allows({ from: pod('c', 'client', { role: 'other' }), to: target, port: 80 })).toBe(false);
    expect(ev.allows({ from: pod('c', 'elsewhere', { role: 'client' }), to: target, port: 80 })).toBe(false);
    expect(ev.allows({ from: pod('c', 'default', { role: 'client' }), to: target, port: 80 })).toBe(false);
  });

  it('two peers, one with each selector, are an OR (and the podSelector alone means the policy namespace)', () => {
    const ev = new NetworkPolicyEvaluator(
      [
        policy('or', 'default', {
          podSelector: { matchLabels: { app: 't' } },
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { user: 'alice' } } }, { podSelector: { matchLabels: { role: 'client' } } }] },
          ],
        }),
      ],
      namespaces,
    );
    expect(ev.allows({ from: pod('c', 'client', { role: 'other' }), to: target, port: 80 })).toBe(true);
    expect(ev.allows({ from: pod('c', 'default', { role: 'client' }), to: target, port: 80 })).toBe(true);
    expect(ev.allows({ from: pod('c', 'elsewhere', { role: 'client' }), to: target, port: 80 })).toBe(false);
  });

  it('selects a namespace by name through kubernetes.io/metadata.name, which every namespace carries', () => {
    const ev = new NetworkPolicyEvaluator([
      policy('by-name', 'default', {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }],
      }),
    ]);
    expect(ev.allows({ from: pod('p', 'monitoring', {}), to: target, port: 9090 })).toBe(true);
    expect(ev.allows({ from: pod('p', 'monitoring2', {}), to: target, port: 9090 })).toBe(false);
  });

  it('an empty namespaceSelector selects every namespace; an empty podSelector every pod of the policy namespace', () => {
    const ev = new NetworkPolicyEvaluator([
      policy('all-ns', 'default', { podSelector: { matchLabels: { app: 't' } }, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
      policy('same-ns', 'default', { podSelector: { matchLabels: { app: 'u' } }, ingress: [{ from: [{ podSelector: {} }] }] }),
    ]);
    expect(ev.allows({ from: pod('p', 'far', {}), to: target, port: 1 })).toBe(true);
    const u = pod('u', 'default', { app: 'u' });
    expect(ev.allows({ from: pod('p', 'default', {}), to: u, port: 1 })).toBe(true);
    expect(ev.allows({ from: pod('p', 'far', {}), to: u, port: 1 })).toBe(false);
  });

  it('matchExpressions: In, NotIn, Exists, DoesNotExist, ANDed with matchLabels', () => {
    const sel = {
      matchLabels: { tier: 'db' },
      matchExpressions: [
        { key: 'env', operator: 'In' as const, values: ['prod', 'staging'] },
        { key: 'track', operator: 'NotIn' as const, values: ['canary'] },
        { key: 'team', operator: 'Exists' as const },
        { key: 'legacy', operator: 'DoesNotExist' as const },
      ],
    };
    const base = { tier: 'db', env: 'prod', team: 'a' };
    expect(selectorMatches(sel, base)).toBe(true);
    expect(selectorMatches(sel, { ...base, track: 'stable' })).toBe(true);
    expect(selectorMatches(sel, { ...base, track: 'canary' })).toBe(false);
    expect(selectorMatches(sel, { ...base, env: 'dev' })).toBe(false);
    expect(selectorMatches(sel, { tier: 'db', team: 'a' })).toBe(false);
    expect(selectorMatches(sel, { tier: 'db', env: 'prod' })).toBe(false);
    expect(selectorMatches(sel, { ...base, legacy: '' })).toBe(false);
    expect(selectorMatches(sel, { ...base, tier: 'web' })).toBe(false);
    expect(selectorMatches({}, {})).toBe(true);
  });
});

describe('NetworkPolicy evaluator: default policies', () => {
  const a = pod('a', 'default', { app: 'a' });
  const b = pod('b', 'default', { app: 'b' });

  it('no policy: every connection is allowed (pods are non-isolated)', () => {
    const ev = new NetworkPolicyEvaluator([]);
    expect(ev.allows({ from: a, to: b, port: 80 })).toBe(true);
    expect(ev.allows({ from: a, to: ext('198.51.100.1'), port: 443 })).toBe(true);
  });

  it('default deny all ingress: podSelector {} with policyTypes [Ingress]; egress untouched', () => {
    const ev = new NetworkPolicyEvaluator([policy('default-deny-ingress', 'default', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(ev.allows({ from: a, to: b, port: 80 })).toBe(false);
    expect(ev.allows({ from: ext('198.51.100.1'), to: b, port: 80 })).toBe(false);
    expect(ev.allows({ from: a, to: ext('198.51.100.1'), port: 443 })).toBe(true);
    // Only its namespace.
    expect(ev.allows({ from: a, to: pod('b', 'other', { app: 'b' }), port: 80 })).toBe(true);
  });

  it('allow all ingress: one rule with no from and no ports, and it wins over a deny (union)', () => {
    const ev = new NetworkPolicyEvaluator([
      policy('default-deny-ingress', 'default', { podSelector: {}, policyTypes: ['Ingress'] }),
      policy('allow-all-ingress', 'default', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] }),
    ]);
    expect(ev.evaluate({ from: a, to: b, port: 80 }).ingress?.allowedBy).toEqual(['default/allow-all-ingress']);
  });

  it('default deny all egress, allow all egress, default deny all', () => {
    const denyEgress = new NetworkPolicyEvaluator([policy('default-deny-egress', 'default', { podSelector: {}, policyTypes: ['Egress'] })]);
    expect(denyEgress.allows({ from: a, to: ext('198.51.100.1'), port: 53, protocol: 'UDP' })).toBe(false);
    expect(denyEgress.allows({ from: ext('198.51.100.1'), to: a, port: 80 })).toBe(true);
    const allowEgress = new NetworkPolicyEvaluator([
      policy('default-deny-egress', 'default', { podSelector: {}, policyTypes: ['Egress'] }),
      policy('allow-all-egress', 'default', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] }),
    ]);
    expect(allowEgress.allows({ from: a, to: ext('198.51.100.1'), port: 53, protocol: 'UDP' })).toBe(true);
    const denyAll = new NetworkPolicyEvaluator([
      policy('default-deny-all', 'default', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    ]);
    expect(denyAll.allows({ from: a, to: b, port: 80 })).toBe(false);
    expect(denyAll.allows({ from: a, to: ext('198.51.100.1'), port: 443 })).toBe(false);
    expect(denyAll.allows({ from: ext('198.51.100.1'), to: a, port: 443 })).toBe(false);
  });

  it('policyTypes absent: Ingress always, Egress only when the policy has egress rules', () => {
    const ingressOnly = new NetworkPolicyEvaluator([policy('p', 'default', { podSelector: { matchLabels: { app: 'a' } } })]);
    expect(ingressOnly.policiesFor(a, 'Ingress')).toHaveLength(1);
    expect(ingressOnly.policiesFor(a, 'Egress')).toHaveLength(0);
    expect(ingressOnly.allows({ from: a, to: ext('198.51.100.1'), port: 443 })).toBe(true);
    expect(ingressOnly.allows({ from: b, to: a, port: 80 })).toBe(false);
    const withEgress = new NetworkPolicyEvaluator([
      policy('p', 'default', {
        podSelector: { matchLabels: { app: 'a' } },
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }] }],
      }),
    ]);
    expect(withEgress.policiesFor(a, 'Egress')).toHaveLength(1);
    expect(withEgress.allows({ from: a, to: b, port: 80 })).toBe(true);
    expect(withEgress.allows({ from: a, to: ext('198.51.100.1'), port: 443 })).toBe(false);
    // policyTypes [Egress] alone leaves ingress open even with ingress rules written.
    const egressTyped = new NetworkPolicyEvaluator([
      policy('p', 'default', {
        podSelector: { matchLabels: { app: 'a' } },
        policyTypes: ['Egress'],
        ingress: [{ from: [{ podSelector: {} }] }],
      }),
    ]);
    expect(egressTyped.allows({ from: ext('198.51.100.1'), to: a, port: 80 })).toBe(true);
  });
});

describe('NetworkPolicy evaluator: ports', () => {
  const a = pod('a', 'default', { app: 'a' });

  it('endPort: the documented multi-port-egress allows TCP 32000 to 32768 to 10.0.0.0/24', () => {
    const ev = new NetworkPolicyEvaluator([
      policy('multi-port-egress', 'default', {
        podSelector: { matchLabels: { app: 'a' } },
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }],
      }),
    ]);
    for (const [port, allowed] of [
      [31999, false],
      [32000, true],
      [32500, true],
      [32768, true],
      [32769, false],
    ] as const)
      expect(ev.allows({ from: a, to: ext('10.0.0.1'), port }), `port ${port}`).toBe(allowed);
    expect(ev.allows({ from: a, to: ext('10.0.0.1'), port: 32000, protocol: 'UDP' })).toBe(false);
  });

  it('a named port is the destination pod container port of that name and protocol', () => {
    const web = pod(
      'w',
      'default',
      { app: 'w' },
      {
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
        ],
      },
    );
    const ev = new NetworkPolicyEvaluator([
      policy('in', 'default', {
        podSelector: { matchLabels: { app: 'w' } },
        ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }] }],
      }),
      policy('out', 'default', {
        podSelector: { matchLabels: { app: 'a' } },
        policyTypes: ['Egress'],
        egress: [{ ports: [{ port: 'http' }] }],
      }),
    ]);
    expect(ev.allows({ from: a, to: web, port: 8080 })).toBe(true);
    expect(ev.allows({ from: a, to: web, port: 80 })).toBe(false);
    expect(ev.allows({ from: ext('198.51.100.1'), to: web, port: 53, protocol: 'UDP' })).toBe(true);
    expect(ev.allows({ from: ext('198.51.100.1'), to: web, port: 53 })).toBe(false);
    // The name resolves on the destination: an external address has no named ports.
    expect(ev.allows({ from: a, to: ext('198.51.100.1'), port: 8080 })).toBe(false);
  });

  it('a port without a number allows every port of its protocol', () => {
    const ev = new NetworkPolicyEvaluator([policy('udp', 'default', { podSelector: {}, ingress: [{ ports: [{ protocol: 'UDP' }] }] })]);
    expect(ev.allows({ from: ext('198.51.100.1'), to: a, port: 9999, protocol: 'UDP' })).toBe(true);
    expect(ev.allows({ from: ext('198.51.100.1'), to: a, port: 9999 })).toBe(false);
  });
});

describe('NetworkPolicy evaluator: ipBlock and bad policies', () => {
  it('IPv6 blocks, and families never mix', () => {
    const ev = new NetworkPolicyEvaluator([
      policy('v6', 'default', {
        podSelector: {},
        ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:ff::/48'] } }] }],
      }),
    ]);
    const a = pod('a', 'default', {});
    expect(ev.allows({ from: ext('2001:db8:1::5'), to: a, port: 1 })).toBe(true);
    expect(ev.allows({ from: ext('2001:db8:ff::5'), to: a, port: 1 })).toBe(false);
    expect(ev.allows({ from: ext('2001:db9::1'), to: a, port: 1 })).toBe(false);
    expect(ev.allows({ from: ext('32.1.13.184'), to: a, port: 1 })).toBe(false);
    expect(ev.allows({ from: ext('::ffff:192.0.2.1'), to: a, port: 1 })).toBe(false);
  });

  it('refuses malformed policies with the place that is wrong', () => {
    const base = (spec: Record<string, unknown>): Record<string, unknown> => policy('bad', 'default', { podSelector: {}, ...spec });
    expect(() => parseNetworkPolicy(base({ ingress: [{ from: [{}] }] }))).toThrow(/spec\.ingress\.0\.from\.0/);
    expect(() => parseNetworkPolicy(base({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }))).toThrow(
      /ipBlock/,
    );
    expect(() => parseNetworkPolicy(base({ ingress: [{ ports: [{ port: 'http', endPort: 90 }] }] }))).toThrow(/endPort/);
    expect(() => parseNetworkPolicy(base({ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }))).toThrow(/values/);
    expect(() => parseNetworkPolicy(base({ policyTypes: ['Sideways'] }))).toThrow(/policyTypes/);
    // Caught when the policies are read, not when a connection happens to reach the rule.
    expect(() => new NetworkPolicyEvaluator([base({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0' } }] }] })])).toThrow(
      /^policy 0: spec\.ingress\.0\.from\.0\.ipBlock\.cidr: not a CIDR/,
    );
    expect(() => parseNetworkPolicy(base({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/33'] } }] }] }))).toThrow(
      /except\.0: not a CIDR/,
    );
    expect(() => parseNetworkPolicy(base({ egress: [{ to: [{ ipBlock: { cidr: '300.0.0.0/8' } }] }] }))).toThrow(/not a CIDR/);
  });

  it('on any value in any field: a checked policy or an Error naming the policy, and evaluating a checked one never throws', () => {
    // Shapes near the real one, with any JSON where a field goes: what a hostile or broken manifest carries.
    const selector = fc.oneof(
      fc.jsonValue(),
      fc.record({ matchLabels: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.jsonValue())) }, { requiredKeys: [] }),
    );
    const peer = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          podSelector: selector,
          namespaceSelector: selector,
          ipBlock: fc.oneof(
            fc.jsonValue(),
            fc.record({ cidr: fc.oneof(fc.constantFrom('10.0.0.0/8', '::/0', '1.2.3.4/40'), fc.string()) }),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    const port = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          protocol: fc.oneof(fc.constantFrom('TCP', 'UDP', 'SCTP'), fc.jsonValue()),
          port: fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.string()),
          endPort: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    const rule = fc.record(
      { from: fc.array(peer, { maxLength: 3 }), to: fc.array(peer, { maxLength: 3 }), ports: fc.array(port, { maxLength: 3 }) },
      { requiredKeys: [] },
    );
    const spec = fc.record(
      {
        podSelector: selector,
        policyTypes: fc.oneof(fc.jsonValue(), fc.subarray(['Ingress', 'Egress'])),
        ingress: fc.array(rule, { maxLength: 3 }),
        egress: fc.array(rule, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    const a = pod('a', 'default', {}, { ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 80 }] });
    fc.assert(
      fc.property(spec, (s) => {
        let ev: NetworkPolicyEvaluator;
        try {
          ev = new NetworkPolicyEvaluator([policy('fuzz', 'default', s as Record<string, unknown>)]);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toMatch(/^policy 0: /);
          return;
        }
        for (const other of [pod('b', 'default', { x: 'y' }), ext('10.0.0.2'), ext('::1')]) {
          expect(typeof ev.allows({ from: a, to: other, port: 80 })).toBe('boolean');
          expect(typeof ev.allows({ from: other, to: a, port: 80, protocol: 'UDP' })).toBe('boolean');
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
