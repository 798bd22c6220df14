/**
 * The alert spool on a real SQLite file in a temporary directory: seqs in commit order, the alerts
 * file equal to the store, and every way a killed agent can leave the file (a torn last line, lines
 * missing, empty, ahead of a wiped store) reconciled on the next open. The agent killed for real
 * with SIGKILL is crash.podman.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../../model/errors.js';
import { Spool, type AlertDraft } from './spool.js';

let dir = '';
let state = '';
let file = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'charter-spool-'));
  state = join(dir, 'state');
  file = join(dir, 'alerts.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const draft = (i: number): AlertDraft => ({ at: `2026-12-05T10:00:${String(i % 60).padStart(2, '0')}Z`, type: 'gap', message: `gap ${i}` });

function fileSeqs(): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { seq: number }).seq);
}

function storeSeqs(): number[] {
  const s = Spool.open({ stateDir: state, alertsFile: file });
  try {
    return [...s.records()].map((r) => r.seq);
  } finally {
    s.close();
  }
}

function withSpool<T>(f: (s: Spool) => T): T {
  const s = Spool.open({ stateDir: state, alertsFile: file });
  try {
    return f(s);
  } finally {
    s.close();
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the spool', () => {
  it('gives seqs in commit order, one transaction per commit, and writes each alert as one line', () => {
    const out = withSpool((s) => [...s.commit([draft(1), draft(2)]), ...s.commit([draft(3)])]);
    expect(out.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('{"seq":1,"at":"2026-12-05T10:00:01Z","type":"gap","message":"gap 1"}');
    expect(fileSeqs()).toEqual([1, 2, 3]);
    expect(storeSeqs()).toEqual([1, 2, 3]);
  });

  it('continues the numbering after a restart, never reusing a seq', () => {
    withSpool((s) => s.commit([draft(1), draft(2)]));
    const next = withSpool((s) => s.commit([draft(3)]));
    expect(next[0]?.seq).toBe(3);
    expect(fileSeqs()).toEqual([1, 2, 3]);
  });

  it('cuts a torn last line and appends what the store holds after the last whole one', () => {
    withSpool((s) => s.commit([1, 2, 3, 4].map(draft)));
    const lines = readFileSync(file, 'utf8').split('\n');
    // Killed while writing alert 3: lines 1 and 2 whole, half of 3, nothing of 4.
    writeFileSync(file, `${lines[0]}\n${lines[1]}\n${lines[2]!.slice(0, 20)}`);
    const r = withSpool((s) => s.reconciled);
    expect(r).toEqual({ storeSeq: 4, fileSeq: 2, appended: 2, cut: 20 });
    expect(fileSeqs()).toEqual([1, 2, 3, 4]);
    expect(readFileSync(file, 'utf8')).toBe(`${lines.slice(0, 4).join('\n')}\n`);
  });

  it('cuts a torn first line and writes everything again', () => {
    withSpool((s) => s.commit([draft(1), draft(2)]));
    writeFileSync(file, '{"seq":1,"at"');
    expect(withSpool((s) => s.reconciled)).toMatchObject({ appended: 2, cut: 13, fileSeq: 0 });
    expect(fileSeqs()).toEqual([1, 2]);
  });

  it('appends alerts committed but never written (killed between the commit and the write), and a missing file whole', () => {
    withSpool((s) => s.commit(range(1, 2500).map(draft)));
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, `${lines.slice(0, 1200).join('\n')}\n`);
    expect(withSpool((s) => s.reconciled.appended)).toBe(1300);
    expect(fileSeqs()).toEqual(range(1, 2500));
    rmSync(file);
    expect(withSpool((s) => s.reconciled.appended)).toBe(2500);
    expect(fileSeqs()).toEqual(range(1, 2500));
  });

  it('numbers after the file when the store was wiped, so the file keeps growing', () => {
    withSpool((s) => s.commit([draft(1), draft(2)]));
    rmSync(state, { recursive: true });
    expect(withSpool((s) => s.commit([draft(3)]))[0]?.seq).toBe(3);
    expect(fileSeqs()).toEqual([1, 2, 3]);
  });

  it('keeps the heartbeat', () => {
    withSpool((s) => {
      expect(s.lastHeartbeat()).toBeUndefined();
      s.heartbeat('2026-12-05T10:00:00Z');
      s.heartbeat('2026-12-05T10:00:05Z');
    });
    expect(withSpool((s) => s.lastHeartbeat())).toBe('2026-12-05T10:00:05Z');
  });

  it('refuses a second agent on the same state directory', () => {
    withSpool(() => {
      expect(() => Spool.open({ stateDir: state, alertsFile: join(dir, 'other.jsonl') })).toThrow(
        /another agent holds this state directory/,
      );
    });
  });

  it('refuses an alerts file that is not one, naming it and the line, and writes nothing to it', () => {
    writeFileSync(file, '{"seq":1}\nhello\n');
    let err: unknown;
    try {
      Spool.open({ stateDir: state, alertsFile: file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).describe()).toBe(
      `${file}:2: the last line is not an alert record with a seq: not an alerts file of charter agent`,
    );
    expect(readFileSync(file, 'utf8')).toBe('{"seq":1}\nhello\n');
  });

  it('refuses a FIFO and a directory as the alerts file without blocking', () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(() => Spool.open({ stateDir: state, alertsFile: fifo })).toThrow(/not a regular file/);
    expect(() => Spool.open({ stateDir: state, alertsFile: dir })).toThrow(UserError);
  });
});
