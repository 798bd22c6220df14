import { describe, expect, it } from 'vitest';
import { composeReader } from '../readers/compose/index.js';
import { dockerfileReader } from '../readers/dockerfile/index.js';
import { kubernetesReader } from '../readers/kubernetes/index.js';
import { buildCharter } from './build.js';
import { loadKnowledge } from '../knowledge/index.js';

const kb = loadKnowledge();

function charter(files: Record<string, string>) {
  const results = Object.entries(files).map(([path, text]) => {
    const reader = [composeReader, dockerfileReader, kubernetesReader].find((r) => r.matches(path, text.slice(0, 4096)));
    if (!reader) throw new Error(`no reader for ${path}`);
    return reader.read({ path, text });
  });
  return buildCharter({ name: 't', generator: 't', inputs: [], results, images: [], diagnostics: [] }, kb);
}

describe('correlation', () => {
  it('attaches each Dockerfile to the compose service that builds it, even two in one directory', () => {
    const ch = charter({
      'compose.yaml': `services:
  api:
    build: { context: ./svc, dockerfile: Dockerfile.api }
  worker:
    build: { context: ./svc, dockerfile: Dockerfile.worker }
`,
      'svc/Dockerfile.api': 'FROM node:20\nEXPOSE 8080\nCMD ["node", "api.js"]\n',
      'svc/Dockerfile.worker': 'FROM node:20\nUSER 1000\nCMD ["node", "worker.js"]\n',
    });
    expect(ch.containers.map((c) => c.name)).toEqual(['api', 'worker']);
    const [api, worker] = ch.containers;
    expect(api?.network.listen.map((p) => p.port)).toEqual([8080]);
    expect(worker?.network.listen).toEqual([]);
    expect(worker?.user?.name).toBe('1000');
  });

  it('unites a compose service and a Kubernetes workload of the same name, manifest user first', () => {
    const ch = charter({
      'compose.yaml': 'services:\n  api:\n    image: shop/api:1\n    user: "2000"\n    cap_add: [NET_ADMIN]\n',
      'k8s.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec:
  template:
    spec:
      containers:
        - name: api
          image: shop/api:1
          ports: [{ containerPort: 9090 }]
`,
    });
    expect(ch.containers).toHaveLength(1);
    const c = ch.containers[0];
    expect(c?.network.listen.map((p) => p.port)).toEqual([9090]);
    expect(c?.capabilities.map((x) => x.name)).toEqual(['CAP_NET_ADMIN']);
    expect(c?.identity.sources.map((s) => s.artifact)).toEqual(['compose.yaml', 'k8s.yaml']);
  });

  it('names multi-container pods workload/container and keeps init containers apart', () => {
    const ch = charter({
      'pod.yaml': `apiVersion: v1
kind: Pod
metadata: { name: web }
spec:
  initContainers:
    - { name: migrate, image: app:1, command: ["migrate"] }
  containers:
    - { name: app, image: app:1 }
    - { name: proxy, image: envoyproxy/envoy:v1.30, ports: [{ containerPort: 10000 }] }
`,
    });
    expect(ch.containers.map((c) => c.name)).toEqual(['web/app', 'web/init:migrate', 'web/proxy']);
    expect(ch.containers.find((c) => c.name === 'web/proxy')?.roles.map((r) => r.id)).toContain('envoy');
  });

  it('a Kubernetes command replaces the Dockerfile entrypoint; args alone keep it', () => {
    const base = 'FROM alpine\nENTRYPOINT ["/usr/bin/tini", "--"]\nCMD ["server"]\n';
    const full = charter({
      'api/Dockerfile': base,
      'k.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata: { name: api }\nspec:\n  containers:\n    - { name: api, image: x/api:1, command: ["/bin/other"] }\n',
    });
    expect(full.containers[0]?.processes.map((p) => p.path)).toEqual(['/bin/other']);
    const args = charter({
      'api/Dockerfile': base,
      'k.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata: { name: api }\nspec:\n  containers:\n    - { name: api, image: x/api:1, args: ["worker", "--fast"] }\n',
    });
    expect(args.containers[0]?.processes.map((p) => [p.path, p.purpose])).toEqual([
      ['/usr/bin/tini', 'entrypoint'],
      ['worker', 'entrypoint'],
    ]);
  });
});
