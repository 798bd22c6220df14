/**
 * The OSV format (https://ossf.github.io/osv-schema/), validated at the trust boundary of the
 * import. Permissive on fields the format does not define (databases add their own, and newer
 * schema versions only add fields), strict on the ones matching depends on: ids, timestamps,
 * packages, ranges and events.
 */
import { z } from 'zod';
import { parseJson } from '../util/json-positions.js';
import { MAX_NESTING_DEPTH, findExcessiveJsonNesting } from '../util/nesting.js';
import { errorMessage } from '../model/errors.js';

/** Longest id accepted; real ids are under 40 characters. Bounds the store's keys. */
export const MAX_ID_LENGTH = 256;

const Id = z.string().min(1).max(MAX_ID_LENGTH);

/** RFC 3339 in UTC as OSV requires (`Z`); offsets are accepted and normalised for ordering. */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * A sortable form of an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` in UTC with nine
 * fraction digits, so text order is time order (records carry 0 to 9 fraction digits, and
 * `Date` keeps only milliseconds). Undefined when `s` is not a timestamp.
 */
export function timestampKey(s: string): string | undefined {
  const m = TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac = '', zone = 'Z'] = m;
  const fraction = frac.padEnd(9, '0').slice(0, 9);
  let date = `${y}-${mo}-${d}T${h}:${mi}:${sec}`;
  if (zone !== 'Z' && zone !== 'z') {
    const ms = Date.parse(`${date}${zone}`);
    if (Number.isNaN(ms)) return undefined;
    date = new Date(ms).toISOString().slice(0, 19);
  } else if (Number.isNaN(Date.parse(`${date}Z`))) {
    return undefined;
  }
  return `${date}.${fraction}Z`;
}

const Timestamp = z.string().refine((s) => timestampKey(s) !== undefined, { message: 'not an RFC 3339 timestamp' });

const Severity = z.looseObject({ type: z.string(), score: z.string() });

const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
export type EventKind = (typeof EVENT_KEYS)[number];

/*
 * Optional fields accept `null` as absent: real exports carry `"versions": null` (Go encoders
 * write nil slices that way), and refusing those records would lose real advisories.
 */

/** Exactly one of the four kinds per event object (spec: "Only a single type … is allowed"). */
const Event = z
  .looseObject({
    introduced: z.string().nullish(),
    fixed: z.string().nullish(),
    last_affected: z.string().nullish(),
    limit: z.string().nullish(),
  })
  .check((ctx) => {
    const present = EVENT_KEYS.filter((k) => ctx.value[k] != null);
    if (present.length !== 1) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message:
          present.length === 0
            ? 'event has none of introduced, fixed, last_affected, limit'
            : `event has more than one of ${present.join(', ')}`,
      });
    }
  });

const Range = z.looseObject({
  type: z.string().min(1),
  repo: z.string().nullish(),
  events: z.array(Event),
  database_specific: z.record(z.string(), z.unknown()).nullish(),
});

const Package = z.looseObject({
  ecosystem: z.string().min(1),
  name: z.string().min(1),
  purl: z.string().nullish(),
});

const Affected = z.looseObject({
  // Optional in the spec's JSON schema only for entries that carry no package (rare): such an
  // entry can never match and is kept in the raw record only.
  package: Package.nullish(),
  severity: z.array(Severity).nullish(),
  ranges: z.array(Range).nullish(),
  versions: z.array(z.string()).nullish(),
  ecosystem_specific: z.record(z.string(), z.unknown()).nullish(),
  database_specific: z.record(z.string(), z.unknown()).nullish(),
});

export const OsvRecordSchema = z.looseObject({
  schema_version: z.string().nullish(),
  id: Id,
  modified: Timestamp,
  published: Timestamp.nullish(),
  withdrawn: Timestamp.nullish(),
  aliases: z.array(Id).nullish(),
  upstream: z.array(Id).nullish(),
  related: z.array(Id).nullish(),
  summary: z.string().nullish(),
  details: z.string().nullish(),
  severity: z.array(Severity).nullish(),
  affected: z.array(Affected).nullish(),
  references: z.array(z.looseObject({ type: z.string(), url: z.string() })).nullish(),
  credits: z.array(z.unknown()).nullish(),
  database_specific: z.record(z.string(), z.unknown()).nullish(),
});

export type OsvRecord = z.infer<typeof OsvRecordSchema>;
export type OsvAffected = z.infer<typeof Affected>;
export type OsvRange = z.infer<typeof Range>;
export type OsvEvent = z.infer<typeof Event>;
export type OsvSeverity = z.infer<typeof Severity>;

export type OsvParse = { ok: true; record: OsvRecord } | { ok: false; reason: string; line?: number; column?: number };

/**
 * Parse and validate one OSV record. Never throws: a syntax error names its line and column, a
 * schema failure names the field path.
 */
export function parseOsvRecord(text: string): OsvParse {
  // Storing a record serialises it again, recursively: refuse absurd nesting up front.
  const deep = findExcessiveJsonNesting(text);
  if (deep) return { ok: false, reason: `nested more than ${MAX_NESTING_DEPTH} levels deep`, line: deep.line, column: deep.column };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // V8's message carries a position only sometimes; the positional parser always does.
    const located = parseJson(text);
    const base = errorMessage(err);
    if (!located.ok)
      return { ok: false, reason: `invalid JSON: ${located.error.message}`, line: located.error.line, column: located.error.column };
    return { ok: false, reason: `invalid JSON: ${base}` };
  }
  return validateOsvRecord(value);
}

export function validateOsvRecord(value: unknown): OsvParse {
  const r = OsvRecordSchema.safeParse(value);
  if (r.success) return { ok: true, record: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(record)';
  return { ok: false, reason: `not an OSV record: ${where}: ${issue?.message ?? 'invalid'}` };
}
