import { describe, expect, it } from 'vitest';
import { kubernetesReader } from '../../readers/kubernetes/index.js';
import { composeReader } from '../../readers/compose/index.js';
import { buildCharter } from '../build.js';
import { loadKnowledge } from '../../knowledge/index.js';
import type { ReaderResult } from '../../model/fragments.js';

function charterOf(...results: ReaderResult[]) {
  return buildCharter({ name: 't', generator: 't', inputs: [], results, images: [], diagnostics: [] }, loadKnowledge());
}

describe('service graph', () => {
  it('resolves a Service name through its selector to the container port behind targetPort', () => {
    const k = kubernetesReader.read({
      path: 'app.yaml',
      text: `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: shop/web:1
          env:
            - { name: API_URL, value: "http://api-svc.default.svc.cluster.local/v1" }
            - { name: SENTRY_DSN, value: "https://key@o1.ingest.sentry.example.com/1" }
            - { name: GET_HOSTS_FROM, value: dns }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  template:
    metadata: { labels: { app: api, tier: backend } }
    spec:
      containers:
        - name: api
          image: shop/api:1
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: api-svc }
spec:
  selector: { app: api }
  ports: [{ port: 80, targetPort: http }]
`,
    });
    const ch = charterOf(k);
    expect(ch.graph.edges.map((e) => [e.from, e.to, e.port])).toEqual([
      ['web', { kind: 'container', name: 'api' }, 8080],
      ['web', { kind: 'dns', name: 'o1.ingest.sentry.example.com' }, 443],
    ]);
    const api = ch.containers.find((c) => c.name === 'api');
    expect(api?.network.ingress.map((i) => [i.peer, i.port])).toEqual([[{ kind: 'container', name: 'web' }, 8080]]);
    const web = ch.containers.find((c) => c.name === 'web');
    // Named peers need the resolver; the resolver is a DNS peer of its own.
    expect(web?.network.egress.filter((e) => e.port === 53).map((e) => e.protocol)).toEqual(['tcp', 'udp']);
  });

  it('never prints a Secret value or a password in an edge reason', () => {
    const k = kubernetesReader.read({
      path: 'app.yaml',
      text: `apiVersion: v1
kind: Secret
metadata: { name: db }
stringData: { url: "postgres://admin:hunter2@db-host:5432/x" }
---
apiVersion: v1
kind: Pod
metadata: { name: app }
spec:
  containers:
    - name: app
      image: app:1
      env:
        - name: DATABASE_URL
          valueFrom: { secretKeyRef: { name: db, key: url } }
        - { name: OTHER_URL, value: "mysql://root:s3cret@other:3306/x" }
`,
    });
    const text = JSON.stringify(charterOf(k));
    expect(text).toContain('db-host');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('s3cret');
  });

  it('does not invent edges from values that are not addresses or from unresolved depends_on', () => {
    const c = composeReader.read({
      path: 'compose.yaml',
      text: `services:
  app:
    image: app:1
    environment:
      LOG_DIR: /var/log
      MODE: cluster
      TIMEOUT: "30"
      GREETING: "hello world"
    depends_on: [missing]
`,
    });
    expect(charterOf(c).graph.edges).toEqual([]);
  });
});
