import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../model/events.js';
import { addDriftEvidence, inUpperDir, sha256Of } from './drift-evidence.js';

const upper = mkdtempSync(path.join(tmpdir(), 'charter-upper-'));
afterAll(() => rmSync(upper, { recursive: true, force: true }));
mkdirSync(path.join(upper, 'tmp'));
mkdirSync(path.join(upper, 'usr/bin'), { recursive: true });
writeFileSync(path.join(upper, 'tmp/node'), 'dropped');
writeFileSync(path.join(upper, 'usr/bin/node'), 'changed');
symlinkSync('/etc/passwd', path.join(upper, 'tmp/link'));

const exec = (p: string, origin?: 'image' | 'written' | 'unknown'): RuntimeEvent => ({
  kind: 'exec',
  time: '2026-12-05T22:00:00Z',
  container: { id: 'c1' },
  process: { path: p, ...(origin ? { origin } : {}) },
});
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('drift evidence from the writable layer', () => {
  it('a refused exec of a file in the writable layer is written; one of the image is left alone', () => {
    const e = addDriftEvidence(exec('/tmp/node'), upper, () => false);
    expect(e.kind === 'exec' && e.process.origin).toBe('written');
    const image = addDriftEvidence(exec('/usr/bin/env'), upper, () => false);
    expect(image.kind === 'exec' && image.process.origin).toBeUndefined();
    const sensorSaid = addDriftEvidence(exec('/tmp/node', 'image'), upper, () => false);
    expect(sensorSaid.kind === 'exec' && sensorSaid.process.origin).toBe('image');
  });

  it('a written file at a path the charter pins by sha256 gets its new sha256', () => {
    const e = addDriftEvidence(exec('/usr/bin/node'), upper, (p) => p === '/usr/bin/node');
    expect(e.kind === 'exec' && e.process.sha256).toBe(sha('changed'));
    const notPinned = addDriftEvidence(exec('/tmp/node'), upper, () => false);
    expect(notPinned.kind === 'exec' && notPinned.process.sha256).toBeUndefined();
  });

  it('never leaves the upper directory, nor follows a symlink there', () => {
    expect(inUpperDir(upper, '/../../etc/passwd')).toBe(path.join(upper, 'etc/passwd'));
    expect(inUpperDir('/u', '/a/../../b')).toBe('/u/b');
    expect(inUpperDir(upper, 'relative')).toBeUndefined();
    expect(sha256Of(path.join(upper, 'tmp/link'))).toBeUndefined();
    const link = addDriftEvidence(exec('/tmp/link'), upper, () => true);
    expect(link.kind === 'exec' && link.process.origin).toBeUndefined();
  });

  it('other kinds and containers without a writable layer are left alone', () => {
    const open: RuntimeEvent = { kind: 'open', time: 't', container: { id: 'c' }, process: {}, path: '/tmp/node', write: true };
    expect(addDriftEvidence(open, upper, () => true)).toEqual(open);
    const e = addDriftEvidence(exec('/tmp/node'), undefined, () => true);
    expect(e.kind === 'exec' && e.process.origin).toBeUndefined();
  });
});
