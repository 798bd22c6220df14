import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../model/errors.js';
import { MAX_REQUEST_BYTES, agentStatus, answer, askAgent, setAgentMode, startControlServer, type ControlServer } from './control.js';
import { API_ID, fakeAgent, sampleStatus } from './fixtures/status.js';
import type { AgentControl } from './types.js';

const root = mkdtempSync(path.join(tmpdir(), 'charter-ctl-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const servers: ControlServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

let n = 0;
function socketPath(): string {
  return path.join(root, `d${++n}`, 'agent.sock');
}

async function start(p = socketPath(), control: AgentControl = fakeAgent(), opts = {}): Promise<ControlServer> {
  const s = await startControlServer(p, control, opts);
  servers.push(s);
  return s;
}

/** Raw lines over one connection: what a hostile or sloppy client sees. */
function converse(p: string, send: string | Buffer, expectLines: number): Promise<{ lines: string[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ path: p });
    let text = '';
    let closed = false;
    const done = (): void => {
      s.destroy();
      resolve({ lines: text.split('\n').filter((l) => l !== ''), closed });
    };
    s.on('data', (d) => {
      text += d.toString('utf8');
      if (text.split('\n').length - 1 >= expectLines) setTimeout(done, 50);
    });
    s.on('end', () => ((closed = true), done()));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? ((closed = true), done()) : reject(e)));
    s.on('connect', () => s.write(send));
    setTimeout(done, 5000);
  });
}

describe('control socket: the protocol', () => {
  it('answers status and mode; the socket is 0600 in a 0700 directory it created', async () => {
    const agent = fakeAgent();
    const s = await start(undefined, agent);
    expect(lstatSync(s.path).isSocket()).toBe(true);
    expect(lstatSync(s.path).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(s.path)).mode & 0o777).toBe(0o700);
    // No temporary name is left beside it.
    expect(spawnSync('ls', ['-A', path.dirname(s.path)], { encoding: 'utf8' }).stdout.trim()).toBe('agent.sock');

    expect(await agentStatus(s.path)).toEqual(sampleStatus());
    const changed = await setAgentMode(s.path, API_ID.slice(0, 12), 'monitor');
    expect(changed).toMatchObject({ id: API_ID, name: 'shop-api', mode: 'monitor' });
    expect(agent.calls).toEqual([`${API_ID.slice(0, 12)}=monitor`]);
    expect((await agentStatus(s.path)).containers[0]?.mode).toBe('monitor');
  });

  it("an unknown container is the agent's refusal, passed on verbatim", async () => {
    const s = await start();
    expect(await askAgent(s.path, { op: 'mode', container: 'nope', mode: 'protect' })).toEqual({
      ok: false,
      error: 'no watched container nope',
    });
    await expect(setAgentMode(s.path, 'nope', 'learn')).rejects.toThrow(new UserError('no watched container nope'));
  });

  it.each([
    ['not JSON', '{"op":', /^not JSON: /],
    ['a JSON array', '[1,2]', /^unknown op missing: expected one of status, mode$/],
    ['an unknown op', '{"op":"shutdown"}', /^unknown op "shutdown": expected one of status, mode$/],
    ['a bad mode', '{"op":"mode","container":"api","mode":"enforce"}', /^bad mode request: mode: /],
    ['an extra field', '{"op":"status","all":true}', /^bad status request: /],
    ['an empty container', '{"op":"mode","container":"","mode":"learn"}', /^bad mode request: container: /],
    ['deep nesting', `${'['.repeat(30_000)}${']'.repeat(30_000)}`, /^unknown op missing/],
  ])('%s is answered with an error, never a crash', async (_name, line, error) => {
    const r = await answer(line, fakeAgent());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(error);
  });

  it('keeps a connection after a bad line and answers the next, in order; blank lines are ignored', async () => {
    const s = await start();
    const r = await converse(s.path, '{"op":"status"\n\n{"op":"nope"}\n{"op":"mode","container":"shop-api","mode":"learn"}\n', 3);
    expect(r.lines.map((l) => JSON.parse(l) as { ok: boolean })).toMatchObject([
      { ok: false },
      { ok: false },
      { ok: true, container: { mode: 'learn' } },
    ]);
  });

  it('an agent that throws is an error answer (its message), and the server goes on', async () => {
    const s = await start(undefined, {
      status: () => {
        throw new Error('engine not ready');
      },
      setMode: () => Promise.reject(new Error('x')),
    });
    expect(await askAgent(s.path, { op: 'status' })).toEqual({ ok: false, error: 'engine not ready' });
    await expect(agentStatus(s.path)).rejects.toThrow(/refused: engine not ready/);
  });
});

describe('control socket: hostile clients', () => {
  it(`a line longer than ${MAX_REQUEST_BYTES} bytes is refused and the connection closed; the server answers others`, async () => {
    const s = await start();
    const r = await converse(s.path, Buffer.alloc(4 * 1024 * 1024, 'a'), 1);
    expect(r.lines).toHaveLength(1);
    expect(JSON.parse(r.lines[0]!)).toEqual({ ok: false, error: `request line longer than ${MAX_REQUEST_BYTES} bytes` });
    expect(r.closed).toBe(true);
    expect((await agentStatus(s.path)).alerts).toBe(3);
  });

  it('a line of exactly the limit is read (and judged)', async () => {
    const s = await start();
    const pad = MAX_REQUEST_BYTES - '{"op":"status","x":""}'.length;
    const r = await converse(s.path, `{"op":"status","x":"${'a'.repeat(pad)}"}\n`, 1);
    expect(JSON.parse(r.lines[0]!)).toMatchObject({ ok: false, error: expect.stringMatching(/^bad status request/) as unknown });
  });

  it('many connections at once: those beyond the limit are dropped, the server keeps serving', async () => {
    const s = await start(undefined, undefined, { maxConnections: 8 });
    const open = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<ReturnType<typeof createConnection>>((resolve) => {
            const c = createConnection({ path: s.path });
            c.on('error', () => undefined);
            c.on('connect', () => resolve(c));
            c.on('close', () => resolve(c));
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 100));
    const alive = open.filter((c) => !c.destroyed && c.readyState === 'open');
    for (const c of open) c.destroy();
    expect(alive.length).toBeLessThanOrEqual(8);
    await new Promise((r) => setTimeout(r, 50));
    expect((await agentStatus(s.path)).sensor.drops).toBe(12);
  });

  it('answers a thousand pipelined requests in order, even when the agent answers some slower than others', async () => {
    const agent = fakeAgent();
    const slow: AgentControl = {
      status: () => agent.status(),
      setMode: async (c, m) => {
        await new Promise((r) => setTimeout(r, Math.random() < 0.5 ? 2 : 0));
        return agent.setMode(c, m);
      },
    };
    const s = await start(undefined, slow);
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ op: 'mode', container: 'shop-api', mode: i % 2 ? 'learn' : 'protect' }),
    );
    const r = await converse(s.path, `${lines.join('\n')}\n`, 1000);
    expect(r.lines).toHaveLength(1000);
    expect(r.lines.map((l) => (JSON.parse(l) as { container: { mode: string } }).container.mode)).toEqual(
      lines.map((_, i) => (i % 2 ? 'learn' : 'protect')),
    );
  });

  it('stops reading from a client that does not read its answers (memory stays bounded)', async () => {
    const s = await start();
    const c = createConnection({ path: s.path });
    c.on('error', () => undefined);
    await new Promise((r) => c.on('connect', r));
    c.pause(); // never reads: the server's answers (about 1 KB each) pile up on its side
    const request = Buffer.from('{"op":"status"}\n'.repeat(4096)); // 64 KiB of requests a write
    let written = 0;
    for (let i = 0; i < 400 && c.writableLength < 8 * 1024 * 1024; i++) {
      c.write(request);
      written += request.length;
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 300));
    // The server stopped reading: what the client wrote stays in the client's buffer.
    expect(c.writableLength).toBeGreaterThan(written / 2);
    c.destroy();
    expect((await agentStatus(s.path)).alerts).toBe(3);
  });

  it('closes a connection that stays idle', async () => {
    const s = await start(undefined, undefined, { idleTimeoutMs: 100 });
    const closed = await new Promise<boolean>((resolve) => {
      const c = createConnection({ path: s.path });
      c.on('close', () => resolve(true));
      c.on('error', () => undefined);
      setTimeout(() => resolve(false), 3000);
    });
    expect(closed).toBe(true);
  });
});

describe('control socket: the socket file', () => {
  it('replaces a stale socket (its agent died without removing it)', async () => {
    const p = socketPath();
    mkdirSync(path.dirname(p), { mode: 0o700 });
    // A process that binds and is killed leaves the file behind with no one listening.
    const script = `require('net').createServer().listen(${JSON.stringify(p)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', script]);
    expect(lstatSync(p).isSocket()).toBe(true);
    await expect(askAgent(p, { op: 'status' })).rejects.toThrow(`no agent is listening on ${p}`);
    const s = await start(p);
    expect((await agentStatus(s.path)).containers).toHaveLength(2);
  });

  it('refuses a live socket: another agent runs', async () => {
    const s = await start();
    await expect(startControlServer(s.path, fakeAgent())).rejects.toThrow(/another agent is already listening/);
    expect((await agentStatus(s.path)).alerts).toBe(3); // the first one is untouched
  });

  it('refuses a path that is not a socket, and leaves it alone', async () => {
    const p = socketPath();
    mkdirSync(path.dirname(p), { mode: 0o700 });
    writeFileSync(p, 'precious');
    await expect(startControlServer(p, fakeAgent())).rejects.toThrow(/exists and is not a socket/);
    expect(readFileSync(p, 'utf8')).toBe('precious');
  });

  it('refuses a directory others could write in without the sticky bit; accepts a sticky one like /tmp', async () => {
    const open = path.join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(startControlServer(path.join(open, 'a.sock'), fakeAgent())).rejects.toThrow(/writable by other users/);
    chmodSync(open, 0o1777);
    const s = await start(path.join(open, 'a.sock'));
    expect(statSync(open).mode & 0o7777).toBe(0o1777); // not ours to chmod
    expect(lstatSync(s.path).mode & 0o777).toBe(0o600);
  });

  it('removes its socket on close, and a closed agent is "no agent"', async () => {
    const s = await startControlServer(socketPath(), fakeAgent());
    await s.close();
    expect(existsSync(s.path)).toBe(false);
    await expect(agentStatus(s.path)).rejects.toThrow(`no agent is listening on ${s.path}`);
  });

  it('refuses a path longer than a Unix socket can have', async () => {
    await expect(startControlServer(path.join(root, 'x'.repeat(120), 'agent.sock'), fakeAgent())).rejects.toThrow(/too long/);
  });
});

describe('askAgent: the client trusts nothing', () => {
  const others: Server[] = [];
  afterEach(() => {
    for (const o of others.splice(0)) o.close();
  });
  function other(p: string, onConn: (s: Socket) => void): Promise<void> {
    mkdirSync(path.dirname(p), { recursive: true });
    const srv = createServer(onConn);
    others.push(srv);
    return new Promise((r) => srv.listen(p, () => r()));
  }

  it('no socket at all: "no agent is listening on <path>"', async () => {
    const p = path.join(root, 'none', 'agent.sock');
    await expect(askAgent(p, { op: 'status' })).rejects.toThrow(new UserError(`no agent is listening on ${p}`));
  });

  it('something that never answers: a timeout naming the socket', async () => {
    const p = socketPath();
    await other(p, () => undefined);
    await expect(askAgent(p, { op: 'status' }, { timeoutMs: 200 })).rejects.toThrow(
      `the agent listening on ${p} did not answer within 0.2 s`,
    );
  });

  it.each([
    ['not JSON', 'hello\n', /not JSON/],
    ['JSON of another shape', '{"ok":true,"status":{"startedAt":1}}\n', /does not speak the agent's protocol$/],
  ])('something that answers %s is not taken for an agent', async (_n, reply, error) => {
    const p = socketPath();
    await other(p, (s) => s.end(reply));
    await expect(askAgent(p, { op: 'status' })).rejects.toThrow(error);
  });

  it('a connection closed without an answer', async () => {
    const p = socketPath();
    await other(p, (s) => s.end());
    await expect(askAgent(p, { op: 'status' })).rejects.toThrow(/closed the connection without answering/);
  });
});
