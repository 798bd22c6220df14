/**
 * Profiles as files: stable JSON (keys in schema order, arrays already sorted) or YAML out, and a
 * validating parser in, so a hand-edited or hostile profile fails with its file and position.
 */
import { parseDocument, stringify, LineCounter } from 'yaml';
import { CharterSchema, type Charter } from '../model/charter.js';
import { InputError, UserError } from '../model/errors.js';
import { MAX_NESTING_DEPTH, findExcessiveNesting } from '../util/nesting.js';
import { hasDuplicateKeys } from '../util/json-duplicate-keys.js';
import { errorMessage } from '../model/errors.js';

export const PROFILE_FORMATS = ['json', 'yaml', 'text'] as const;
export type ProfileFormat = (typeof PROFILE_FORMATS)[number];

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Parses a profile from JSON or YAML text; every error names the file and position. */
export function parseCharter(text: string, file: string): Charter {
  // The parser and the validator recurse per level: refuse absurd nesting before either runs.
  const deep = findExcessiveNesting(text);
  if (deep) throw new InputError(`not a valid profile: nested more than ${MAX_NESTING_DEPTH} levels deep`, file, deep.line, deep.column);
  const fast = parseValidJson(text);
  if (fast) return fast;
  try {
    return parseCharterText(text, file);
  } catch (err) {
    // The check above is an estimate; a stack overflow that slips past it is still bad input.
    if (err instanceof RangeError) throw new InputError('not a valid profile: nested too deeply to read', file, undefined, undefined, { cause: err });
    throw err;
  }
}

/**
 * The common case, fast: a valid JSON profile (what `charter profile` writes). The YAML parser
 * costs ~1 s and ~40 bytes of memory per byte of a large profile; JSON.parse a hundredth of that.
 * Anything else (YAML, a syntax error, a duplicate key, a schema violation) goes to the
 * positional parser, which reports where.
 */
function parseValidJson(text: string): Charter | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (hasDuplicateKeys(text)) return undefined;
  const parsed = CharterSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

function parseCharterText(text: string, file: string): Charter {
  const lc = new LineCounter();
  // JSON is YAML 1.2; one parser gives positions for both. Aliases are capped against bombs.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const pos = lc.linePos(err.pos[0]);
    throw new UserError(`not a valid profile: ${err.message.split('\n')[0]}`, file, pos.line, pos.col);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new UserError(`not a valid profile: ${errorMessage(e)}`, file, undefined, undefined, { cause: e });
  }
  const parsed = CharterSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    let line: number | undefined;
    let col: number | undefined;
    // Walk to the deepest node that exists to point at the offending line.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) {
        const p = lc.linePos(node.range[0]);
        line = p.line;
        col = p.col;
        break;
      }
    }
    const where = path.length > 0 ? ` at /${path.join('/')}` : '';
    throw new UserError(`not a charter/v1 profile${where}: ${issue?.message ?? 'invalid'}`, file, line, col);
  }
  return parsed.data;
}
