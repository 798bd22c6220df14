#!/usr/bin/env node
/**
 * Builds and checks the Node.js API → syscall map against what Node really does.
 *
 *   node scripts/node-syscalls/generate.mjs [--node PATH] [--check] [--only ID,ID] [--io-uring] [--uring-enosys] [--floor] [--runs N]
 *
 * For each API id in snippets.json, runs the snippet under `strace -f` (clone3 and io_uring_*
 * answered ENOSYS, as Charter's seccomp emitter does) and compares the syscalls seen beyond the
 * runtime floor (the node-floor group; the map file's `floorGroups`) with the map entry that
 * answers for the id. A snippet passes when observed ⊆ node-floor ∪ entry(api) ∪ runc-bootstrap;
 * a name that only runc-bootstrap allows is reported as a note (entries stay complete on their
 * own). The floor programs (lib.mjs FLOOR_PROGRAMS) must need nothing outside node-floor.
 *
 * --check     print the misses and exit 1 when there is any (also when a floor program needs
 *             something outside the floor group)
 * (default)   print a proposed JSON patch: `entries` (map entries with the lacking names added,
 *             for node<major>.json) and, for every snippet, the observed set beyond the floor
 * --io-uring  also run every snippet with io_uring allowed (UV_USE_IO_URING=1) and list what it adds
 * --uring-enosys  run with UV_USE_IO_URING=1 and io_uring_setup answered ENOSYS, instead of the
 *             default UV_USE_IO_URING=0 (both take libuv's thread-pool path)
 * --floor     print the measured floor (each floor program, their union, how it compares with the
 *             node-floor group), a plain HTTP server's observed set and the static sizes
 *             |runc-bootstrap ∪ node-floor| and that ∪ map(http.createServer, http.Server#listen,
 *             net.Server#listen); with --floor alone no snippet runs
 * --runs N    union of N runs per snippet (threads make traces vary a little); floor programs
 *             run max(N, 3) times
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTrace, ENOSYS_INJECTED, FLOOR_PROGRAMS, startPeers, traceSnippet } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

function parseArgs(argv) {
  const o = {
    node: process.execPath,
    check: false,
    only: undefined,
    ioUring: false,
    floor: false,
    runs: 1,
    concurrency: 2,
    snippets: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--node') o.node = argv[++i];
    else if (a === '--check') o.check = true;
    else if (a === '--only') o.only = String(argv[++i]).split(',').filter(Boolean);
    else if (a === '--io-uring') o.ioUring = true;
    else if (a === '--uring-enosys') o.uringEnosys = true;
    else if (a === '--floor') o.floor = true;
    else if (a === '--runs') o.runs = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--concurrency') o.concurrency = Math.max(1, Number(argv[++i]) || 1);
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  // --floor alone measures the floor only; with --check or --only the snippets run too.
  if (o.floor && !o.check && o.only === undefined) o.snippets = false;
  return o;
}

/** Union of the syscall names of `runs` traced runs. */
async function observe(spec, o, extra) {
  const names = new Set();
  const notes = [];
  for (let i = 0; i < o.runs; i++) {
    const r = await traceSnippet({ node: o.node, ioUring: o.uringEnosys ? 'enosys' : 'off', ...spec, ...extra });
    for (const n of r.names.keys()) names.add(n);
    if (r.timedOut) notes.push('timed out');
    if (r.served === false) notes.push('client exchange failed');
    if (r.names.size === 0) notes.push(`no trace: ${r.stderr.trim().slice(0, 200)}`);
  }
  return { names, notes };
}

async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const version = execFileSync(o.node, ['-p', 'process.versions.node + " " + process.arch + " uv " + process.versions.uv'], {
    encoding: 'utf8',
  }).trim();
  const major = Number(version.split('.')[0]);
  const mapFile = join(repo, 'src', 'knowledge', 'node-syscalls', `node${major}.json`);
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const entries = new Map(map.entries.map((e) => [e.api, e.syscalls]));
  const groups = JSON.parse(readFileSync(join(repo, 'src', 'knowledge', 'syscall-groups.json'), 'utf8')).syscallGroups;
  const group = (id) => groups.find((g) => g.id === id)?.syscalls ?? [];
  const floorIds = map.floorGroups ?? ['node-floor'];
  const floor = new Set(floorIds.flatMap(group));
  const runc = new Set(group('runc-bootstrap'));
  const snippets = JSON.parse(readFileSync(join(here, 'snippets.json'), 'utf8')).snippets;
  const ids = o.snippets
    ? Object.keys(snippets).filter((k) => o.only === undefined || o.only.includes(k) || o.only.includes(k.split('~')[0]))
    : [];
  console.error(
    `node ${version}; map ${map.version} (${entries.size} entries, floor ${floorIds.join(' ∪ ')}: ${floor.size}); ${ids.length} snippets`,
  );

  const peers = await startPeers();
  try {
    const baseline = await observe({ code: '' }, o, { env: peers.env });
    // Every floor program, max(runs, 3) times: the floor group must hold all of it.
    const floorRuns = { ...o, runs: Math.max(o.runs, 3) };
    const measured = new Set();
    const perProgram = [];
    for (const p of FLOOR_PROGRAMS) {
      const { name, ...spec } = p;
      const seen = await observe(spec, floorRuns, { env: peers.env });
      perProgram.push({ name, seen });
      for (const n of seen.names) measured.add(n);
    }
    const floorMisses = [...measured].filter((n) => !floor.has(n) && !ENOSYS_INJECTED.includes(n)).sort();

    if (o.floor) {
      const server = await observe(
        {
          code: "const s = require('http').createServer((q, r) => { r.end('ok'); s.close(); }).listen(+process.env.SERVE_PORT, '127.0.0.1')",
          client: 'http',
        },
        o,
        { env: peers.env },
      );
      const show = (label, set) => console.log(`${label}: ${set.size} syscalls: ${[...set].sort().join(' ')}`);
      const base = baseline.names;
      for (const { name, seen } of perProgram) {
        const plus = [...seen.names].filter((n) => !base.has(n)).sort();
        const minus = [...base].filter((n) => !seen.names.has(n)).sort();
        const notes = seen.notes.length > 0 ? ` [${[...new Set(seen.notes)].join('; ')}]` : '';
        console.log(
          `${name}: ${seen.names.size}${plus.length > 0 ? ` +${plus.join(' +')}` : ''}${minus.length > 0 ? ` -${minus.join(' -')}` : ''} (vs the empty program)${notes}`,
        );
      }
      show('floor programs, union', measured);
      console.log(`  not in ${floorIds.join(' ∪ ')}: ${floorMisses.join(' ') || '(none)'}`);
      console.log(
        `  in ${floorIds.join(' ∪ ')}, not seen: ${
          [...floor]
            .filter((n) => !measured.has(n))
            .sort()
            .join(' ') || '(none)'
        }`,
      );
      show('http server, one request from outside (observed)', server.names);
      const staticFloor = new Set([...runc, ...floor]);
      const http = new Set(staticFloor);
      for (const id of ['http.createServer', 'http.Server#listen', 'net.Server#listen']) for (const n of entries.get(id) ?? []) http.add(n);
      console.log(
        `static: |runc-bootstrap ∪ ${floorIds.join(' ∪ ')}| = ${staticFloor.size}; ∪ map(http.createServer, http.Server#listen, net.Server#listen) = ${http.size}`,
      );
      console.log(
        `  http server observed, not in the static set: ${
          [...server.names]
            .filter((n) => !http.has(n) && !ENOSYS_INJECTED.includes(n))
            .sort()
            .join(' ') || '(none)'
        }`,
      );
    }

    if (!o.snippets) return floorMisses.length > 0 ? 1 : 0;

    const results = await pool(ids, o.concurrency, async (key) => {
      const raw = snippets[key];
      const spec = typeof raw === 'string' ? { code: raw } : raw;
      const api = key.split('~')[0];
      const seen = await observe(spec, o, { env: peers.env });
      const check = checkTrace({
        api,
        observed: seen.names,
        baseline: baseline.names,
        floor,
        entries,
        also: runc,
        ignore: ENOSYS_INJECTED,
      });
      let uring;
      if (o.ioUring) {
        const u = await observe(spec, o, { env: peers.env, ioUring: 'on' });
        uring = [...u.names].filter((n) => !seen.names.has(n)).sort();
      }
      return { key, ...check, notes: seen.notes, uring };
    });

    let misses = floorMisses.length;
    if (floorMisses.length > 0) console.log(`(floor programs) not in ${floorIds.join(' ∪ ')}: ${floorMisses.join(' ')}`);
    for (const r of results) {
      misses += r.misses.length;
      const note = r.notes.length > 0 ? ` [${[...new Set(r.notes)].join('; ')}]` : '';
      if (o.check) {
        const onlyRunc = r.lacking.filter((n) => !r.misses.includes(n));
        if (r.misses.length > 0) console.log(`${r.key} (entry ${r.entry ?? 'none'}): missing ${r.misses.join(' ')}${note}`);
        else if (note !== '') console.log(`${r.key}: ok${note}`);
        if (onlyRunc.length > 0)
          console.log(`${r.key} (entry ${r.entry ?? 'none'}): allowed only by runc-bootstrap: ${onlyRunc.join(' ')}`);
      }
      if (r.uring !== undefined && r.uring.length > 0) console.log(`${r.key} with io_uring adds: ${r.uring.join(' ')}`);
    }
    if (!o.check) {
      const patch = results.map((r) => ({
        api: r.key,
        entry: r.entry ?? null,
        observed: r.beyondFloor,
        missing: r.lacking,
        ...(r.notes.length > 0 ? { notes: [...new Set(r.notes)] } : {}),
      }));
      // The proposal: for each answering entry that lacks names, the entry with them added (ids
      // without an entry get a new one); sources are for a person to write.
      const proposed = new Map();
      for (const r of results) {
        if (r.lacking.length === 0) continue;
        const id = r.entry ?? r.api;
        const prev = proposed.get(id) ?? entries.get(id) ?? [];
        proposed.set(id, [...new Set([...prev, ...r.lacking])].sort());
      }
      const entriesPatch = [...proposed].map(([api, syscalls]) => ({
        api,
        syscalls,
        source: map.entries.find((e) => e.api === api)?.source ?? 'TODO',
      }));
      console.log(JSON.stringify({ node: version, floorMisses, entries: entriesPatch, results: patch }, null, 2));
    }
    console.error(`${results.length} snippets checked, ${misses} misses`);
    return o.check && misses > 0 ? 1 : 0;
  } finally {
    await peers.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
