/**
 * The loader's parser of AUDIT_SECCOMP records (sensor/audit.c), run as `charter-sensor
 * --parse-audit` over records generated here: hostile ones (random bytes, absurd numbers, cut and
 * repeated fields, untrusted strings quoted or hex-encoded as the kernel writes them) must give
 * only valid JSON lines the sensor source turns into valid events or skips with a reason; records
 * shaped as the kernel writes them must come back field for field. Needs the loader built (root on
 * Linux with clang, bpftool and kernel BTF, as the sensor's other tests); skipped loudly elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkEvent } from '../events/validate.js';
import { sensorSource } from '../sources/sensor.js';
import { repoRoot } from '../../test-support/profile.js';
import { SENSOR_BINARY } from './sensor-process.js';

const canBuild = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux') && hasCommand('bpftool');
if (!canBuild)
  console.warn(
    '\n!!! SKIPPED src/runtime/sensor/audit-parse.test.ts: it needs root on Linux with bpftool and kernel BTF to build the sensor; the audit record parser was NOT tested !!!\n',
  );

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

/** Runs the parser over the records (NUL-separated, as it reads them); its output lines, parsed. */
function parse(records: Buffer[]): { status: number | null; lines: string[] } {
  const input = Buffer.concat(records.flatMap((r) => [r, Buffer.from([0])]));
  const r = spawnSync(SENSOR_BINARY, ['--parse-audit'], { input, timeout: 30_000, maxBuffer: 64 << 20 });
  return {
    status: r.status,
    lines: r.stdout
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== ''),
  };
}

/** An untrusted string as the kernel logs it (audit_log_untrustedstring): quoted when plain, else hex. */
function untrusted(bytes: Buffer): string {
  const plain = bytes.every((b) => b > 0x20 && b < 0x7f && b !== 0x22);
  return plain ? `"${bytes.toString('latin1')}"` : bytes.toString('hex').toUpperCase();
}

const ARCHES = ['c000003e', 'c00000b7', '40000003', '0'];

/** Printable ASCII, spaces, quotes and control bytes: what a process may name itself. */
const asciiBytes = (max: number): fc.Arbitrary<Buffer> =>
  fc.array(fc.integer({ min: 1, max: 0x7f }), { minLength: 1, maxLength: max }).map((a) => Buffer.from(a));

const wellFormed = fc.record({
  sec: fc.integer({ min: 1, max: 4_000_000_000 }),
  ms: fc.integer({ min: 0, max: 999 }),
  pid: fc.integer({ min: 1, max: 4_194_304 }),
  uid: fc.integer({ min: 0, max: 4_294_967_295 }),
  comm: asciiBytes(15),
  exe: asciiBytes(200).map((b) => Buffer.concat([Buffer.from('/'), b])),
  arch: fc.constantFrom(...ARCHES),
  syscall: fc.integer({ min: 0, max: 1000 }),
  code: fc.constantFrom('0x50000', '0x80000000', '0x0', '0x30000', '0x7ffc0000', '0x12345'),
});

type WellFormed = typeof wellFormed extends fc.Arbitrary<infer T> ? T : never;

function recordText(r: WellFormed): Buffer {
  return Buffer.concat([
    Buffer.from(
      `audit(${r.sec}.${String(r.ms).padStart(3, '0')}:7): auid=4294967295 uid=${r.uid} gid=0 ses=4294967295 subj=unconfined pid=${r.pid} comm=`,
    ),
    Buffer.from(untrusted(r.comm), 'latin1'),
    Buffer.from(' exe='),
    Buffer.from(untrusted(r.exe), 'latin1'),
    Buffer.from(` sig=0 arch=${r.arch} syscall=${r.syscall} compat=0 ip=0x7f7d7a6e734a code=${r.code}`),
  ]);
}

/** Anything: random bytes, fields cut or repeated, absurd values. NUL is the records' separator. */
const hostile = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 300 }).map((a) => Buffer.from(a.map((b) => (b === 0 ? 1 : b)))),
  fc
    .tuple(
      fc.array(
        fc.constantFrom(
          'pid=',
          'syscall=',
          'arch=',
          'code=',
          'comm=',
          'exe=',
          'uid=',
          ' ',
          '"',
          'audit(',
          ')',
          ':',
          '.',
          '-1',
          '99999999999999999999999',
          'ffffffffffffffff',
          'c000003e',
          '0x50000',
          '4142',
          '(null)',
          'zz',
          '\\',
          '\n',
          '\u00ff',
        ),
        { maxLength: 40 },
      ),
    )
    .map(([parts]) => Buffer.from(parts.join(''), 'latin1')),
  wellFormed.chain((r) =>
    fc.integer({ min: 0, max: 400 }).map((cut) => {
      const t = recordText(r);
      return t.subarray(0, Math.min(cut, t.length));
    }),
  ),
  fc.constant(Buffer.alloc(20_000, 0x41)),
);

describe.skipIf(!canBuild)('the audit record parser (sensor/audit.c)', () => {
  beforeAll(() => {
    const built = spawnSync(path.join(repoRoot, 'scripts/build-sensor.sh'), { encoding: 'utf8', timeout: 300_000 });
    expect(built.status, built.stderr).toBe(0);
  }, 300_000);

  it.skipIf(!hasCommand('setpriv'))('without CAP_AUDIT_READ says so once, before ready, and loads anyway', () => {
    const r = spawnSync('setpriv', ['--inh-caps=-audit_read', '--bounding-set=-audit_read', SENSOR_BINARY, '--seccomp-audit'], {
      input: '',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      '{"seccompAudit":false,"error":"bind to the audit multicast group: Operation not permitted"}',
      '{"ready":true}',
    ]);
    expect(r.status).toBe(0);
  });

  it('gives back what a record shaped as the kernel writes it says', () => {
    fc.assert(
      fc.property(fc.array(wellFormed, { minLength: 1, maxLength: 50 }), (rs) => {
        const out = parse(rs.map(recordText));
        expect(out.status).toBe(0);
        expect(out.lines).toHaveLength(rs.length);
        out.lines.forEach((line, i) => {
          const r = rs[i]!;
          const o = JSON.parse(line) as Record<string, unknown>;
          expect(o).toMatchObject({ kind: 'seccomp', pid: r.pid, uid: r.uid, syscall: r.syscall, arch: r.arch });
          expect(o.comm).toBe(r.comm.toString('latin1'));
          expect(o.exe).toBe(r.exe.toString('latin1'));
          expect(o.time).toBe(`${new Date(r.sec * 1000).toISOString().slice(0, 19)}.${String(r.ms).padStart(3, '0')}Z`);
          const c = sensorSource.convert(o, i + 1);
          if (!('events' in c)) throw new Error(`skipped: ${c.skip}`);
          const e = c.events[0]!;
          expect(checkEvent(JSON.parse(JSON.stringify(e)) as unknown).ok).toBe(true);
          expect(e).toMatchObject({ kind: 'syscall', denied: r.code !== '0x7ffc0000' });
        });
      }),
      { numRuns: 20 },
    );
  });

  it('turns hostile records into valid lines only, each an event or a reasoned skip', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 100 }), (rs) => {
        const out = parse(rs);
        expect(out.status).toBe(0);
        expect(out.lines.length).toBeLessThanOrEqual(rs.length);
        out.lines.forEach((line, i) => {
          const o = JSON.parse(line) as Record<string, unknown>;
          expect(o.kind).toBe('seccomp');
          expect(line.length).toBeLessThan(40_000);
          const c = sensorSource.convert(o, i + 1);
          if ('events' in c) for (const e of c.events) expect(checkEvent(JSON.parse(JSON.stringify(e)) as unknown).ok).toBe(true);
          else expect(c.skip).toMatch(/\w/);
        });
      }),
      { numRuns: 30 },
    );
  });
});
