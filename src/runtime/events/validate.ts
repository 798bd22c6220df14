/**
 * The fast check of an event against `charter-events/v1`. The zod schemas in model/events.ts are
 * the one definition; here each kind's schema is turned into JSON Schema once and compiled by Ajv,
 * because replay checks every line of streams of millions and a compiled validator costs about a
 * third of a `JSON.parse` of the same line where zod's own parse costs nearly three (measured on
 * an exec event: 1.0 µs parse, +0.35 µs Ajv, +2.6 µs zod).
 */
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import { z } from 'zod';
import { EVENT_KINDS, EVENT_SCHEMAS, type EventKind, type RuntimeEvent } from '../../model/events.js';
import { isRecord } from '../../util/records.js';

export type EventCheck = { ok: true; event: RuntimeEvent } | { ok: false; reason: string };

const KINDS: ReadonlySet<string> = new Set(EVENT_KINDS);

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/**
 * The validator of one kind, compiled the first time the kind is met: a stream holds a few kinds,
 * and compiling all twelve costs more than checking a hundred thousand events.
 */
function validator(kind: EventKind): ValidateFunction {
  let v = compiled.get(kind);
  if (v) return v;
  // `unicode: false` counts string lengths in UTF-16 units, as zod does, instead of walking each
  // string for code points: it halves the check (0.53 → 0.28 µs an event). Ajv 8 calls the option
  // deprecated but keeps it; `logger: false` keeps that notice off the user's terminal.
  ajv ??= new Ajv({ allErrors: false, strict: true, unicode: false, logger: false });
  const schema = z.toJSONSchema(EVENT_SCHEMAS[kind], { target: 'draft-7' }) as Record<string, unknown>;
  delete schema.$schema;
  v = ajv.compile(schema);
  compiled.set(kind, v);
  return v;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'does not match the event schema';
  const where = e.instancePath === '' ? 'the event' : e.instancePath;
  if (e.keyword === 'additionalProperties') return `${where} has an unknown field "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'required') return `${where} lacks "${String(e.params.missingProperty)}"`;
  return `${where} ${e.message ?? 'is not valid'}`;
}

/** Checks one parsed JSON value; never throws. */
export function checkEvent(value: unknown): EventCheck {
  if (!isRecord(value)) return { ok: false, reason: 'not a JSON object' };
  const kind = value.kind;
  if (typeof kind !== 'string' || !KINDS.has(kind)) {
    return { ok: false, reason: typeof kind === 'string' ? `unknown event kind "${kind.slice(0, 40)}"` : 'no "kind"' };
  }
  const v = validator(kind as EventKind);
  if (v(value)) return { ok: true, event: value as unknown as RuntimeEvent };
  return { ok: false, reason: describe(v.errors) };
}
