/**
 * `charter agent --derive`: a container no profile describes gets a charter derived from its
 * image (the image config alone: its command, ports, user, packages) and then the agent's mode.
 * A busybox httpd image: its httpd keeps serving under protect mode, a shell exec'd into it is
 * refused and recorded, and the derivation itself is a `profile` record saying what was derived.
 * Needs root on Linux; skipped loudly elsewhere, never skipped in CI.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliProcess, ensureBuilt } from '../../test-support/built-cli.js';
import { busyboxRootfsTar, BUSYBOX_SERVICE } from '../../test-support/images.js';
import { canRunPodmanTests, cleanup, podman, podmanOk } from '../../test-support/podman.js';
import type { AlertRecord } from './types.js';

const BASE = 'localhost/agent-derive/bb-base:1';
const IMAGE = 'localhost/agent-derive/web:1';
const CTR = 'agent-derive-web';
const LABEL = `charter-derive-test=${process.pid}`;
const canRun = canRunPodmanTests('src/runtime/agent/derive.podman.test.ts', {
  untested: 'charters derived from images by the host agent',
  commands: ['podman', 'clang', 'bpftool'],
  files: ['/bin/busybox', '/sys/kernel/btf/vmlinux'],
});

describe.skipIf(!canRun)('charter agent --derive', () => {
  let dir = '';
  let agent: CliProcess | undefined;
  const alerts = (): AlertRecord[] => {
    const f = path.join(dir, 'alerts.jsonl');
    return existsSync(f)
      ? readFileSync(f, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as AlertRecord)
      : [];
  };
  async function until<T>(find: () => T | undefined, what: string): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const hit = find();
      if (hit !== undefined) return hit;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${what}: ${JSON.stringify(alerts(), null, 1).slice(0, 3000)}\n${agent?.stdout ?? ''}${agent?.stderr ?? ''}`);
  }

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'charter-derive-'));
    // A second program of the image the derived charter does not name (a copy of busybox: its own file).
    podmanOk(['import', busyboxRootfsTar(dir, { ...BUSYBOX_SERVICE, programs: { 'usr/bin/tool': '/bin/busybox' } }), BASE], {
      timeoutMs: 120_000,
    });
    const ctx = path.join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'index.html'), 'hello\n');
    writeFileSync(
      path.join(ctx, 'Dockerfile'),
      `FROM ${BASE}\nCOPY index.html /var/www/\nUSER 1000\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/var/www"]\n`,
    );
    podmanOk(['build', '--quiet', '--pull=never', '--network', 'none', '-t', IMAGE, ctx], { timeoutMs: 180_000 });
  }, 300_000);

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    if (canRun) cleanup([CTR], [IMAGE, BASE]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('derives the charter from the image, enforces it, and keeps the service running', async () => {
    agent = new CliProcess([
      'agent',
      '--derive',
      '--mode',
      'protect',
      '--alerts',
      path.join(dir, 'alerts.jsonl'),
      '--state-dir',
      path.join(dir, 'state'),
      '--socket',
      path.join(dir, 'agent.sock'),
      '--label',
      LABEL,
    ]);
    await agent.waitFor(/ready, watching 0 containers with 0 profiles \(and charters derived from images\)/);
    podmanOk(['run', '-d', '--name', CTR, '--label', LABEL, IMAGE], { timeoutMs: 60_000 });
    const derived = await until(
      () => alerts().find((r) => r.type === 'profile' && r.message?.includes('charter derived')),
      'derivation record',
    );
    expect(derived.message).toMatch(
      new RegExp(
        `${CTR}: charter derived from image ${IMAGE.replace(/[/.]/g, '\\$&')} \\(1 programs, 1 ports, egress \\w+\\); now in protect mode`,
      ),
    );
    await agent.waitFor(/derived a charter for agent-derive-web from image .*; now in protect mode/);

    // What the image declares runs on; another program of the image exec'd into it is refused in the kernel.
    const tool = podman(['exec', CTR, '/usr/bin/tool', 'sh', '-c', 'echo pwned']);
    expect(tool.stdout).not.toContain('pwned');
    expect(tool.status).not.toBe(0);
    const refused = await until(
      () => alerts().find((r) => r.type === 'deviation' && r.verdict?.kind === 'exec' && r.verdict.event.includes('/usr/bin/tool')),
      'the refused program',
    );
    expect(refused.verdict?.action).toBe('block');
    expect(refused.actions?.map((a) => a.step)).toContain('deny');
    expect(podmanOk(['inspect', '-f', '{{.State.Running}}', CTR]).trim()).toBe('true');
    // busybox applets share httpd's file, which the guard allows: the kernel kills an unlisted one
    // (the shell) before its first instruction, and the ladder records that kill.
    const shell = podman(['exec', CTR, 'sh', '-c', 'echo pwned']);
    expect(shell.stdout).not.toContain('pwned');
    expect(shell.status).toBe(137);
    const killed = await until(
      () => alerts().find((r) => r.type === 'deviation' && r.verdict?.kind === 'exec' && r.verdict.event.includes('echo pwned')),
      'the killed applet',
    );
    expect(killed.actions?.find((a) => a.step === 'kill')?.target).toMatch(/\(killed in the kernel\)$/);
    expect(podmanOk(['inspect', '-f', '{{.State.Running}}', CTR]).trim()).toBe('true');
    const end = await agent.stop('SIGTERM');
    expect(end.code).toBe(0);
  });
});
