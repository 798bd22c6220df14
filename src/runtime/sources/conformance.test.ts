/**
 * The one conformance suite every event source passes (sources/registry.ts): on the real samples
 * of its format (test/corpus/events, SOURCES.md) and on hostile records generated here, a source
 * never throws, every event it returns is a valid `charter-events/v1` event attributed to a
 * container and to the line it came from, every skip says why, the same record always gives the
 * same answer, and the format is detected from its own records.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../model/events.js';
import { applyJsonMutations, fuzzParameters, hostileJsonValue, jsonMutations } from '../../test-support/fuzz-bytes.js';
import { checkEvent } from '../events/validate.js';
import { detectSource, EVENT_SOURCES } from './registry.js';
import type { EventSource, SourceId } from './types.js';

const CORPUS = join(import.meta.dirname, '../../../test/corpus/events');

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

/** JSONL files a record a line; the single-event `.json` files (pretty-printed) one record each. */
function records(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return [JSON.parse(text)];
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}

/**
 * Tracee's documentation samples were recorded on hosts: all but one have an empty container id.
 * To check how their fields map, the suite also reads them placed in a container (`containerId`
 * set), and says so; on the real records as written, they are skipped as host events.
 */
function inContainer(r: unknown): unknown {
  return typeof r === 'object' && r !== null && (r as Record<string, unknown>).containerId === ''
    ? { ...r, containerId: 'f00dcafe0001' }
    : r;
}

function convertedSamples(): Map<SourceId, unknown[]> {
  const m = new Map<SourceId, unknown[]>();
  for (const id of ['falco', 'tetragon', 'tracee', 'sensor'] as const) {
    const recs = filesUnder(join(CORPUS, id)).flatMap(records);
    m.set(id, id === 'tracee' ? [...recs, ...recs.map(inContainer)] : recs);
  }
  // Charter's own lines: every event the adapters made from the real samples, as written to disk.
  const own: unknown[] = [];
  for (const id of ['falco', 'tetragon', 'tracee', 'sensor'] as const) {
    const s = EVENT_SOURCES.find((x) => x.id === id)!;
    m.get(id)!.forEach((r, i) => {
      const c = s.convert(r, i + 1);
      if ('events' in c) for (const e of c.events) own.push(JSON.parse(JSON.stringify(e)));
    });
  }
  m.set('charter', own);
  return m;
}

const SAMPLES = convertedSamples();

function expectConforms(source: EventSource, record: unknown, line: number): readonly RuntimeEvent[] {
  const c = source.convert(record, line);
  if ('skip' in c) {
    expect(typeof c.skip).toBe('string');
    expect(c.skip.length).toBeGreaterThan(5);
    expect(c.skip.length).toBeLessThan(300);
    return [];
  }
  for (const e of c.events) {
    const check = checkEvent(JSON.parse(JSON.stringify(e)));
    expect(check.ok ? 'valid' : check.reason, `${source.id} line ${line}: ${JSON.stringify(e).slice(0, 300)}`).toBe('valid');
    expect(e.container.id.length).toBeGreaterThan(0);
    if (source.id !== 'charter') expect(e.origin).toMatchObject({ engine: source.id, line });
  }
  return c.events;
}

describe.each(EVENT_SOURCES.map((s) => [s.id, s] as const))('event source %s', (id, source) => {
  const samples = SAMPLES.get(id) ?? [];

  it('turns its real samples into valid events, each in a container, or skips them with a reason', () => {
    let events = 0;
    samples.forEach((r, i) => (events += expectConforms(source, r, i + 1).length));
    expect(samples.length).toBeGreaterThan(0);
    // Each format's samples hold container events (checked per adapter in its own test).
    expect(events).toBeGreaterThan(0);
  });

  it('gives the same answer for the same record', () => {
    samples.forEach((r, i) =>
      expect(JSON.stringify(source.convert(r, i + 1))).toBe(JSON.stringify(source.convert(structuredClone(r), i + 1))),
    );
  });

  it('is detected from its own records', () => {
    expect(detectSource(samples.slice(0, 20))?.id).toBe(id);
  });

  it('never throws on hostile records (mutated samples, wrong types, deep nesting, huge strings)', () => {
    const base = samples.length > 0 ? samples : [{}];
    fc.assert(
      fc.property(fc.nat(base.length - 1), jsonMutations(4), (i, ms) => {
        expectConforms(source, applyJsonMutations(structuredClone(base[i]), ms), 7);
      }),
      fuzzParameters(300),
    );
    fc.assert(
      fc.property(hostileJsonValue(), (v) => {
        expectConforms(source, v, 1);
      }),
      fuzzParameters(300),
    );
  });
});
