/**
 * Compose variable interpolation (`${VAR}`, `${VAR:-default}`, `$$` …), evaluated with no
 * environment at all: a static reader cannot know the shell or `.env` of the eventual
 * `docker compose up`. Defaults written in the file are taken as the value; anything that
 * depends on a variable's real value leaves the result incomplete, and callers keep such values
 * unknown rather than guess.
 *
 * Grammar as in the Compose Specification, "Interpolation".
 */

export interface Interpolated {
  /** The text with every unknown variable replaced by the empty string. */
  text: string;
  /** False when some part depended on a variable with no default. */
  complete: boolean;
  /** Variables whose value was needed and unknown, in order of appearance. */
  missing: string[];
  /** Set when the template is malformed (e.g. `$1`, an unclosed `${`). */
  error?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
/** Nesting of `${A:-${B:-…}}` is legal but bounded: hostile input must not recurse without end. */
const MAX_DEPTH = 16;

export function interpolate(input: string): Interpolated {
  const out: Interpolated = { text: '', complete: true, missing: [] };
  run(input, out, 0);
  return out;
}

function run(input: string, out: Interpolated, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.error ??= 'variable defaults nested too deeply';
    out.complete = false;
    return;
  }
  let i = 0;
  while (i < input.length) {
    const dollar = input.indexOf('$', i);
    if (dollar === -1) {
      out.text += input.slice(i);
      return;
    }
    out.text += input.slice(i, dollar);
    const next = input.charAt(dollar + 1);
    if (next === '$') {
      out.text += '$';
      i = dollar + 2;
      continue;
    }
    if (next === '{') {
      const close = matchBrace(input, dollar + 2);
      if (close === -1) {
        out.error ??= `unclosed "\${" at offset ${dollar}`;
        out.complete = false;
        out.text += input.slice(dollar);
        return;
      }
      braced(input.slice(dollar + 2, close), out, depth);
      i = close + 1;
      continue;
    }
    const name = NAME.exec(input.slice(dollar + 1))?.[0];
    if (name === undefined) {
      out.error ??= `invalid "$" at offset ${dollar} (write "$$" for a literal dollar)`;
      out.complete = false;
      out.text += '$';
      i = dollar + 1;
      continue;
    }
    unknown(name, out);
    i = dollar + 1 + name.length;
  }
}

function unknown(name: string, out: Interpolated): void {
  out.complete = false;
  if (!out.missing.includes(name)) out.missing.push(name);
}

/** Index of the `}` closing a `${` whose body starts at `from`, counting nested `${`. */
function matchBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === '$' && s.charAt(i + 1) === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function braced(body: string, out: Interpolated, depth: number): void {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) {
    out.error ??= `invalid variable "\${${body}}"`;
    out.complete = false;
    return;
  }
  const rest = body.slice(name.length);
  if (rest === '') return unknown(name, out);
  const op = rest.startsWith(':') ? rest.slice(0, 2) : rest.slice(0, 1);
  const arg = rest.slice(op.length);
  switch (op) {
    case ':-':
    case '-':
      // Unset (we know nothing else): the default is the value.
      return run(arg, out, depth + 1);
    case ':?':
    case '?':
      // Required variable: only the real environment can supply it.
      return unknown(name, out);
    case ':+':
    case '+':
      // Value depends on whether the variable is set, which we cannot know.
      return unknown(name, out);
    default:
      out.error ??= `invalid variable "\${${body}}"`;
      out.complete = false;
  }
}
