// The service graph follows each platform's rules: $(VAR) expansion, namespaces, entry points,
// client ports, unresolved names and the egress intent they leave behind.
import { describe, expect, it } from 'vitest';
import { kubernetesReader } from '../../readers/kubernetes/index.js';
import { composeReader } from '../../readers/compose/index.js';
import { marathonReader } from '../../readers/marathon/index.js';
import { buildCharter } from '../build.js';
import { loadKnowledge } from '../../knowledge/index.js';
import type { ReaderResult } from '../../model/fragments.js';
import type { Charter } from '../../model/charter.js';
import { MAX_ENV_FROM_KEYS } from '../../readers/kubernetes/env.js';

const kb = loadKnowledge();
const charterOf = (...results: ReaderResult[]): Charter =>
  buildCharter({ name: 't', generator: 't', inputs: [], results, images: [], diagnostics: [] }, kb);
const k8s = (text: string, path = 'app.yaml'): ReaderResult => kubernetesReader.read({ path, text });
const compose = (text: string): ReaderResult => composeReader.read({ path: 'compose.yaml', text });
const edges = (ch: Charter): string[] =>
  ch.graph.edges.map((e) => `${e.from} → ${e.to.kind === 'container' ? e.to.name : JSON.stringify(e.to)}:${e.port ?? '*'}`).sort();
const container = (ch: Charter, name: string) => {
  const c = ch.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
const entryPorts = (ch: Charter, name: string): number[] =>
  container(ch, name)
    .network.ingress.filter((r) => r.peer.kind === 'any')
    .map((r) => r.port ?? 0)
    .sort((a, b) => a - b);

const deployment = (name: string, ns: string, spec: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: ${name}
${spec}
`;
const service = (name: string, ns: string, ports: string, type = 'ClusterIP'): string => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns} }
spec:
  type: ${type}
  selector: { app: ${name} }
  ports: ${ports}
`;

describe('Kubernetes $(VAR) in env, command and args', () => {
  it('finds the peer an argument names after expansion from env and envFrom (prefix, env wins)', () => {
    const ch = charterOf(
      k8s(
        [
          `apiVersion: v1
kind: ConfigMap
metadata: { name: conf, namespace: shop }
data: { HOST: wrong, DB_NAME: shop }`,
          `apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: shop }
stringData: { USER: app, PASS: s3cr3t-value }`,
          deployment(
            'api',
            'shop',
            `          image: shop/api:1
          envFrom:
            - { prefix: DB_, configMapRef: { name: conf } }
            - { secretRef: { name: creds } }
          env:
            - { name: DB_HOST, value: db }
            - { name: DSN, value: "$(USER):$(PASS)@tcp($(DB_HOST):3306)/$(DB_DB_NAME)" }
          command: ["/app"]
          args: ["-dsn=$(DSN)", "--cache", "$(CACHE_ADDR)", "$$(DB_HOST)"]`,
          ),
          deployment('db', 'shop', '          image: mysql:8\n          ports: [{ containerPort: 3306 }]'),
          service('db', 'shop', '[{ port: 3306 }]'),
        ].join('\n---\n'),
      ),
    );
    expect(edges(ch)).toEqual(['api → db:3306']);
    const edge = ch.graph.edges[0];
    const reasons = edge?.sources.map((s) => s.reason).join(' | ') ?? '';
    // The DSN carries a Secret's value: it finds the peer, and is never printed.
    expect(reasons).not.toContain('s3cr3t-value');
    expect(JSON.stringify(ch)).not.toContain('s3cr3t-value');
    expect(reasons).toMatch(/secret value/);
  });

  it('cyclic references stay as written and never loop', () => {
    const r = k8s(
      deployment(
        'a',
        'default',
        `          image: x/a:1
          env:
            - { name: A, value: "$(B)" }
            - { name: B, value: "$(A)" }
          args: ["$(A)", "$(B)"]`,
      ),
    );
    const f = r.containers[0];
    expect(f?.env.map((e) => [e.name, e.value])).toEqual([
      ['A', '$(B)'],
      ['B', '$(B)'],
    ]);
    expect(f?.commands[0]?.expanded).toEqual(['$(B)', '$(B)']);
  });

  it('values that double at every step are cut at the limit, with a diagnostic at the entry', () => {
    const env = ['            - { name: V0, value: "' + 'x'.repeat(1000) + '" }'];
    for (let i = 1; i <= 40; i++) env.push(`            - { name: V${i}, value: "$(V${i - 1})$(V${i - 1})" }`);
    const started = performance.now();
    const r = k8s(deployment('a', 'default', `          image: x/a:1\n          env:\n${env.join('\n')}`));
    expect(performance.now() - started).toBeLessThan(5000);
    const longest = Math.max(...(r.containers[0]?.env.map((e) => e.value?.length ?? 0) ?? []));
    expect(longest).toBeLessThanOrEqual(64 * 1024);
    const d = r.diagnostics.find((x) => x.code === 'kubernetes/expansion-too-long');
    expect(d?.line).toBeGreaterThan(1);
  });

  it('an envFrom of a ConfigMap with 100,000 keys is read in bounded time, and cut with a diagnostic', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `  K${i}: v`).join('\n');
    const text = `apiVersion: v1
kind: ConfigMap
metadata: { name: huge }
data:
${keys}
---
${deployment('a', 'default', '          image: x/a:1\n          envFrom: [{ configMapRef: { name: huge } }]')}`;
    const started = performance.now();
    const ch = charterOf(k8s(text));
    expect(performance.now() - started).toBeLessThan(20_000);
    const d = ch.diagnostics.find((x) => x.code === 'kubernetes/too-many-keys');
    expect(d?.message).toContain(String(MAX_ENV_FROM_KEYS));
    expect(d?.file).toBe('app.yaml');
    expect(d?.line).toBeGreaterThan(100_000);
  }, 30_000);
});

describe('variables from a ConfigMap or Secret of another file', () => {
  it('are completed from every manifest read: envFrom with a prefix, a key reference, and the command expanded with them', () => {
    const config = k8s(
      `apiVersion: v1
kind: ConfigMap
metadata: { name: shared, namespace: shop }
data: { URL: "postgres://pg:5432/shop" }
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: shop }
stringData: { cache: "redis://:hunter2@cache:6379/0" }`,
      'config.yaml',
    );
    const app = k8s(
      [
        deployment(
          'api',
          'shop',
          `          image: shop/api:1
          envFrom: [{ prefix: DB_, configMapRef: { name: shared } }]
          env:
            - { name: CACHE, valueFrom: { secretKeyRef: { name: creds, key: cache } } }
          args: ["--db=$(DB_URL)"]`,
        ),
        deployment('pg', 'shop', '          image: postgres:16'),
        service('pg', 'shop', '[{ port: 5432 }]'),
        deployment('cache', 'shop', '          image: redis:7'),
        service('cache', 'shop', '[{ port: 6379 }]'),
      ].join('\n---\n'),
      'app.yaml',
    );
    // Read alone, the file cannot say where the variables point: the intent is unknown.
    const alone = charterOf(app);
    expect(edges(alone)).toEqual([]);
    expect(container(alone, 'api').network.egressIntent?.state).toBe('unknown');
    const ch = charterOf(app, config);
    expect(edges(ch)).toEqual(['api → cache:6379', 'api → pg:5432']);
    const reasons = ch.graph.edges.flatMap((e) => e.sources.map((s) => s.reason)).join(' | ');
    expect(reasons).toMatch(/--db=postgres:\/\/pg:5432\/shop/);
    expect(JSON.stringify(ch)).not.toContain('hunter2');
    // With the ConfigMap read, the peers are known; the image's code is not, so api may call more.
    expect(container(ch, 'api').network.egressIntent?.state).toBe('unknown');
    expect(container(ch, 'api').network.egressIntent?.sources[0]?.reason).toMatch(/may call others/);
  });
});

describe('addresses in mounted ConfigMap files', () => {
  it('a key mounted as a file names the peer; the edge points at the key', () => {
    const ch = charterOf(
      k8s(
        [
          `apiVersion: v1
kind: ConfigMap
metadata: { name: app-config }
data:
  application.properties: |
    server.port=8080
    spring.datasource.url=jdbc:postgresql://pg:5432/orders
  unused.txt: "redis://not-mounted:6379"`,
          deployment(
            'orders',
            'default',
            `          image: shop/orders:1
          volumeMounts: [{ name: conf, mountPath: /config }]
      volumes:
        - name: conf
          configMap: { name: app-config, items: [{ key: application.properties, path: app.properties }] }`,
          ),
          deployment('pg', 'default', '          image: postgres:16'),
          service('pg', 'default', '[{ port: 5432 }]'),
        ].join('\n---\n'),
      ),
    );
    expect(edges(ch)).toEqual(['orders → pg:5432']);
    const s = ch.graph.edges[0]?.sources[0];
    expect(s?.pointer).toBe('/data/application.properties');
    expect(s?.line).toBe(5);
    expect(s?.reason).toMatch(/\/config\/app\.properties.*line 2/);
  });
});

describe('mounted files of a ConfigMap in another file', () => {
  it('are read from the other manifest; the source points at the key', () => {
    const config = k8s(
      `apiVersion: v1
kind: ConfigMap
metadata: { name: nginx-conf }
data:
  default.conf: |
    server {
      listen 80;
      location / { proxy_pass http://backend:8080; }
    }`,
      'configmap.yaml',
    );
    const app = k8s(
      [
        deployment(
          'proxy',
          'default',
          `          image: nginx:1.27
          volumeMounts: [{ name: conf, mountPath: /etc/nginx/conf.d }]
      volumes: [{ name: conf, configMap: { name: nginx-conf } }]`,
        ),
        deployment('backend', 'default', '          image: x/backend:1\n          ports: [{ containerPort: 8080 }]'),
        service('backend', 'default', '[{ port: 8080 }]'),
      ].join('\n---\n'),
      'app.yaml',
    );
    expect(edges(charterOf(app))).toEqual([]);
    const ch = charterOf(app, config);
    expect(edges(ch)).toEqual(['proxy → backend:8080']);
    const s = ch.graph.edges[0]?.sources[0];
    expect([s?.artifact, s?.pointer]).toEqual(['configmap.yaml', '/data/default.conf']);
    expect(s?.reason).toMatch(/\/etc\/nginx\/conf\.d\/default\.conf: line 3/);
  });
});

describe('names resolve as the platform resolves them', () => {
  const twoNamespaces = [
    deployment(
      'web',
      'a',
      '          image: x/web:1\n          env: [{ name: API_ADDR, value: "api:8080" }, { name: OTHER_URL, value: "http://api.b.svc.cluster.local:9090" }]',
    ),
    deployment('api', 'b', '          image: x/api:1\n          ports: [{ containerPort: 9090 }]'),
    service('api', 'b', '[{ port: 9090 }]'),
  ].join('\n---\n');

  it('a bare name resolves only within the caller namespace; a qualified one crosses', () => {
    const ch = charterOf(k8s(twoNamespaces));
    expect(edges(ch)).toEqual(['web → api:9090']);
    expect(ch.graph.edges[0]?.sources[0]?.reason).toMatch(/OTHER_URL/);
    // The bare `api` of namespace a is a service nothing declares.
    const d = ch.diagnostics.find((x) => x.code === 'profile/unresolved-peer');
    expect(d?.message).toMatch(/"api".*unresolved; an optional service\?/);
    expect(d?.line).toBe(11);
  });

  it('every qualified form of a Service name reaches it', () => {
    for (const host of ['api.b', 'api.b.svc', 'api.b.svc.cluster.local']) {
      const ch = charterOf(
        k8s(
          [
            deployment('web', 'a', `          image: x/web:1\n          env: [{ name: API_ADDR, value: "${host}:9090" }]`),
            deployment('api', 'b', '          image: x/api:1\n          ports: [{ containerPort: 9090 }]'),
            service('api', 'b', '[{ port: 9090 }]'),
          ].join('\n---\n'),
        ),
      );
      expect(edges(ch)).toEqual(['web → api:9090']);
    }
  });

  it('an unresolved internal name is not an internet host, and leaves the egress intent unknown', () => {
    const ch = charterOf(
      k8s(
        deployment(
          'web',
          'default',
          '          image: x/web:1\n          env: [{ name: ASSISTANT_ADDR, value: "assistant:80" }, { name: API_URL, value: "https://api.example.com" }]',
        ),
      ),
    );
    expect(edges(ch)).toEqual(['web → {"kind":"dns","name":"api.example.com"}:443']);
    const web = container(ch, 'web');
    expect(web.network.egress.some((r) => r.peer.kind === 'dns' && r.peer.name === 'assistant')).toBe(false);
    expect(web.network.egressIntent?.state).toBe('unknown');
    expect(web.network.egressIntent?.sources[0]?.reason).toMatch(/ASSISTANT_ADDR/);
  });

  it('listen addresses are never peers', () => {
    const ch = charterOf(
      k8s(
        deployment(
          'web',
          'default',
          '          image: x/web:1\n          env: [{ name: HOST, value: "0.0.0.0" }, { name: BIND_ADDR, value: "localhost:8080" }]',
        ),
      ),
    );
    expect(ch.graph.edges).toEqual([]);
  });
});

describe('entry points', () => {
  it('LoadBalancer and NodePort Services (named target ports too), Ingress backends and hostPorts', () => {
    const ch = charterOf(
      k8s(
        [
          deployment(
            'web',
            'default',
            '          image: x/web:1\n          ports: [{ name: http, containerPort: 8080 }, { containerPort: 9000, hostPort: 9000 }]',
          ),
          service('web-lb', 'default', '[{ port: 80, targetPort: http }]', 'LoadBalancer').replace('app: web-lb', 'app: web'),
          deployment('admin', 'default', '          image: x/admin:1\n          ports: [{ containerPort: 3000 }]'),
          service('admin', 'default', '[{ port: 3000 }]'),
          `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: main }
spec:
  rules:
    - host: admin.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: admin, port: { number: 3000 } } }`,
        ].join('\n---\n'),
      ),
    );
    expect(entryPorts(ch, 'web')).toEqual([8080, 9000]);
    expect(entryPorts(ch, 'admin')).toEqual([3000]);
    const lb = container(ch, 'web').network.ingress.find((r) => r.port === 8080);
    expect(lb?.sources[0]?.pointer).toBe('/spec/type');
    const ing = container(ch, 'admin').network.ingress.find((r) => r.peer.kind === 'any');
    expect(ing?.sources[0]?.reason).toMatch(/Ingress main for admin\.example\.com/);
  });

  it('an OpenShift Route: an entry point, and its host a name of the Service', () => {
    const ch = charterOf(
      k8s(
        [
          deployment('shop', 'default', '          image: x/shop:1\n          ports: [{ name: web, containerPort: 8080 }]'),
          service('shop', 'default', '[{ name: web, port: 80, targetPort: 8080 }]'),
          deployment(
            'bot',
            'default',
            '          image: x/bot:1\n          env: [{ name: SHOP_URL, value: "https://shop.apps.example.com/" }]',
          ),
          `apiVersion: route.openshift.io/v1
kind: Route
metadata: { name: shop }
spec:
  host: shop.apps.example.com
  to: { kind: Service, name: shop }
  port: { targetPort: web }`,
        ].join('\n---\n'),
      ),
    );
    expect(entryPorts(ch, 'shop')).toEqual([8080]);
    expect(edges(ch)).toEqual(['bot → shop:8080']);
  });

  it('a Route or Ingress naming a missing Service, and a Service selecting nothing, are reported with their position', () => {
    const ch = charterOf(
      k8s(
        [
          `apiVersion: route.openshift.io/v1
kind: Route
metadata: { name: r }
spec: { to: { kind: Service, name: ghost } }`,
          `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: i }
spec: { defaultBackend: { service: { name: phantom, port: { number: 80 } } } }`,
          service('lonely', 'default', '[{ port: 80 }]'),
        ].join('\n---\n'),
      ),
    );
    const missing = ch.diagnostics.filter((d) => d.code === 'profile/missing-backend');
    expect(missing.map((d) => [d.line, /ghost|phantom/.exec(d.message)?.[0]])).toEqual([
      [4, 'ghost'],
      [9, 'phantom'],
    ]);
    expect(ch.diagnostics.find((d) => d.code === 'profile/service-selects-nothing')?.line).toBe(11);
  });

  it('compose published ports are entry points; expose is not', () => {
    const ch = charterOf(
      compose(`services:
  web:
    image: nginx:1.27
    ports: ["8000:80", "443"]
    expose: ["9000"]
`),
    );
    expect(entryPorts(ch, 'web')).toEqual([80, 443]);
  });

  it('Marathon host ports, host-networked ports and marathon-lb service ports are entry points', () => {
    const r = marathonReader.read({
      path: 'group.json',
      text: JSON.stringify({
        id: '/shop',
        apps: [
          {
            id: 'web',
            container: {
              type: 'DOCKER',
              docker: { image: 'x/web:1', network: 'BRIDGE' },
              portMappings: [{ containerPort: 8080, hostPort: 0 }],
            },
          },
          { id: 'agent', container: { type: 'DOCKER', docker: { image: 'x/agent:1' } }, portDefinitions: [{ port: 10101 }] },
          {
            id: 'db',
            container: { type: 'DOCKER', docker: { image: 'postgres:16' }, portMappings: [{ containerPort: 5432 }] },
            networks: [{ mode: 'container', name: 'dcos' }],
          },
          {
            id: 'lb',
            labels: { HAPROXY_GROUP: 'external' },
            container: { type: 'DOCKER', docker: { image: 'x/lb:1' }, portMappings: [{ containerPort: 9000, servicePort: 10000 }] },
            networks: [{ mode: 'container', name: 'dcos' }],
          },
        ],
      }),
    });
    const ch = charterOf(r);
    expect(entryPorts(ch, '/shop/web')).toEqual([8080]);
    expect(entryPorts(ch, '/shop/agent')).toEqual([10101]);
    expect(entryPorts(ch, '/shop/db')).toEqual([]);
    expect(entryPorts(ch, '/shop/lb')).toEqual([9000]);
  });
});

describe('dependencies reach client ports', () => {
  it('depends_on a broker reaches its client port only (NATS 4222, RabbitMQ 5672/5671)', () => {
    const ch = charterOf(
      compose(`services:
  app:
    image: x/app:1
    depends_on: [nats, rabbit]
  nats:
    image: nats:2.10
    ports: ["4222", "6222", "8222"]
  rabbit:
    image: rabbitmq:3-management
`),
    );
    expect(edges(ch).filter((e) => e.startsWith('app'))).toEqual(['app → nats:4222', 'app → rabbit:5671', 'app → rabbit:5672']);
  });

  it('an address with a port narrows a dependency on the same peer to that port', () => {
    const ch = charterOf(
      compose(`services:
  app:
    image: x/app:1
    depends_on: [cache]
    environment: { CACHE_URL: "redis://cache:6380/0" }
  cache:
    image: x/cache:1
    expose: ["6380", "9121"]
`),
    );
    expect(edges(ch)).toEqual(['app → cache:6380']);
    expect(ch.graph.edges[0]?.sources.map((s) => s.pointer)).toEqual(['/services/app/depends_on/0', '/services/app/environment/CACHE_URL']);
  });

  it('Marathon: a dependency and a VIP or Mesos-DNS address of the same app make one edge', () => {
    const r = marathonReader.read({
      path: 'group.json',
      text: JSON.stringify({
        id: '/shop',
        apps: [
          {
            id: 'web',
            dependencies: ['/shop/api', '/shop/db'],
            container: { type: 'DOCKER', docker: { image: 'x/web:1' } },
            networks: [{ mode: 'container', name: 'dcos' }],
            env: { API_URL: 'http://shopapi.marathon.l4lb.thisdcos.directory:80', DB_HOST: 'db-shop.marathon.mesos', DB_PORT: '5432' },
          },
          {
            id: 'api',
            container: {
              type: 'DOCKER',
              docker: { image: 'x/api:1' },
              portMappings: [{ containerPort: 8080, labels: { VIP_0: '/shop/api:80' } }],
            },
            networks: [{ mode: 'container', name: 'dcos' }],
          },
          {
            id: 'db',
            container: { type: 'DOCKER', docker: { image: 'postgres:16' }, portMappings: [{ containerPort: 5432 }] },
            networks: [{ mode: 'container', name: 'dcos' }],
          },
        ],
      }),
    });
    const ch = charterOf(r);
    expect(edges(ch)).toEqual(['/shop/web → /shop/api:8080', '/shop/web → /shop/db:5432']);
  });
});

describe('egress intent', () => {
  it('unknown when nothing declares what a container calls, or only addresses do; complete for services that call no one', () => {
    const ch = charterOf(
      compose(`services:
  mystery:
    image: example.com/mystery:1
  web:
    image: example.com/web:1
    environment: { DATABASE_URL: "postgres://db:5432/app" }
  db:
    image: postgres:16
  secretive:
    image: example.com/secretive:1
    environment: [API_HOST]
`),
    );
    expect(ch.containers.map((c) => [c.name, c.network.egressIntent?.state])).toEqual([
      ['db', 'complete'],
      ['mystery', 'unknown'],
      ['secretive', 'unknown'],
      ['web', 'unknown'],
    ]);
    expect(container(ch, 'web').network.egressIntent?.sources[0]?.reason).toMatch(/DATABASE_URL.*may call others/);
    expect(container(ch, 'mystery').network.egressIntent?.sources[0]?.reason).toMatch(/nothing declares what mystery calls/);
    expect(container(ch, 'db').network.egressIntent?.sources[0]?.kb).toBe('role:postgres');
    expect(container(ch, 'secretive').network.egressIntent?.sources[0]?.pointer).toBe('/services/secretive/environment/0');
  });

  it('an env_file not read leaves a service unknown, but not a database', () => {
    const ch = charterOf(
      compose(`services:
  web:
    image: example.com/web:1
    env_file: web.env
    environment: { DATABASE_URL: "postgres://db:5432/app" }
  db:
    image: postgres:16
    env_file: [db.env]
`),
    );
    expect(container(ch, 'web').network.egressIntent?.state).toBe('unknown');
    expect(container(ch, 'web').network.egressIntent?.sources[0]?.reason).toMatch(/env_file web\.env, which is not read/);
    expect(container(ch, 'db').network.egressIntent?.state).toBe('complete');
  });

  it("any fragment's unknown wins over declared peers", () => {
    const r = compose(`services:
  web:
    image: example.com/web:1
    environment: { DATABASE_URL: "postgres://db:5432/app" }
  db:
    image: postgres:16
`);
    const f = r.containers.find((x) => x.key.name === 'web');
    if (!f) throw new Error('no fragment');
    f.egressIntent = [
      {
        state: 'unknown',
        source: { kind: 'nodejs', artifact: 'server.js', line: 3, reason: 'host read from process.env.UPSTREAM, which nothing sets' },
      },
    ];
    const ch = charterOf(r);
    expect(container(ch, 'web').network.egressIntent).toEqual({ state: 'unknown', sources: [f.egressIntent[0]?.source] });
  });

  it('a variable that takes an address from a Secret outside the manifests leaves it unknown', () => {
    const ch = charterOf(
      k8s(
        deployment(
          'web',
          'default',
          '          image: x/web:1\n          env: [{ name: DB_HOST, valueFrom: { secretKeyRef: { name: elsewhere, key: host } } }, { name: POD_IP, valueFrom: { fieldRef: { fieldPath: status.podIP } } }]',
        ),
      ),
    );
    expect(container(ch, 'web').network.egressIntent?.state).toBe('unknown');
    expect(
      container(ch, 'web')
        .network.egressIntent?.sources.map((s) => s.reason)
        .join(),
    ).toMatch(/DB_HOST/);
    expect(
      container(ch, 'web')
        .network.egressIntent?.sources.map((s) => s.reason)
        .join(),
    ).not.toMatch(/POD_IP/);
  });
});
