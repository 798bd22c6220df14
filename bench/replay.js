#!/usr/bin/env node
// `charter replay` (issue 10): the engine over event streams, through the same path as the command.
//
//   replay-charter   replay of Charter's own event lines   vs  reading the same lines and JSON.parse of each (target ≤ 1.5)
//   replay-tetragon  replay of Tetragon's JSON export        vs  the same baseline on that file                 (target ≤ 2)
//
// and events per second on Charter's lines (target ≥ 500,000 per core), and the maximum RSS of
// replays of 1× and 4× the stream in child processes: memory must not grow with the stream.
// The events are the bundled example's application at work (its profile: test/golden/shop),
// about 1 % of them deviations.
//
// Usage: node bench/replay.js [--events 1000000] [--runs 3] [--json]      (needs `npm run build`)
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { compare } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const events = Number(arg('--events', 1_000_000));
const runs = Number(arg('--runs', 3));
const PROFILE = join(root, 'test/golden/shop/shop.charter.json');
const HOSTS_TEXT = '10.89.0.2 api\n10.89.0.3 db\n10.89.0.4 cache\n10.89.0.5 web\n10.89.0.6 worker\n';

const { openReplay } = await import(join(root, 'dist/pipeline/replay.js'));
const { readLineBatches } = await import(join(root, 'dist/io/read-lines.js'));

async function replay(file, hosts) {
  const r = await openReplay({ profile: PROFILE, hosts, warn: () => undefined });
  let n = 0;
  const s = await r.run(file, () => void n++);
  return { ...s, emitted: n };
}

async function parseAll(file) {
  let n = 0;
  for await (const batch of readLineBatches(file, 1 << 20))
    for (const l of batch) if ('text' in l && l.text !== '') n += JSON.parse(l.text) ? 1 : 0;
  return n;
}

if (args[0] === '--child') {
  const t0 = performance.now();
  const s = await replay(args[1], args[2]);
  const usage = process.resourceUsage();
  console.log(JSON.stringify({ ms: performance.now() - t0, events: s.events, maxRssBytes: usage.maxRSS * 1024 }));
  process.exit(0);
}

const api = { id: '4f1c2a9b8e7d', name: 'shop-api-1', image: 'shop/api:1.0' };
const worker = { id: '9a8b7c6d5e4f', name: 'shop-worker-1', image: 'shop/worker:1.0' };
function charterLine(i) {
  const time = new Date(Date.UTC(2026, 11, 4, 10) + i).toISOString();
  const pid = 100 + (i % 50);
  switch (i % 10) {
    case 0:
      return { kind: 'exec', time, container: api, process: { pid, path: '/usr/local/bin/node', argv: ['node', 'server.js'] } };
    case 1:
    case 2:
    case 3:
      return {
        kind: 'connect',
        time,
        container: api,
        process: { pid, path: '/usr/local/bin/node' },
        protocol: 'tcp',
        remote: { address: '10.89.0.3', port: 5432 },
      };
    case 4:
      return {
        kind: 'connect',
        time,
        container: worker,
        process: { pid, path: '/usr/local/bin/node' },
        protocol: 'tcp',
        remote: { address: '10.89.0.4', port: 6379 },
      };
    case 5:
      return {
        kind: 'open',
        time,
        container: api,
        process: { pid, path: '/usr/local/bin/node' },
        path: `/app/uploads/${i}.png`,
        write: true,
        create: true,
      };
    case 6:
      return {
        kind: 'accept',
        time,
        container: api,
        process: { pid, path: '/usr/local/bin/node' },
        protocol: 'tcp',
        local: { address: '10.89.0.2', port: 8080 },
        remote: { address: '10.89.0.5', port: 30000 + (i % 1000) },
      };
    case 7:
      return { kind: 'exit', time, container: api, process: { pid, path: '/usr/local/bin/node' }, code: 0 };
    case 8:
      return { kind: 'open', time, container: api, process: { pid, path: '/usr/local/bin/node' }, path: '/app/server.js', write: false };
    default:
      // About one in a hundred is a deviation: a shell, an undeclared peer.
      return i % 100 === 9
        ? { kind: 'exec', time, container: api, process: { pid, path: '/bin/sh', argv: ['sh', '-c', 'id'] } }
        : {
            kind: 'listen',
            time,
            container: api,
            process: { pid, path: '/usr/local/bin/node' },
            protocol: 'tcp',
            local: { address: '0.0.0.0', port: 8080 },
          };
  }
}

async function writeLines(file, n, make) {
  const out = createWriteStream(file);
  let buf = '';
  for (let i = 0; i < n; i++) {
    buf += `${make(i)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

const dir = mkdtempSync(join(tmpdir(), 'charter-bench-replay-'));
const results = [];
try {
  const hosts = join(dir, 'hosts');
  await writeLines(hosts, 1, () => HOSTS_TEXT);
  const own = join(dir, 'events.jsonl');
  await writeLines(own, events, (i) => JSON.stringify(charterLine(i)));
  const r = await compare(
    'replay-charter',
    () => parseAll(own),
    () => replay(own, hosts),
    { runs, target: 1.5, width: 18 },
  );
  const t0 = performance.now();
  const one = await replay(own, hosts);
  const perSecond = one.events / ((performance.now() - t0) / 1000);
  console.log(
    `${''.padEnd(18)} ${Math.round(perSecond).toLocaleString('en')} events/s on one core (target ≥ 500,000) ${perSecond >= 500_000 ? 'ok' : 'MISSED'}; ${one.deviations} deviations`,
  );
  results.push({ ...r, eventsPerSecond: perSecond });

  // Tetragon: the real export lines of the corpus, the container ids varied so the matcher works.
  const samples = readFileSync(join(root, 'test/corpus/events/tetragon/testdata-events.jsonl'), 'utf8').trim().split('\n');
  const tetragon = join(dir, 'tetragon.jsonl');
  const tetragonEvents = Math.round(events / 4);
  await writeLines(tetragon, tetragonEvents, (i) => samples[i % samples.length]);
  results.push(
    await compare(
      'replay-tetragon',
      () => parseAll(tetragon),
      () => replay(tetragon, hosts),
      { runs, target: 2, width: 18 },
    ),
  );

  // Memory: a stream four times as long must not need more.
  const big = join(dir, 'events4.jsonl');
  await writeLines(big, events * 4, (i) => JSON.stringify(charterLine(i)));
  const rss = [own, big].map((f) => {
    const c = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', f, hosts], { encoding: 'utf8' });
    if (c.status !== 0) throw new Error(`child failed: ${c.stderr}`);
    return JSON.parse(c.stdout);
  });
  const growth = rss[1].maxRssBytes / rss[0].maxRssBytes;
  console.log(
    `${''.padEnd(18)} max RSS ${(rss[0].maxRssBytes / 2 ** 20).toFixed(0)} MiB for ${rss[0].events.toLocaleString('en')} events, ${(rss[1].maxRssBytes / 2 ** 20).toFixed(0)} MiB for ${rss[1].events.toLocaleString('en')} (×${growth.toFixed(2)}; target ≤ ×1.2) ${growth <= 1.2 ? 'ok' : 'MISSED'}`,
  );
  results.push({ name: 'replay-memory', maxRss1x: rss[0].maxRssBytes, maxRss4x: rss[1].maxRssBytes, growth });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
