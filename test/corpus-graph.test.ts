// The intended service graphs of real applications' manifests (none written by this project)
// contain every connection their documentation describes and no invented one.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { containerEdges, corpusRoot, profileTargets } from '../src/test-support/profile.js';
import type { Charter } from '../src/model/charter.js';

const k8s = (p: string): string => join(corpusRoot, 'k8s', p);
const compose = (p: string): string => join(corpusRoot, 'compose', p);

describe('service graphs of real manifests', () => {
  it('guestbook: frontend reads the replicas and writes the master; replicas follow the master', async () => {
    const ch = await profileTargets([], { files: [k8s('guestbook-all-in-one.yaml')] });
    expect(containerEdges(ch)).toEqual([
      'frontend → redis-master:6379/tcp',
      'frontend → redis-replica:6379/tcp',
      'redis-replica → redis-master:6379/tcp',
    ]);
  });

  it('bookinfo: productpage → details, reviews (and ratings); reviews v2/v3 → ratings; v1 calls nothing', async () => {
    const ch = await profileTargets([], { files: [k8s('istio-bookinfo.yaml')] });
    const edges = containerEdges(ch);
    for (const e of [
      'productpage-v1 → details-v1:9080/tcp',
      'productpage-v1 → reviews-v1:9080/tcp',
      'productpage-v1 → reviews-v2:9080/tcp',
      'productpage-v1 → reviews-v3:9080/tcp',
      'reviews-v2 → ratings-v1:9080/tcp',
      'reviews-v3 → ratings-v1:9080/tcp',
    ])
      expect(edges).toContain(e);
    expect(edges.filter((e) => e.startsWith('reviews-v1') || e.startsWith('details') || e.startsWith('ratings'))).toEqual([]);
    // Nothing but these sources and targets.
    expect(new Set(edges.map((e) => e.split(' → ')[0]))).toEqual(new Set(['productpage-v1', 'reviews-v2', 'reviews-v3']));
  });

  it('voting app (Kubernetes): vote → redis, worker → redis and db, result → db', async () => {
    const ch = await profileTargets([k8s('voting-app')]);
    expect(containerEdges(ch)).toEqual([
      'result → db:5432/tcp',
      'vote → redis:6379/tcp',
      'worker → db:5432/tcp',
      'worker → redis:6379/tcp',
    ]);
  });

  it('voting app (compose): the same graph from depends_on, plus the seed job posting votes', async () => {
    const ch = await profileTargets([compose('example-voting-app')]);
    expect(containerEdges(ch)).toEqual([
      'result → db:5432/tcp',
      'seed → vote:80/tcp',
      'vote → redis:6379/tcp',
      'worker → db:5432/tcp',
      'worker → redis:6379/tcp',
    ]);
  });

  it("react-express-mysql: frontend → backend, backend → db (DATABASE_HOST=db) on MariaDB's port", async () => {
    const ch = await profileTargets([compose('awesome-compose-react-express-mysql')]);
    const edges = containerEdges(ch);
    expect(edges.filter((e) => e.startsWith('backend'))).toEqual(['backend → db:3306/tcp']);
    expect(edges.filter((e) => e.startsWith('frontend → backend'))).not.toEqual([]);
    expect(edges.filter((e) => e.startsWith('db'))).toEqual([]);
    const edge = ch.graph.edges.find((e) => e.from === 'backend');
    expect(edge?.sources.map((s) => s.reason).join(' ')).toMatch(/DATABASE_HOST=db/);
  });

  it('react-express-mongodb: frontend → backend:3000, backend → mongo:27017', async () => {
    const ch = await profileTargets([compose('awesome-compose-react-express-mongodb')]);
    expect(containerEdges(ch)).toEqual(['backend → mongo:27017/tcp', 'frontend → backend:3000/tcp']);
  });

  it('portainer: one service, no edges, and the docker socket mount is visible', async () => {
    const ch = await profileTargets([compose('awesome-compose-portainer-docker-sock')]);
    expect(containerEdges(ch)).toEqual([]);
    const w = ch.containers[0]?.filesystem.writable.find((x) => x.hostPath === '/var/run/docker.sock');
    expect(w).toBeDefined();
  });

  it('every edge carries provenance with a file and a position or a knowledge entry', async () => {
    const ch = await profileTargets([k8s('voting-app'), compose('example-voting-app'), k8s('istio-bookinfo.yaml')]);
    for (const e of ch.graph.edges) {
      expect(e.sources.length).toBeGreaterThan(0);
      for (const s of e.sources) expect(s.line !== undefined || s.kb !== undefined).toBe(true);
    }
  });

  it('Marathon groups are read with their dependencies', async () => {
    const ch = await profileTargets([join(corpusRoot, 'marathon')]);
    expect(ch.containers.length).toBeGreaterThan(3);
    expect(ch.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  // Online Boutique, release/kubernetes-manifests.yaml. Documented edges: the architecture diagram
  // of the repository's README ("Architecture", docs/img/architecture-diagram.png at the vendored
  // commit), service names as the manifests spell them.
  const boutiqueDocumented = [
    'loadgenerator → frontend',
    'frontend → adservice',
    'frontend → recommendationservice',
    'frontend → productcatalogservice',
    'frontend → cartservice',
    'frontend → shippingservice',
    'frontend → currencyservice',
    'frontend → checkoutservice',
    'recommendationservice → productcatalogservice',
    'checkoutservice → productcatalogservice',
    'checkoutservice → cartservice',
    'checkoutservice → shippingservice',
    'checkoutservice → currencyservice',
    'checkoutservice → paymentservice',
    'checkoutservice → emailservice',
    'cartservice → redis-cart',
  ];

  it('Online Boutique: every documented edge, on the container port behind each Service, and no other', async () => {
    const ch = await profileTargets([k8s('online-boutique')]);
    const found = pairs(ch).filter((p) => !p.startsWith('loadgenerator/init:'));
    expect(new Set(found)).toEqual(new Set(boutiqueDocumented));
    // The init container waits for the frontend with the same address.
    expect(pairs(ch).filter((p) => p.startsWith('loadgenerator/init:'))).toEqual(['loadgenerator/init:frontend-check → frontend']);
    // emailservice's Service maps 5000 → 8080: the edge lands on the container port.
    expect(containerEdges(ch)).toContain('checkoutservice → emailservice:8080/tcp');
    // The frontend names an assistant no manifest defines: a diagnostic, not an internet host.
    expect(ch.graph.edges.filter((e) => e.to.kind === 'dns')).toEqual([]);
    const d = ch.diagnostics.find((x) => x.code === 'profile/unresolved-peer');
    expect(d?.message).toMatch(/shoppingassistantservice/);
    expect(d?.line).toBe(89);
    // frontend-external is a LoadBalancer: the frontend's 8080 is an entry point, and the only one.
    expect(entryPoints(ch)).toEqual(['frontend:8080']);
  });

  // Sock Shop, deploy/kubernetes/complete-demo.yaml. Documented edges: the architecture diagram
  // linked from internal-docs/design.md (microservices-demo/microservices-demo.github.io,
  // assets/Architecture.png): the front-end calls orders, payment, user, catalogue and carts;
  // each of those with a database calls it; orders calls shipping; shipping and queue-master use
  // the RabbitMQ queue.
  const sockShopDocumented = [
    'front-end → orders',
    'front-end → payment',
    'front-end → user',
    'front-end → catalogue',
    'front-end → carts',
    'orders → orders-db',
    'user → user-db',
    'catalogue → catalogue-db',
    'carts → carts-db',
    'orders → shipping',
    'shipping → rabbitmq/rabbitmq',
    'queue-master → rabbitmq/rabbitmq',
  ];

  it('Sock Shop: the edges the manifest and the images declare (orders from its own code); payment, whose peers nothing declares, is unknown', async () => {
    const ch = await profileTargets([k8s('sock-shop')]);
    const found = pairs(ch);
    const documentedFound = sockShopDocumented.filter((e) => found.includes(e));
    // orders → payment, shipping, orders-db come from the orders image's code and configuration.
    // front-end → payment is drawn in the diagram, but neither the front-end's code nor the
    // authors' own NetworkPolicies (payment admits orders only) have it.
    expect(sockShopDocumented.filter((e) => !found.includes(e))).toEqual(['front-end → payment']);
    expect(documentedFound.length).toBe(11);
    // Not in the diagram, but real: SESSION_REDIS=true makes the front-end keep sessions in session-db.
    // orders → carts, payment, user: not drawn, but in the authors' own NetworkPolicies
    // (deploy/kubernetes/manifests-policy: carts, payment and user admit orders) and in orders' code.
    expect(found.filter((e) => !sockShopDocumented.includes(e))).toEqual([
      'front-end → session-db',
      'orders → carts',
      'orders → payment',
      'orders → user',
    ]);
    // The Service rabbitmq selects a pod with an exporter beside the broker: 5672 reaches the broker only.
    expect(containerEdges(ch).filter((e) => e.includes('rabbitmq'))).toEqual([
      'queue-master → rabbitmq/rabbitmq:5672/tcp',
      'shipping → rabbitmq/rabbitmq:5672/tcp',
    ]);
    // user's address is in the manifest (mongo=user-db:27017); the others come from the image catalogue.
    expect(ch.graph.edges.find((e) => e.from === 'user')?.sources[0]?.pointer).toMatch(/\/env\/0$/);
    const intent = (name: string) => ch.containers.find((c) => c.name === name)?.network.egressIntent?.state;
    expect(intent('orders')).toBe('complete');
    expect(intent('payment')).toBe('unknown');
    expect(intent('front-end')).toBe('complete');
    expect(intent('carts-db')).toBe('complete');
    expect(entryPoints(ch)).toEqual(['front-end:8079']);
  });
  // OpenShift's sample app (examples/sample-app/application-template-stibuild.json, a Template):
  // a Route to the frontend Service, and a database the frontend reaches through the variables
  // Kubernetes sets for the Service `database` (DATABASE_SERVICE_HOST/PORT in
  // openshift/ruby-hello-world config/database.rb) — in the application's code, not the template.
  it('OpenShift sample app: the Route is the entry point; the database edge lives in code, so the frontend is unknown', async () => {
    const ch = await profileTargets([k8s('openshift-sample-app')]);
    expect(ch.containers.map((c) => c.name).sort()).toEqual(['database', 'frontend']);
    expect(entryPoints(ch)).toEqual(['frontend:8080']);
    const route = ch.containers.find((c) => c.name === 'frontend')?.network.ingress.find((r) => r.peer.kind === 'any');
    expect(route?.sources[0]?.reason).toMatch(/Route route-edge \(www\.example\.com\)/);
    expect(pairs(ch)).toEqual([]);
    expect(ch.containers.find((c) => c.name === 'frontend')?.network.egressIntent?.state).toBe('unknown');
    expect(ch.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(ch.diagnostics.some((d) => d.code === 'kubernetes/template')).toBe(true);
  });
});

/** `from → to` for container edges, one per pair. */
function pairs(ch: Charter): string[] {
  return [...new Set(ch.graph.edges.flatMap((e) => (e.to.kind === 'container' ? [`${e.from} → ${e.to.name}`] : [])))].sort();
}

/** `container:port` of every ingress rule open to any peer. */
function entryPoints(ch: Charter): string[] {
  return ch.containers
    .flatMap((c) => c.network.ingress.filter((r) => r.peer.kind === 'any').map((r) => `${c.name}:${r.port ?? '*'}`))
    .sort();
}
