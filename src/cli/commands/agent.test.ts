/**
 * The agent's commands: `charter status` and `charter mode` against a control server of a fake
 * agent, and `charter agent`'s bad input (decided before anything runs: exit 2 from main) and the
 * line it prints per record. Running the agent on containers is src/runtime/agent/agent.podman.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlServer, type ControlServer } from '../../runtime/agent/control.js';
import { ODD_ID, fakeAgent, sampleStatus } from '../../runtime/agent/fixtures/status.js';
import { main, type Io } from '../main.js';
import { renderRecord } from './agent.js';
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

describe('charter agent, bad input', () => {
  it.each([
    ['no profile', ['agent', '--alerts', 'a.jsonl'], /needs --profile FILE \(repeatable\) or --derive/],
    ['no alerts file', ['agent', '--profile', 'p.json'], /required option '--alerts <file>'/],
    [
      'a mode it does not run in',
      ['agent', '--profile', 'p.json', '--alerts', 'a', '--mode', 'learn'],
      /--mode <mode>' argument 'learn' is invalid/,
    ],
  ])('%s: exit 2', async (_, args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a malformed profile: exit 2 naming the file and the line, nothing started', async () => {
    const bad = path.join(root, 'bad.json');
    writeFileSync(bad, '{"apiVersion": "charter/v1",\n "kind": "Charter", "containers": {}}');
    const r = await run(['agent', '--profile', bad, '--alerts', path.join(root, 'a.jsonl'), '--state-dir', path.join(root, 'state')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^charter: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+`));
    expect(r.stdout).toBe('');
  });
});

describe('renderRecord', () => {
  it('prints a deviation with its container, charter container, event, classification and action, escaped', () => {
    expect(
      renderRecord({
        seq: 7,
        at: '2026-12-05T10:00:00Z',
        type: 'deviation',
        containerId: 'abc',
        container: 'shop-api-1',
        verdict: {
          time: 't',
          kind: 'exec',
          event: 'exec /bin/sh -c \u001b[31mred',
          containerId: 'abc',
          container: 'api',
          mode: 'protect',
          action: 'block',
          deviation: { what: 'w', missing: 'm', wouldAllow: [], classification: 'attack', patterns: [] },
        },
      }),
    ).toBe('alert 7 deviation shop-api-1 [api]: exec /bin/sh -c \\x1b[31mred — attack, block\n');
    expect(renderRecord({ seq: 8, at: 't', type: 'gap', message: 'the agent was not watching from a to b' })).toBe(
      'alert 8 gap: the agent was not watching from a to b\n',
    );
  });
});
