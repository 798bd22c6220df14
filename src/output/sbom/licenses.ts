/**
 * SPDX license expressions (SPDX 2.3 Annex D): is a declared license a valid expression, and in
 * canonical spelling? Identifiers are checked against the SPDX license list as CycloneDX's
 * `spdx.schema.json` enumerates it (licenses and exceptions in one list), so whatever this module
 * accepts as a single id also validates as a CycloneDX `license.id`.
 */
import spdxSchema from './schemas/spdx.SNAPSHOT.schema.json' with { type: 'json' };

const BY_LOWER: ReadonlyMap<string, string> = new Map((spdxSchema.enum as string[]).map((id) => [id.toLowerCase(), id]));

/** Canonical spelling of a listed SPDX id (`mit` → `MIT`), or undefined. */
export function spdxId(id: string): string | undefined {
  return BY_LOWER.get(id.toLowerCase());
}

const LICENSE_REF = /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;

type Token = { kind: 'id'; text: string } | { kind: 'op'; text: 'AND' | 'OR' | 'WITH' } | { kind: '(' } | { kind: ')' };

function tokenize(expr: string): Token[] | undefined {
  const out: Token[] = [];
  const re = /\s*(\(|\)|[A-Za-z0-9.:+-]+)/y;
  let i = 0;
  while (i < expr.length) {
    if (/^\s*$/.test(expr.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(expr);
    if (!m) return undefined;
    i = re.lastIndex;
    const t = m[1] as string;
    if (t === '(' || t === ')') out.push({ kind: t });
    else if (/^(and|or|with)$/i.test(t) && (t === t.toUpperCase() || t === t.toLowerCase()))
      out.push({ kind: 'op', text: t.toUpperCase() as 'AND' | 'OR' | 'WITH' });
    else out.push({ kind: 'id', text: t });
  }
  return out;
}

/** One license: a listed id (optionally `+`), or a LicenseRef. Returns its canonical text. */
function simple(text: string): string | undefined {
  if (LICENSE_REF.test(text)) return text;
  const plus = text.endsWith('+');
  const id = spdxId(plus ? text.slice(0, -1) : text);
  return id === undefined ? undefined : plus ? `${id}+` : id;
}

/**
 * The canonical form of a valid SPDX license expression (operators upper-cased, ids in their
 * listed spelling, original grouping kept), or undefined when it is not one.
 */
export function normalizeSpdxExpression(expr: string): string | undefined {
  if (expr.length > 512) return undefined;
  const tokens = tokenize(expr);
  if (!tokens || tokens.length === 0) return undefined;
  let pos = 0;
  let depth = 0;
  // compound := term (("AND" | "OR") term)*; term := license ["WITH" exception] | "(" compound ")"
  const term = (): string | undefined => {
    const t = tokens[pos];
    if (t === undefined) return undefined;
    if (t.kind === '(') {
      if (++depth > 32) return undefined;
      pos++;
      const inner = compound();
      if (inner === undefined || tokens[pos]?.kind !== ')') return undefined;
      pos++;
      depth--;
      return `(${inner})`;
    }
    if (t.kind !== 'id') return undefined;
    const lic = simple(t.text);
    if (lic === undefined) return undefined;
    pos++;
    const next = tokens[pos];
    if (next?.kind === 'op' && next.text === 'WITH') {
      const exc = tokens[pos + 1];
      const exception = exc?.kind === 'id' ? spdxId(exc.text) : undefined;
      if (exception === undefined) return undefined;
      pos += 2;
      return `${lic} WITH ${exception}`;
    }
    return lic;
  };
  const compound = (): string | undefined => {
    let left = term();
    if (left === undefined) return undefined;
    for (;;) {
      const op = tokens[pos];
      if (op?.kind !== 'op' || op.text === 'WITH') return left;
      pos++;
      const right = term();
      if (right === undefined) return undefined;
      left = `${left} ${op.text} ${right}`;
    }
  };
  const out = compound();
  return out !== undefined && pos === tokens.length ? out : undefined;
}

/** True when the expression is a single listed id (no operator, no `+`, no LicenseRef). */
export function isSingleListedId(expr: string): boolean {
  return spdxId(expr) !== undefined;
}
