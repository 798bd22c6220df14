/**
 * Replay: a dry run of what the engine would allow, alert or block on a stream of event lines,
 * in any format the source table knows (detected from the first records, or named). Pure: lines in
 * (the caller reads the file), verdicts out through a callback, and a summary at the end. Bad lines
 * are counted and skipped with their line number and reason, never stop the stream.
 */
import type { RuntimeEvent } from '../model/events.js';
import type { Verdict } from '../model/verdicts.js';
import type { RuntimeEngine } from './engine/engine.js';
import { detectSource, eventSource } from './sources/registry.js';
import type { EventSource, SourceId } from './sources/types.js';

/** Records read before the format is chosen: enough to outvote a stray line, few enough to hold. */
const DETECT_SAMPLE = 20;
/** Distinct skip reasons (and unmatched containers) listed; the rest are counted together. */
const MAX_LISTED = 50;

export interface CountedReason {
  readonly reason: string;
  count: number;
  readonly firstLine: number;
}

export interface ReplaySummary {
  source?: SourceId;
  lines: number;
  events: number;
  allowed: number;
  deviations: number;
  wouldBlock: number;
  byClassification: { drift: number; attack: number; undeclared: number };
  byAction: { alert: number; block: number; learn: number; review: number };
  skipped: number;
  skipReasons: CountedReason[];
  /** Events of containers the profile does not describe, by container. */
  unmatched: number;
  unmatchedContainers: CountedReason[];
}

export interface ReplayOptions {
  readonly source?: SourceId;
  /** Also hand allowed events' verdicts to `emit`. */
  readonly all?: boolean;
  readonly emit: (v: Verdict) => void;
  /** Every deviation with the event it judged (learning reads both). */
  readonly observe?: (v: Verdict, e: RuntimeEvent) => void;
}

function count(list: CountedReason[], reason: string, line: number): void {
  const found = list.find((r) => r.reason === reason);
  if (found) found.count++;
  else if (list.length < MAX_LISTED) list.push({ reason, count: 1, firstLine: line });
  else {
    const other = list.find((r) => r.reason === '(other reasons)');
    if (other) other.count++;
    else list.push({ reason: '(other reasons)', count: 1, firstLine: line });
  }
}

export class Replay {
  private source: EventSource | undefined;
  private pending: { record: unknown; line: number }[] = [];
  readonly summary: ReplaySummary = {
    lines: 0,
    events: 0,
    allowed: 0,
    deviations: 0,
    wouldBlock: 0,
    byClassification: { drift: 0, attack: 0, undeclared: 0 },
    byAction: { alert: 0, block: 0, learn: 0, review: 0 },
    skipped: 0,
    skipReasons: [],
    unmatched: 0,
    unmatchedContainers: [],
  };

  constructor(
    private readonly engine: RuntimeEngine,
    private readonly opts: ReplayOptions,
  ) {
    if (opts.source) {
      this.source = eventSource(opts.source);
      this.summary.source = opts.source;
    }
  }

  /** One line of input (without its newline), numbered from 1. */
  line(text: string, line: number): void {
    this.summary.lines++;
    if (text === '' || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      this.skip('not valid JSON', line);
      return;
    }
    if (this.source) {
      this.convert(record, line);
      return;
    }
    this.pending.push({ record, line });
    if (this.pending.length >= DETECT_SAMPLE) this.flushPending();
  }

  /** A line skipped before it was parsed (too long to hold). */
  skipLine(reason: string, line: number): void {
    this.summary.lines++;
    this.skip(reason, line);
  }

  private skip(reason: string, line: number): void {
    this.summary.skipped++;
    count(this.summary.skipReasons, reason, line);
  }

  finish(): ReplaySummary {
    this.flushPending();
    this.summary.skipReasons.sort((a, b) => b.count - a.count || a.firstLine - b.firstLine);
    this.summary.unmatchedContainers.sort((a, b) => b.count - a.count || a.firstLine - b.firstLine);
    return this.summary;
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    if (!this.source) {
      const s = detectSource(this.pending.map((p) => p.record));
      if (!s) {
        for (const p of this.pending) this.skip('no event source recognises this record', p.line);
        this.pending = [];
        return;
      }
      this.source = s;
      this.summary.source = s.id;
    }
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) this.convert(p.record, p.line);
  }

  private convert(record: unknown, line: number): void {
    const c = this.source!.convert(record, line);
    if ('skip' in c) {
      this.skip(c.skip, line);
      return;
    }
    for (const e of c.events) {
      this.summary.events++;
      const out = this.engine.judge(e, line, this.opts.all !== true);
      if ('allowed' in out) {
        this.summary.allowed++;
        continue;
      }
      if ('unmatched' in out) {
        this.summary.unmatched++;
        const r = out.unmatched;
        count(
          this.summary.unmatchedContainers,
          [r.name ?? r.id, r.pod !== undefined ? `pod ${r.namespace ?? '?'}/${r.pod}` : '', r.image ?? '']
            .filter((x) => x !== '')
            .join(' · '),
          line,
        );
        continue;
      }
      const v = out.verdict;
      if (v.deviation) {
        this.summary.deviations++;
        this.summary.byClassification[v.deviation.classification]++;
        if (v.action !== 'allow') this.summary.byAction[v.action]++;
        if (v.action === 'block') this.summary.wouldBlock++;
        this.opts.observe?.(v, e);
        this.opts.emit(v);
      } else {
        this.summary.allowed++;
        if (this.opts.all === true) this.opts.emit(v);
      }
    }
  }
}
