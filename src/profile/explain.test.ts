import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { explain, explainContainer, formatSource } from './explain.js';
import { profileTargets, repoRoot } from '../test-support/profile.js';

const shop = await profileTargets([join(repoRoot, 'examples/shop')], {}, 'shop');

describe('explain', () => {
  it('answers why a connection is allowed with the declaring file and line', () => {
    const r = explain(shop, 'egress:db', 'api');
    expect(r.matches.map((m) => m.subject)).toEqual(['db:5432/tcp']);
    const where = r.matches[0]?.sources.map(formatSource) ?? [];
    expect(
      where.some((w) =>
        /^compose\.yaml:\d+:\d+ \/services\/api\/environment\/DATABASE_URL — DATABASE_URL=postgres:\/\/shop:\*\*\*@db:5432\/shop/.test(w),
      ),
    ).toBe(true);
    expect(where.some((w) => w.startsWith('k8s/shop.yaml:'))).toBe(true);
  });

  it('answers why a syscall is allowed with its group and the intent that needs it', () => {
    const r = explain(shop, 'syscall:bind', 'cache');
    expect(r.matches).toHaveLength(1);
    const kbs = r.matches[0]?.sources.map((s) => s.kb).filter(Boolean);
    expect(kbs).toContain('syscall-group:network-server');
    expect(r.matches[0]?.sources.some((s) => s.artifact === 'k8s/shop.yaml' && /containerPort 6379/.test(s.reason))).toBe(true);
  });

  it('answers for an analysed Node.js app with the API call and its file:line', () => {
    const r = explain(shop, 'syscall:listen', 'api');
    const where = r.matches[0]?.sources.map(formatSource) ?? [];
    expect(where).toContain('api/server.js:10:8 — http.Server#listen needs listen');
  });

  it('finds capabilities with or without the CAP_ prefix, and nothing that is not allowed', () => {
    expect(explain(shop, 'cap:NET_BIND_SERVICE', 'web').matches).toHaveLength(1);
    expect(explain(shop, 'capability:CAP_NET_BIND_SERVICE', 'web').matches).toHaveLength(1);
    expect(explain(shop, 'cap:SYS_ADMIN').matches).toEqual([]);
    expect(explain(shop, 'syscall:ptrace').matches).toEqual([]);
    expect(explain(shop, 'exec:/bin/bash', 'api').matches).toEqual([]);
  });

  it('matches writable paths below a declared directory', () => {
    const r = explain(shop, 'path:/var/lib/postgresql/data/base', 'db');
    expect(r.matches.map((m) => m.subject)).toEqual(['/var/lib/postgresql/data [volume]']);
  });

  it('lists every rule of a container when no query is given', () => {
    const all = explain(shop, undefined, 'worker').matches;
    expect(new Set(all.map((m) => m.kind))).toEqual(
      new Set(['image', 'user', 'role', 'exec', 'egress', 'writable', 'read-only-root', 'syscall']),
    );
    for (const m of all) expect(m.sources.length).toBeGreaterThan(0);
  });

  it('answers container by container exactly as for the whole charter', () => {
    for (const q of ['syscall:bind', undefined]) {
      const parts = shop.containers.flatMap((c) => explainContainer(shop, c, q).matches);
      expect(parts).toEqual(explain(shop, q).matches);
    }
  });
});
