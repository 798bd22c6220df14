// Shared by the benchmarks: timing, the alternating baseline comparison, and unpacking an image
// the way extraction-based scanners do (the context baseline of the image benchmarks).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall-clock milliseconds of one call. */
export async function time(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs baseline and subject `runs` times each, alternating so drift in machine load hits both
 * alike, and prints one line of medians and their ratio. Options:
 *   runs       how many timed runs of each
 *   target     the ratio must be ≤ this (reported as `target`)
 *   targetMs   instead, the subject's median must be at most this many ms (reported as `targetMs`)
 *   prepare    untimed, before every subject run (and before the warm-up)
 *   warmUp     one untimed run of each first, for page cache and JIT (default true)
 *   width      column for the name (default 16)
 */
export async function compare(
  name,
  baseline,
  subject,
  { runs, target, targetMs, prepare = async () => undefined, warmUp = true, width = 16 },
) {
  const b = [];
  const s = [];
  if (warmUp) {
    await prepare();
    await subject();
    await baseline();
  }
  for (let i = 0; i < runs; i++) {
    b.push(await time(baseline));
    await prepare();
    s.push(await time(subject));
  }
  const subjectMs = median(s);
  const baselineMs = median(b);
  const ratio = subjectMs / baselineMs;
  const absolute = targetMs !== undefined;
  const ok = absolute ? subjectMs <= targetMs : target === undefined || ratio <= target;
  const goal = absolute
    ? `  (target < ${targetMs} ms) ${ok ? 'ok' : 'MISSED'}`
    : target !== undefined
      ? `  (target ≤ ${target}) ${ok ? 'ok' : 'MISSED'}`
      : '';
  console.log(
    `${name.padEnd(width)} subject ${subjectMs.toFixed(0).padStart(6)} ms  baseline ${baselineMs.toFixed(0).padStart(6)} ms  ratio ${ratio.toFixed(2)}${goal}`,
  );
  return absolute ? { name, subjectMs, baselineMs, ratio, targetMs, ok } : { name, subjectMs, baselineMs, ratio, target, ok };
}

/** `tar -xf` of an oci-archive into `out`, then every layer of its first manifest into `out/rootfs`. */
export function unpackRootfs(archive, out) {
  execFileSync('tar', ['-xf', archive, '-C', out]);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
  const blob = (d) => join(out, 'blobs', ...d.split(':'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  const rootfs = join(out, 'rootfs');
  mkdirSync(rootfs);
  for (const layer of manifest.layers) execFileSync('tar', ['-xf', blob(layer.digest), '-C', rootfs]);
}
