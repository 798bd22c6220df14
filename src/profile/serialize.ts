/**
 * Profiles as files: stable JSON (keys in schema order, arrays already sorted) or YAML out, and a
 * validating parser in, so a hand-edited or hostile profile fails with its file and position.
 */
import { parseDocument, stringify, visit, LineCounter, type Document } from 'yaml';
import { CharterSchema, type Charter } from './model.js';
import { UserError } from '../errors.js';

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
    // Only aliases make toJS fail (too many, or one that cannot resolve): point at the first.
    const pos = firstAliasPosition(doc, lc);
    throw new UserError(`not a valid profile: ${e instanceof Error ? e.message : String(e)}`, file, pos.line, pos.col, { cause: e });
  }
  const parsed = CharterSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    // An empty document has no node at all: the fault is then at its start.
    let line = 1;
    let col = 1;
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

/** Line and column of the document's first alias (`*name`), else of its start. */
function firstAliasPosition(doc: Document, lc: LineCounter): { line: number; col: number } {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return lc.linePos(offset);
}
