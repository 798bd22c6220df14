// Real multi-service applications, profiled, compiled to NetworkPolicies and judged by the
// NetworkPolicy evaluator against the pods and Services their manifests create: every call the
// application's documentation describes and every entry point must get through; calls nobody
// declares must not. The cluster side (pod labels, Service selectors and ports) is read from the
// manifests directly, not from the profile, so a selector the pods lack shows up as a failure.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { corpusRoot, profileTargets } from '../src/test-support/profile.js';
import { clusterOf, podOf, serviceTargets, type Cluster } from '../src/test-support/k8s-cluster.js';
import { emitNetworkPolicy } from '../src/emit/network-policy.js';
import { parseYamlStream } from '../src/emit/internal.js';
import { NetworkPolicyEvaluator, type Endpoint } from '../src/emit/network-policy-evaluator.js';

/** A client outside the cluster, and an address on the internet. */
const INTERNET_CLIENT = '203.0.113.7';
const INTERNET_HOST = '198.51.100.10';

/** `from` (a workload) calls Service `to` on its `port`: lands on every pod it selects, on the target port. */
interface ServiceCall {
  from: string;
  to: string;
  port: number;
}
/** A connection to one workload's pod on a container port (no Service in between). */
interface PodCall {
  from: string | 'internet';
  toPod: string;
  port: number;
}
/** A workload's pod calling an address outside the cluster. */
interface WorldCall {
  from: string;
  world: number;
}
type Call = ServiceCall | PodCall | WorldCall;

interface App {
  name: string;
  targets: string[];
  /** Where the application documents its calls. */
  documentedIn: string;
  documented: Call[];
  /** Services the application exposes outside the cluster, by Service name and port. */
  entryPoints: { service: string; port: number }[];
  undeclared: Call[];
  /**
   * Checks that fail on this branch, each with the reason: the profile does not yet see the
   * call, the entry point or the completeness of the egress (other parts of the same work).
   * The test fails when one of these starts passing, so the list stays true.
   */
  pending: Record<string, string>;
}

const k8s = (p: string): string => join(corpusRoot, 'k8s', p);

const APPS: App[] = [
  {
    name: 'guestbook',
    targets: [k8s('guestbook-all-in-one.yaml')],
    documentedIn:
      'kubernetes/examples web/guestbook/README.md: the PHP frontend writes to the Redis leader and reads from the followers; followers replicate from the leader',
    documented: [
      { from: 'frontend', to: 'redis-master', port: 6379 },
      { from: 'frontend', to: 'redis-replica', port: 6379 },
      { from: 'redis-replica', to: 'redis-master', port: 6379 },
    ],
    entryPoints: [{ service: 'frontend', port: 80 }],
    undeclared: [
      { from: 'redis-master', toPod: 'redis-replica', port: 6379 },
      { from: 'redis-master', toPod: 'frontend', port: 80 },
      { from: 'redis-replica', toPod: 'frontend', port: 80 },
      { from: 'internet', toPod: 'redis-master', port: 6379 },
      { from: 'redis-master', world: 443 },
    ],
    pending: {},
  },
  {
    name: 'istio bookinfo',
    targets: [k8s('istio-bookinfo.yaml')],
    documentedIn:
      'istio.io docs/examples/bookinfo: productpage calls details and reviews; reviews v1 does not call ratings, v2 and v3 do; productpage is what users reach (through the bookinfo gateway)',
    documented: [
      { from: 'productpage-v1', to: 'details', port: 9080 },
      { from: 'productpage-v1', to: 'reviews', port: 9080 },
      { from: 'reviews-v2', to: 'ratings', port: 9080 },
      { from: 'reviews-v3', to: 'ratings', port: 9080 },
    ],
    entryPoints: [{ service: 'productpage', port: 9080 }],
    undeclared: [
      { from: 'reviews-v1', toPod: 'ratings-v1', port: 9080 },
      { from: 'details-v1', toPod: 'reviews-v1', port: 9080 },
      { from: 'ratings-v1', toPod: 'productpage-v1', port: 9080 },
      { from: 'details-v1', toPod: 'ratings-v1', port: 9080 },
      { from: 'internet', toPod: 'ratings-v1', port: 9080 },
      { from: 'internet', toPod: 'details-v1', port: 9080 },
    ],
    pending: {},
  },
  {
    name: 'voting app',
    targets: [k8s('voting-app')],
    documentedIn:
      'dockersamples/example-voting-app README.md, Architecture: vote (Python) → Redis; worker (.NET) consumes Redis and stores in Postgres; result (Node.js) reads Postgres; vote and result are web apps users open',
    documented: [
      { from: 'vote', to: 'redis', port: 6379 },
      { from: 'worker', to: 'redis', port: 6379 },
      { from: 'worker', to: 'db', port: 5432 },
      { from: 'result', to: 'db', port: 5432 },
    ],
    entryPoints: [
      { service: 'vote', port: 8080 },
      { service: 'result', port: 8081 },
    ],
    undeclared: [
      { from: 'vote', toPod: 'db', port: 5432 },
      { from: 'result', toPod: 'redis', port: 6379 },
      { from: 'db', toPod: 'vote', port: 80 },
      { from: 'redis', toPod: 'db', port: 5432 },
      { from: 'internet', toPod: 'db', port: 5432 },
      { from: 'internet', toPod: 'redis', port: 6379 },
      { from: 'db', world: 443 },
    ],
    pending: {},
  },
  {
    name: 'selenium grid',
    targets: [k8s('selenium-grid')],
    documentedIn:
      'kubernetes/examples _archived/selenium: nodes join the hub event bus (SE_EVENT_BUS_HOST, publish 4442, subscribe 4443 in the node manifests); selenium-test.py drives the hub on 4444 and the browsers load http://www.google.com; the Selenium Grid 4 router sends session commands to the node on 5555',
    documented: [
      { from: 'selenium-node-chrome', to: 'selenium-hub', port: 4442 },
      { from: 'selenium-node-chrome', to: 'selenium-hub', port: 4443 },
      { from: 'selenium-node-firefox', to: 'selenium-hub', port: 4442 },
      { from: 'selenium-node-firefox', to: 'selenium-hub', port: 4443 },
      { from: 'selenium-hub', toPod: 'selenium-node-chrome', port: 5555 },
      { from: 'selenium-hub', toPod: 'selenium-node-firefox', port: 5555 },
      { from: 'selenium-node-chrome', world: 80 },
      { from: 'selenium-node-firefox', world: 443 },
    ],
    // The Service is a NodePort for all three ports, so its event bus is published too (the manifest's choice).
    entryPoints: [
      { service: 'selenium-hub', port: 4444 },
      { service: 'selenium-hub', port: 4443 },
      { service: 'selenium-hub', port: 4442 },
    ],
    // Nothing here is undeclared and closable: the hub reaches the nodes' 5555 at addresses they
    // register at run time (no artifact names the caller, so that port stays open), and the
    // browsers' and the hub's egress is unknown.
    undeclared: [
      { from: 'selenium-node-chrome', toPod: 'selenium-hub', port: 9999 },
      { from: 'internet', toPod: 'selenium-hub', port: 5557 },
    ],
    pending: {},
  },
  {
    name: 'online boutique (microservices-demo)',
    targets: [k8s('online-boutique/kubernetes-manifests.yaml')],
    documentedIn:
      'GoogleCloudPlatform/microservices-demo README.md, Architecture (service table and diagram); the *_SERVICE_ADDR variables of release/kubernetes-manifests.yaml; frontend-external is the LoadBalancer users reach',
    documented: [
      { from: 'frontend', to: 'adservice', port: 9555 },
      { from: 'frontend', to: 'cartservice', port: 7070 },
      { from: 'frontend', to: 'checkoutservice', port: 5050 },
      { from: 'frontend', to: 'currencyservice', port: 7000 },
      { from: 'frontend', to: 'productcatalogservice', port: 3550 },
      { from: 'frontend', to: 'recommendationservice', port: 8080 },
      { from: 'frontend', to: 'shippingservice', port: 50051 },
      { from: 'checkoutservice', to: 'cartservice', port: 7070 },
      { from: 'checkoutservice', to: 'currencyservice', port: 7000 },
      { from: 'checkoutservice', to: 'emailservice', port: 5000 },
      { from: 'checkoutservice', to: 'paymentservice', port: 50051 },
      { from: 'checkoutservice', to: 'productcatalogservice', port: 3550 },
      { from: 'checkoutservice', to: 'shippingservice', port: 50051 },
      { from: 'recommendationservice', to: 'productcatalogservice', port: 3550 },
      { from: 'cartservice', to: 'redis-cart', port: 6379 },
      { from: 'loadgenerator', to: 'frontend', port: 80 },
    ],
    entryPoints: [{ service: 'frontend-external', port: 80 }],
    undeclared: [
      { from: 'frontend', toPod: 'redis-cart', port: 6379 },
      { from: 'redis-cart', toPod: 'cartservice', port: 7070 },
      { from: 'paymentservice', toPod: 'cartservice', port: 7070 },
      { from: 'emailservice', toPod: 'checkoutservice', port: 5050 },
      { from: 'adservice', toPod: 'productcatalogservice', port: 3550 },
      { from: 'loadgenerator', toPod: 'checkoutservice', port: 5050 },
      { from: 'internet', toPod: 'cartservice', port: 7070 },
      { from: 'internet', toPod: 'redis-cart', port: 6379 },
      { from: 'redis-cart', world: 443 },
    ],
    pending: {},
  },
  {
    name: 'sock shop',
    targets: [k8s('sock-shop/complete-demo.yaml')],
    documentedIn:
      "microservices-demo/microservices-demo deploy/kubernetes/manifests-policy (the authors' own NetworkPolicies: who may reach carts, catalogue, orders, payment, shipping, user, their databases and rabbitmq); SESSION_REDIS=true in the front-end manifest (sessions in session-db); front-end is the NodePort users reach",
    documented: [
      { from: 'front-end', to: 'catalogue', port: 80 },
      { from: 'front-end', to: 'carts', port: 80 },
      { from: 'front-end', to: 'orders', port: 80 },
      { from: 'front-end', to: 'user', port: 80 },
      { from: 'front-end', to: 'session-db', port: 6379 },
      { from: 'orders', to: 'carts', port: 80 },
      { from: 'orders', to: 'user', port: 80 },
      { from: 'orders', to: 'payment', port: 80 },
      { from: 'orders', to: 'shipping', port: 80 },
      { from: 'orders', to: 'orders-db', port: 27017 },
      { from: 'carts', to: 'carts-db', port: 27017 },
      { from: 'catalogue', to: 'catalogue-db', port: 3306 },
      { from: 'user', to: 'user-db', port: 27017 },
      { from: 'shipping', to: 'rabbitmq', port: 5672 },
      { from: 'queue-master', to: 'rabbitmq', port: 5672 },
    ],
    entryPoints: [{ service: 'front-end', port: 80 }],
    undeclared: [
      { from: 'front-end', toPod: 'carts-db', port: 27017 },
      { from: 'front-end', toPod: 'catalogue-db', port: 3306 },
      { from: 'payment', toPod: 'user', port: 80 },
      { from: 'catalogue', toPod: 'orders-db', port: 27017 },
      { from: 'user-db', toPod: 'carts', port: 80 },
      { from: 'internet', toPod: 'user-db', port: 27017 },
      { from: 'internet', toPod: 'orders', port: 80 },
      { from: 'carts-db', world: 443 },
    ],
    pending: {},
  },
];

function label(c: Call): string {
  if ('world' in c) return `${c.from} → internet:${c.world}`;
  if ('toPod' in c) return `${c.from} → ${c.toPod}:${c.port}`;
  return `${c.from} → ${c.to}:${c.port}`;
}

/** Every connection a call makes (a Service call reaches each pod it selects). */
function connections(cluster: Cluster, c: Call): { from: Endpoint; to: Endpoint; port: number }[] {
  if ('world' in c) return [{ from: podOf(cluster, c.from), to: { kind: 'external', ip: INTERNET_HOST }, port: c.world }];
  const from: Endpoint = c.from === 'internet' ? { kind: 'external', ip: INTERNET_CLIENT } : podOf(cluster, c.from);
  if ('toPod' in c) return [{ from, to: podOf(cluster, c.toPod), port: c.port }];
  const targets = serviceTargets(cluster, c.to, c.port);
  if (targets.length === 0) throw new Error(`${label(c)}: the Service selects no pod`);
  return targets.map((t) => ({ from, to: t.pod, port: t.port }));
}

interface Outcome {
  /** Labels of the checks that did not hold. */
  failures: string[];
  podsSelected: number;
  pods: number;
  documentedAllowed: number;
  undeclaredDenied: number;
}

async function judge(app: App, strict = false): Promise<Outcome> {
  const cluster = clusterOf(app.targets);
  const charter = await profileTargets(app.targets);
  const policies = parseYamlStream(emitNetworkPolicy(charter, strict ? { strict } : {}).files[0]?.content ?? '');
  const ev = new NetworkPolicyEvaluator(policies);
  const failures: string[] = [];
  const allowed = (c: Call): boolean => connections(cluster, c).every((x) => ev.allows(x));
  let documentedAllowed = 0;
  for (const c of app.documented) {
    if (allowed(c)) documentedAllowed++;
    else failures.push(label(c));
  }
  for (const e of app.entryPoints) {
    if (!allowed({ from: 'internet', to: e.service, port: e.port })) failures.push(`internet → ${e.service}:${e.port}`);
  }
  let undeclaredDenied = 0;
  for (const c of app.undeclared) {
    if (connections(cluster, c).every((x) => !ev.allows(x))) undeclaredDenied++;
    else failures.push(label(c).replace(' → ', ' ↛ '));
  }
  const podsSelected = cluster.pods.filter((p) => ev.policiesFor(p, 'Ingress').length > 0).length;
  return { failures: failures.sort(), podsSelected, pods: cluster.pods.length, documentedAllowed, undeclaredDenied };
}

describe('NetworkPolicies of real applications, judged by the evaluator', () => {
  for (const app of APPS) {
    it(`${app.name}: every pod selected, documented calls and entry points allowed, undeclared calls denied`, async () => {
      const out = await judge(app);
      // A selector the pods do not carry would leave them unprotected, silently.
      expect(out.podsSelected).toBe(out.pods);
      expect(out.failures).toEqual(Object.keys(app.pending).sort());
    });
  }

  it('--strict enforces egress lists nothing says are complete, and breaks what the artifacts do not name', async () => {
    // Why unknown intent stays open by default: the browsers load pages nobody declares.
    const selenium = APPS.find((a) => a.name === 'selenium grid')!;
    const strict = await judge(selenium, true);
    expect(strict.failures).toEqual(expect.arrayContaining(['selenium-node-chrome → internet:80', 'selenium-node-firefox → internet:443']));
    expect(strict.documentedAllowed).toBeLessThan(selenium.documented.length);
  });

  it('the lists are not empty and name real workloads and Services (a typo would make a check vacuous)', () => {
    for (const app of APPS) {
      const cluster = clusterOf(app.targets);
      expect(app.documented.length).toBeGreaterThan(2);
      expect(app.undeclared.length).toBeGreaterThan(1);
      expect(app.entryPoints.length).toBeGreaterThan(0);
      for (const c of [...app.documented, ...app.undeclared]) expect(connections(cluster, c).length).toBeGreaterThan(0);
      for (const e of app.entryPoints) expect(serviceTargets(cluster, e.service, e.port).length).toBeGreaterThan(0);
    }
  });
});
