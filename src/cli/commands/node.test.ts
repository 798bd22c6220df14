import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../main.js';

const root = mkdtempSync(path.join(tmpdir(), 'charter-cli-node-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY: false };
  return { code: await main(args, io), out, err };
}

describe('charter node', () => {
  it('counts what the seccomp profile allows: names it answers ENOSYS (clone3, io_uring_*) are counted apart', async () => {
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'server.js' }));
    writeFileSync(path.join(root, 'server.js'), "require('node:http').createServer((q, r) => r.end('ok')).listen(3000);\n");
    const seccomp = path.join(root, 'seccomp.json');
    const text = await run(['node', root, '--seccomp', seccomp]);
    expect(text.code, text.err).toBe(0);
    const profile = JSON.parse(readFileSync(seccomp, 'utf8')) as { syscalls: { names: string[]; action: string }[] };
    const allowed = profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names);
    const m = /syscalls allowed: (\d+) \(and (\d+) answered ENOSYS: ([a-z0-9_, ]+)\)/.exec(text.out);
    expect(m, text.out).not.toBeNull();
    expect(Number(m?.[1])).toBe(allowed.length);
    for (const s of (m?.[3] ?? '').split(', ')) expect(allowed).not.toContain(s);

    const json = await run(['node', root, '--format', 'json']);
    const out = JSON.parse(json.out) as { all: string[]; seccomp: { allowed: string[]; enosys: string[] } };
    expect(out.seccomp.allowed.length).toBe(allowed.length);
    expect(out.seccomp.allowed.length + out.seccomp.enosys.length).toBe(out.all.length);
  });
});
