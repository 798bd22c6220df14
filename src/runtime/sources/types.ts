/**
 * What every event source is: a recogniser and a converter from one parsed record of its format
 * to Charter events. Sources never throw on a record: what they cannot use they skip with a
 * reason, which replay counts and reports with the line. The conformance suite
 * (sources/conformance.test.ts) holds every source in the table to this.
 */
import type { RuntimeEvent } from '../../model/events.js';

export const SOURCE_IDS = ['charter', 'falco', 'tetragon', 'tracee', 'sensor'] as const;
export type SourceId = (typeof SOURCE_IDS)[number];

export type Conversion = { readonly events: readonly RuntimeEvent[] } | { readonly skip: string };

export interface EventSource {
  readonly id: SourceId;
  /** One line for `--help` and the docs. */
  readonly describes: string;
  /** Does this parsed record look like one of mine? Cheap; used to detect a stream's format. */
  recognises(record: unknown): boolean;
  /** One record → zero or more events, or a skip with its reason. `line` is 1-based, for provenance. */
  convert(record: unknown, line: number): Conversion;
}

export function skip(reason: string): Conversion {
  return { skip: reason };
}
