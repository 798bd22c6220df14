import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../runtime/agent/control.js';
import { ODD_ID, fakeAgent, sampleStatus } from '../../runtime/agent/fixtures/status.js';
import { main, type Io } from '../main.js';
import { renderAgentStatus } from './status.js';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false };
  return { code: await main(args, io), stdout, stderr };
}

const root = mkdtempSync(path.join(tmpdir(), 'charter-cli-agent-'));
const socket = path.join(root, 'run', 'agent.sock');
const nowhere = path.join(root, 'none', 'agent.sock');
let server: ControlServer;

beforeAll(async () => {
  server = await startControlServer(socket, fakeAgent());
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('charter status', () => {
  it('renders the agent, its sensor and one row a container, every cell escaped (exit 0)', async () => {
    const r = await run(['status', '--socket', socket]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        'agent started 2026-12-05T08:00:00Z, 3 alerts',
        'sensor running, 1 restart, 12 events dropped',
        'events judged: connect 1201, exec 40',
        '',
        'CONTAINER                IMAGE                   CHARTER                       MODE     EVENTS  ALERTS  BLOCKED  LIMITS',
        'shop-api                 localhost/shop/api:1.2  api (/etc/charter/shop.json)  protect  1234    3       2        egress intent unknown: connects not enforced',
        'odd"name\\x\\n\\x1b[31mred  localhost/odd:latest    -                             monitor  7       0       0        no profile: monitor only',
        '',
      ].join('\n'),
    );
    expect(r.stdout).not.toContain('\u001b');
  });

  it('--format json is the status itself', async () => {
    const r = await run(['status', '--socket', socket, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(sampleStatus());
  });

  it('says so when nothing is watched and the sensor is down', () => {
    const text = renderAgentStatus({ ...sampleStatus(), containers: [], events: {}, sensor: { running: false, restarts: 0, drops: 0 } });
    expect(text).toContain('sensor NOT RUNNING, 0 restarts, 0 events dropped');
    expect(text).toContain('events judged: none yet');
    expect(text.endsWith('no containers watched\n')).toBe(true);
  });

  it('no agent: exit 2 naming the socket', async () => {
    const r = await run(['status', '--socket', nowhere]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`charter: no agent is listening on ${nowhere}\n`);
  });
});

describe('charter mode', () => {
  it('switches a container and prints its new state (exit 0)', async () => {
    const r = await run(['mode', 'shop-api', 'learn', '--socket', socket]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('shop-api (a1b2c3d4e5f6): learn\n  limited: egress intent unknown: connects not enforced\n');
  });

  it('finds a container by short id; its hostile name is escaped', async () => {
    const r = await run(['mode', ODD_ID.slice(0, 12), 'protect', '--socket', socket]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('odd"name\\x\\n\\x1b[31mred (ffee00112233): protect');
  });

  it("unknown container: exit 2 with the agent's message", async () => {
    const r = await run(['mode', 'nope', 'monitor', '--socket', socket]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('charter: no watched container nope\n');
  });

  it('no agent: exit 2 naming the socket', async () => {
    const r = await run(['mode', 'shop-api', 'monitor', '--socket', nowhere]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no agent is listening on ${nowhere}`);
  });

  it('a mode that is not one: usage error, exit 2, nothing asked', async () => {
    const r = await run(['mode', 'shop-api', 'enforce', '--socket', socket]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/'enforce' is invalid for argument 'mode'/);
  });
});
