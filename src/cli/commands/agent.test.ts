/**
 * `charter agent`'s bad input, decided before anything runs (exit 2 from main), and the line it
 * prints per record. Running it on containers is src/runtime/agent/agent.podman.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../main.js';
import { renderRecord } from './agent.js';

const dir = mkdtempSync(path.join(tmpdir(), 'charter-cli-agent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false };
  return { code: await main(args, io), stdout, stderr };
}

describe('charter agent, bad input', () => {
  it.each([
    ['no profile', ['agent', '--alerts', 'a.jsonl'], /required option '-p, --profile <profile>'/],
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
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"apiVersion": "charter/v1",\n "kind": "Charter", "containers": {}}');
    const r = await run(['agent', '--profile', bad, '--alerts', path.join(dir, 'a.jsonl'), '--state-dir', path.join(dir, 'state')]);
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
