// The intended service graphs of real applications' manifests (none written by this project)
// contain every connection their documentation describes and no invented one.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { containerEdges, corpusRoot, profileTargets } from '../src/test-support/profile.js';

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
});
