/**
 * `charter replay`'s disk edge: the profile, the hosts file and the event stream are read here;
 * the engine and the replay (src/runtime) are pure.
 */
import type { Charter } from '../model/charter.js';
import type { RuntimeEvent } from '../model/events.js';
import { InputError } from '../model/errors.js';
import type { Mode, Verdict } from '../model/verdicts.js';
import { readInputText } from '../io/read-input.js';
import { readLineBatches } from '../io/read-lines.js';
import { MAX_PROFILE_BYTES, parseCharter } from '../profile/serialize.js';
import { addressBookFromHosts } from '../runtime/address-book.js';
import { RuntimeEngine } from '../runtime/engine/engine.js';
import { Replay, type ReplaySummary } from '../runtime/replay.js';
import type { SourceId } from '../runtime/sources/types.js';

/** Longest event line taken: Tetragon's largest records are tens of kilobytes; a megabyte is not an event. */
export const MAX_EVENT_LINE = 1 << 20;
/** A hosts file lists addresses, not a stream: 64 MiB is a cluster of a million pods. */
const MAX_HOSTS_BYTES = 64 * 1024 * 1024;

export interface ReplayFileOptions {
  readonly profile: string;
  readonly source?: SourceId;
  readonly mode?: Mode;
  readonly hosts?: string;
  /** `id=container` pairs the user gave. */
  readonly containers?: readonly string[];
  readonly all?: boolean;
  readonly warn: (message: string) => void;
}

export interface OpenedReplay {
  readonly charter: Charter;
  /** Replays one event stream (a path, or `-` for standard input), handing each verdict to `emit` (and deviations with their event to `observe`). */
  run(events: string, emit: (v: Verdict) => void, observe?: (v: Verdict, e: RuntimeEvent) => void): Promise<ReplaySummary>;
}

/** Reads the profile and the hosts file, compiles the engine: everything but the events. */
export async function openReplay(opts: ReplayFileOptions): Promise<OpenedReplay> {
  const charter = parseCharter(await readInputText(opts.profile, { maxBytes: MAX_PROFILE_BYTES, what: 'profile' }), opts.profile);
  const containers = new Map<string, string>();
  for (const pair of opts.containers ?? []) {
    const eq = pair.indexOf('=');
    const name = pair.slice(eq + 1);
    if (eq <= 0 || !charter.containers.some((c) => c.name === name)) {
      throw new InputError(
        `--container ${pair}: expected RUNTIME-ID=NAME with NAME a container of the profile (${charter.containers.map((c) => c.name).join(', ')})`,
        opts.profile,
      );
    }
    containers.set(pair.slice(0, eq), name);
  }
  let book;
  if (opts.hosts !== undefined) {
    const r = addressBookFromHosts(await readInputText(opts.hosts, { maxBytes: MAX_HOSTS_BYTES, what: 'hosts file' }), charter);
    for (const p of r.problems) opts.warn(`${opts.hosts}:${p.line}: ${p.message}; line ignored`);
    book = r.book;
  }
  const engine = new RuntimeEngine(charter, {
    ...(opts.mode ? { mode: opts.mode } : {}),
    ...(book ? { addressBook: book } : {}),
    containers,
  });
  return { charter, run: (events, emit, observe) => replayLines(events, engine, opts, emit, observe) };
}

async function replayLines(
  events: string,
  engine: RuntimeEngine,
  opts: ReplayFileOptions,
  emit: (v: Verdict) => void,
  observe: ((v: Verdict, e: RuntimeEvent) => void) | undefined,
): Promise<ReplaySummary> {
  const replay = new Replay(engine, {
    ...(opts.source ? { source: opts.source } : {}),
    ...(opts.all ? { all: true } : {}),
    emit,
    ...(observe ? { observe } : {}),
  });
  for await (const batch of readLineBatches(events, MAX_EVENT_LINE)) {
    for (const l of batch) {
      if ('tooLong' in l) replay.skipLine(`longer than ${MAX_EVENT_LINE} characters`, l.line);
      else replay.line(l.text, l.line);
    }
  }
  const summary = replay.finish();
  if (summary.events === 0 && summary.skipped > 0 && summary.lines > 0 && summary.source === undefined) {
    throw new InputError(
      `no line is an event of a known format (${summary.skipReasons[0]?.reason ?? 'nothing recognised'}, first at line ${summary.skipReasons[0]?.firstLine ?? 1})`,
      events,
    );
  }
  return summary;
}
