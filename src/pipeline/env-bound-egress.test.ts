/**
 * Code that reads its peer's host from a variable is as complete as the deployment that sets it:
 * compose sets REDIS_HOST for one service (its egress is the cache, complete) and not for the
 * other (unknown, saying which variable nothing sets).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { profileTargets } from '../test-support/profile.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function app(server: string, compose: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'charter-env-egress-'));
  made.push(dir);
  mkdirSync(path.join(dir, 'api'));
  writeFileSync(path.join(dir, 'api/package.json'), '{"name":"api","version":"1.0.0","main":"server.js"}\n');
  writeFileSync(path.join(dir, 'api/server.js'), server);
  writeFileSync(path.join(dir, 'api/Dockerfile'), 'FROM node:20\nWORKDIR /app\nCOPY . /app\nEXPOSE 8080\nCMD ["node","server.js"]\n');
  writeFileSync(path.join(dir, 'compose.yaml'), compose);
  return dir;
}

const COMPOSE = `services:
  api:
    build: ./api
    environment:
      REDIS_HOST: cache
  lonely:
    build: ./api
  cache:
    image: redis:7
`;

describe('egress of code that reads its host from a variable', () => {
  it('complete where the deployment sets the variable, unknown where nothing does', async () => {
    const dir = app(
      "const net = require('node:net');\nrequire('node:http').createServer((q, s) => { net.connect({ host: process.env.REDIS_HOST, port: 6379 }).end(); s.end(); }).listen(8080);\n",
      COMPOSE,
    );
    const ch = await profileTargets([dir]);
    const byName = new Map(ch.containers.map((c) => [c.name, c]));
    const api = byName.get('api')!;
    expect(api.network.egressIntent?.state).toBe('complete');
    expect(api.network.egressIntent?.sources.map((s) => s.reason)).toContainEqual(
      expect.stringMatching(/net\.connect reads its host from process\.env\.REDIS_HOST: REDIS_HOST is set by compose\.yaml:\d+/),
    );
    expect(api.network.egress.filter((e) => e.peer.kind === 'container').map((e) => [e.peer, e.port])).toEqual([
      [{ kind: 'container', name: 'cache' }, 6379],
    ]);
    const lonely = byName.get('lonely')!;
    expect(lonely.network.egressIntent?.state).toBe('unknown');
    expect(lonely.network.egressIntent?.sources[0]?.reason).toMatch(/no artifact of the container sets REDIS_HOST/);
  }, 60_000);

  it('a default the code names binds it when unset; a value from an env_file not read does not', async () => {
    const dir = app(
      "const net = require('node:net');\nnet.connect({ host: process.env.REDIS_HOST || 'cache', port: 6379 }).end();\n",
      `services:
  api:
    build: ./api
  other:
    build: ./api
    env_file: other.env
  cache:
    image: redis:7
`,
    );
    const ch = await profileTargets([dir]);
    const byName = new Map(ch.containers.map((c) => [c.name, c]));
    expect(byName.get('api')?.network.egressIntent?.state).toBe('complete');
    expect(byName.get('api')?.network.egressIntent?.sources.map((s) => s.reason)).toContainEqual(
      expect.stringMatching(/REDIS_HOST is not set, so the code uses the host it names/),
    );
    expect(byName.get('other')?.network.egressIntent?.state).toBe('unknown');
  }, 60_000);
});
