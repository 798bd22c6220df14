#!/usr/bin/env node
// A Kubernetes `List` of 5,000 one-line Pods (issue 8), through the same path as `charter profile`:
//
//   profile-list-5000   read + build + write the profile   vs  JSON.parse of the List's text (same run, alternating)
//
// and, from one run in a child process (so its peak memory is its own): wall time (target < 10 s),
// maximum RSS (target < 1 GiB) and bytes of profile JSON per container (target ≤ 10 KB).
// The Pods cycle through plain images and images with a knowledge-base role (nginx, redis,
// postgres, node), which carry the most allowances.
//
// Usage: node bench/profile-list.js [--pods 5000] [--runs 3] [--json]      (needs `npm run build`)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { compare } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const pods = Number(arg('--pods', 5000));
const runs = Number(arg('--runs', 3));

const TARGET_MS = 10_000;
const TARGET_RSS_BYTES = 1024 ** 3;
const TARGET_BYTES_PER_CONTAINER = 10 * 1024;

const { main } = await import(join(root, 'dist/cli/main.js'));

/** `charter profile <file>` in this process; returns the bytes written to stdout. */
async function profile(file) {
  let bytes = 0;
  const code = await main(['profile', file], { stdout: (s) => (bytes += Buffer.byteLength(s)), stderr: () => undefined, isTTY: false });
  if (code !== 0) throw new Error(`charter profile exited ${code}`);
  return bytes;
}

if (args[0] === '--child') {
  const t0 = performance.now();
  const bytes = await profile(args[1]);
  const ms = performance.now() - t0;
  const usage = process.resourceUsage();
  // CPU time beside wall time: on a shared machine the wall clock measures the neighbours too.
  console.log(JSON.stringify({ ms, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, bytes, maxRssBytes: usage.maxRSS * 1024 }));
  process.exit(0);
}

const IMAGES = ['nginx:1.25', 'redis:7', 'postgres:16', 'node:20', 'busybox:1.36', 'alpine:3.19', 'example/app:1'];
function list(n) {
  const items = [];
  for (let i = 0; i < n; i++) {
    const image = i % 3 === 0 ? `example/svc-${i}:1` : IMAGES[i % IMAGES.length];
    items.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image }] } });
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const dir = mkdtempSync(join(tmpdir(), 'charter-bench-list-'));
const file = join(dir, 'list.json');
writeFileSync(file, list(pods));
const text = readFileSync(file, 'utf8');
const name = `profile-list-${pods}`;
const results = [];
try {
  results.push(
    await compare(
      name,
      async () => JSON.parse(text),
      () => profile(file),
      { runs, width: 20 },
    ),
  );
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', file], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`child run failed: ${child.stderr}`);
  const one = JSON.parse(child.stdout);
  const perContainer = one.bytes / pods;
  const ok = (cond) => (cond ? 'ok' : 'MISSED');
  console.log(
    `${''.padEnd(20)} one run: ${(one.ms / 1000).toFixed(1)} s (${(one.cpuMs / 1000).toFixed(1)} s CPU; target < ${TARGET_MS / 1000} s) ${ok(one.ms < TARGET_MS)}, ` +
      `max RSS ${(one.maxRssBytes / 2 ** 20).toFixed(0)} MiB (target < 1024 MiB) ${ok(one.maxRssBytes < TARGET_RSS_BYTES)}, ` +
      `${(perContainer / 1024).toFixed(1)} KiB per container (target ≤ ${TARGET_BYTES_PER_CONTAINER / 1024} KiB) ${ok(perContainer <= TARGET_BYTES_PER_CONTAINER)}`,
  );
  Object.assign(results[0], { oneRunMs: one.ms, oneRunCpuMs: one.cpuMs, maxRssBytes: one.maxRssBytes, bytesPerContainer: perContainer });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
