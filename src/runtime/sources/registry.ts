/**
 * The one table of event sources. Replay detects a stream's format by asking each, in this order,
 * whether it recognises the stream's first records; the conformance suite runs every entry.
 */
import { charterSource } from './charter.js';
import { falcoSource } from './falco.js';
import { sensorSource } from './sensor.js';
import { tetragonSource } from './tetragon.js';
import { traceeSource } from './tracee.js';
import type { EventSource, SourceId } from './types.js';

export const EVENT_SOURCES: readonly EventSource[] = [charterSource, falcoSource, tetragonSource, traceeSource, sensorSource];

export function eventSource(id: SourceId): EventSource {
  const s = EVENT_SOURCES.find((x) => x.id === id);
  if (!s) throw new Error(`no event source ${id}`);
  return s;
}

/** The source that recognises most of the sample records (ties: the table's order); undefined when none recognises any. */
export function detectSource(sample: readonly unknown[]): EventSource | undefined {
  let best: EventSource | undefined;
  let bestCount = 0;
  for (const s of EVENT_SOURCES) {
    const n = sample.filter((r) => s.recognises(r)).length;
    if (n > bestCount) {
      best = s;
      bestCount = n;
    }
  }
  return best;
}
